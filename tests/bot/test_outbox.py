"""The outbox: delivery through the customer-service API, retries, the 48-hour window, quotas."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from bot.app import _outbox_worker
from bot.outbox import OutboxWorker
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction
from tests.fake_wechat_api import FakeWeChatApi
from tests.talk import Resident


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


@pytest.fixture
def wired(make_runtime: Callable[..., Runtime], config_with, fake_api: FakeWeChatApi):
    def build(**config: dict) -> tuple[Runtime, OutboxWorker]:
        path = config_with(**config) if config else None
        runtime = make_runtime(path, WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=fake_api.base_url)
        worker = _outbox_worker(runtime)
        assert worker is not None
        return runtime, worker

    return build


def outbox_rows(runtime: Runtime, openid: str) -> list:
    with transaction(runtime.factory) as session:
        return Store(session).outbox.for_openid(openid)


def enqueue_reply(runtime: Runtime, openid: str, text: str) -> None:
    with transaction(runtime.factory) as session:
        Store(session).outbox.enqueue(openid, "reply", {"content": text, "options": []}, utcnow(),
                                      dedup_key=f"test:{openid}:{text}")


def test_queued_reply_is_delivered_through_custom_send_with_the_stable_token(wired, fake_api) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_out").say("你好")  # opens the 48-hour window
    enqueue_reply(runtime, "o_out", "稍后送达的回复")
    assert worker.run_once() == 1
    [sent] = fake_api.sent
    assert sent["touser"] == "o_out" and sent["msgtype"] == "text"
    assert "稍后送达的回复" in sent["text"]["content"] and sent["token"] == "TOKEN-stable"
    assert [row.status for row in outbox_rows(runtime, "o_out")] == ["sent"]


def test_classic_token_endpoint_is_used_where_stable_token_is_missing(wired, fake_api) -> None:
    fake_api.stable_token = False
    runtime, worker = wired()
    Resident(runtime, "o_classic").say("你好")
    enqueue_reply(runtime, "o_classic", "hi")
    worker.run_once()
    assert fake_api.sent[0]["token"] == "TOKEN-classic"


def test_api_failure_is_retried_later_and_nothing_is_lost(wired, fake_api) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_retry").say("你好")
    enqueue_reply(runtime, "o_retry", "要送到")
    fake_api.next_errors = ["http500", -1]
    worker.run_once()
    [row] = outbox_rows(runtime, "o_retry")
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    worker.run_once()  # not due yet: back-off
    assert fake_api.sent == []
    worker.run_once(now=utcnow() + timedelta(minutes=1))
    worker.run_once(now=utcnow() + timedelta(minutes=10))
    assert len(fake_api.sent) == 1
    assert [row.status for row in outbox_rows(runtime, "o_retry")] == ["sent"]


def test_a_hanging_api_times_out_and_is_retried(wired, fake_api, config_with) -> None:
    runtime, worker = wired(wechat={"api_timeout_seconds": 0.5})
    Resident(runtime, "o_hang").say("你好")
    enqueue_reply(runtime, "o_hang", "不要卡住")
    fake_api.next_errors = ["hang"]
    worker.run_once()
    [row] = outbox_rows(runtime, "o_hang")
    assert row.status == "pending" and row.attempts == 1


def test_outside_the_48_hour_window_the_message_is_held_and_staff_are_told(wired, fake_api) -> None:
    runtime, worker = wired(staff={"on_duty_openids": ["o_duty"]})
    Resident(runtime, "o_quiet").say("你好")
    with transaction(runtime.factory) as session:
        Store(session).residents.get("o_quiet").last_inbound_at = utcnow() - timedelta(hours=49)
    enqueue_reply(runtime, "o_quiet", "太晚了")
    worker.run_once()
    assert [row.status for row in outbox_rows(runtime, "o_quiet")] == ["held"]
    [notice] = outbox_rows(runtime, "o_duty")
    assert "未送达" in notice.payload["content"]


def test_wechat_window_errcode_holds_the_message(wired, fake_api) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_45015").say("你好")
    enqueue_reply(runtime, "o_45015", "x")
    fake_api.next_errors = [45015]
    worker.run_once()
    assert [row.status for row in outbox_rows(runtime, "o_45015")] == ["held"]


def test_no_more_than_the_window_quota_is_sent(wired, fake_api) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_quota").say("你好")
    for n in range(7):
        enqueue_reply(runtime, "o_quota", f"第{n}条")
    worker.run_once()
    statuses = [row.status for row in outbox_rows(runtime, "o_quota")]
    assert statuses.count("sent") == 5 and statuses.count("held") == 2
    assert len(fake_api.sent) == 5


def test_a_new_message_from_the_resident_reopens_the_window(wired, fake_api) -> None:
    runtime, worker = wired()
    resident = Resident(runtime, "o_again")
    resident.say("你好")
    for n in range(5):
        enqueue_reply(runtime, "o_again", f"a{n}")
    worker.run_once()
    resident.say("谢谢")
    enqueue_reply(runtime, "o_again", "new window")
    worker.run_once()
    assert len(fake_api.sent) == 6


def push_to(runtime: Runtime, openid: str, text: str, template: bool = False) -> bool:
    from bot.dialogue.turn import Reply
    from bot.notify import Template, push

    with transaction(runtime.factory) as session:
        return push(Store(session), openid, Reply.text(text), utcnow(), key=f"push:{openid}:{text}",
                    template=Template("bill_issued", {"first": text, "keyword1": "2026-11"}) if template else None)


def quiet_for_two_days(runtime: Runtime, openid: str) -> None:
    with transaction(runtime.factory) as session:
        Store(session).residents.get(openid).last_inbound_at = utcnow() - timedelta(hours=49)


def test_outside_the_window_a_push_goes_as_its_template_message_when_one_is_configured(wired, fake_api) -> None:
    runtime, worker = wired(wechat={"templates": {"bill_issued": "TPL-BILL"}})
    Resident(runtime, "o_tpl").say("你好")
    quiet_for_two_days(runtime, "o_tpl")
    assert push_to(runtime, "o_tpl", "新账单", template=True)
    worker.run_once()
    [sent] = fake_api.templates
    assert sent["touser"] == "o_tpl" and sent["template_id"] == "TPL-BILL"
    assert sent["data"]["first"]["value"] == "新账单" and fake_api.sent == []
    assert [row.status for row in outbox_rows(runtime, "o_tpl")] == ["sent"]


def test_without_a_template_a_push_waits_for_the_residents_next_message(wired, fake_api) -> None:
    runtime, worker = wired(staff={"on_duty_openids": ["o_duty"]})
    resident = Resident(runtime, "o_wait")
    resident.say("你好")
    quiet_for_two_days(runtime, "o_wait")
    assert push_to(runtime, "o_wait", "活动提醒", template=True)  # no template id configured
    worker.run_once()
    assert [row.status for row in outbox_rows(runtime, "o_wait")] == ["held"]
    assert outbox_rows(runtime, "o_duty") == []  # a push waiting is not news for staff
    resident.say("在吗")
    worker.run_once()
    assert [row.status for row in outbox_rows(runtime, "o_wait")] == ["sent"]
    assert "活动提醒" in fake_api.sent[-1]["text"]["content"]


def test_nothing_is_pushed_to_a_resident_who_unfollowed(wired, fake_api) -> None:
    runtime, _ = wired()
    Resident(runtime, "o_gone").say("你好")
    with transaction(runtime.factory) as session:
        Store(session).residents.get("o_gone").subscribed = False
    assert not push_to(runtime, "o_gone", "账单")
    assert outbox_rows(runtime, "o_gone") == []


def test_the_outbox_never_sends_to_someone_who_unfollowed(wired, fake_api: FakeWeChatApi) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_gone_worker").say("你好")
    with transaction(runtime.factory) as session:
        store = Store(session)
        store.outbox.enqueue("o_gone_worker", "staff_reply", {"content": "回复"}, utcnow(), dedup_key="late:1")
        store.residents.get("o_gone_worker").subscribed = False  # queued around the moment they left
    worker.run_once()
    assert fake_api.sent == []
    with transaction(runtime.factory) as session:
        assert [row.status for row in Store(session).outbox.for_openid("o_gone_worker")] == ["dropped"]


def test_a_message_on_its_way_when_the_resident_unfollows_is_dropped_not_held(wired, fake_api) -> None:
    runtime, worker = wired()
    Resident(runtime, "o_in_flight").say("你好")
    with transaction(runtime.factory) as session:
        Store(session).outbox.enqueue("o_in_flight", "staff_reply", {"content": "回复"}, utcnow(), dedup_key="f:1")
    jobs = worker._lease(utcnow(), 10)
    with transaction(runtime.factory) as session:
        Store(session).residents.get("o_in_flight").subscribed = False
    fake_api.next_errors = [43004]  # WeChat: the user unfollowed
    for job in jobs:
        worker._deliver(job)
    with transaction(runtime.factory) as session:
        store = Store(session)
        assert [row.status for row in store.outbox.for_openid("o_in_flight")] == ["dropped"]
        assert store.outbox.list(status="held") == []


def test_with_redis_gone_the_token_is_kept_in_memory_and_messages_still_go_out(
        make_runtime: Callable[..., Runtime], fake_api: FakeWeChatApi) -> None:
    runtime = make_runtime(WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=fake_api.base_url,
                           REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    worker = _outbox_worker(runtime)
    assert worker is not None
    Resident(runtime, "o_no_redis").say("你好")
    enqueue_reply(runtime, "o_no_redis", "没有 Redis 也送到")
    enqueue_reply(runtime, "o_no_redis", "第二条")
    assert worker.run_once() == 2
    assert [m["text"]["content"] for m in fake_api.sent] == ["没有 Redis 也送到", "第二条"]
    assert fake_api.token_requests == 1  # the token is fetched once and kept


def test_the_api_stopped_mid_run_and_brought_back_delivers_every_queued_message_once(
        make_runtime: Callable[..., Runtime]) -> None:
    with FakeWeChatApi() as first:
        port = first.server.server_address[1]
        runtime = make_runtime(WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=first.base_url)
        worker = _outbox_worker(runtime)
        assert worker is not None
        Resident(runtime, "o_outage").say("你好")
        enqueue_reply(runtime, "o_outage", "一")
        assert worker.run_once() == 1
    # The API is gone: nothing is delivered, nothing is lost.
    enqueue_reply(runtime, "o_outage", "二")
    enqueue_reply(runtime, "o_outage", "三")
    worker.run_once()
    waiting = [row for row in outbox_rows(runtime, "o_outage") if row.status != "sent"]
    assert len(waiting) == 2 and all(row.status == "pending" and row.last_error for row in waiting)
    with FakeWeChatApi(port=port) as second:  # back, at the same address
        for minutes in (1, 10, 60, 120):
            worker.run_once(now=utcnow() + timedelta(minutes=minutes))
        assert [m["text"]["content"] for m in second.sent] == ["二", "三"]
    assert [row.status for row in outbox_rows(runtime, "o_outage")] == ["sent", "sent", "sent"]
