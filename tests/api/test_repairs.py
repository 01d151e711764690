"""`/api/repairs`: staff move tickets along; the reporter hears of each step and rates the repair
through POST /wechat — by digit, by tap, in words — once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from bot.app import _outbox_worker, create_app
from bot.runtime import Runtime
from store.ratings import RatingRepository
from store.repairs import NewTicket, RepairRepository
from tests.api.conftest import AUTH, STAFF_TOKEN
from tests.fake_wechat_api import FakeWeChatApi
from tests.wechat_client import WeChatServer, new_msg_id

FIXED = {"id", "openid", "household_id", "category", "location", "description", "status", "urgent", "created_at",
         "rating", "assigned_to"}


def report_by_chat(wechat: WeChatServer, openid: str = "o_reporter") -> None:
    wechat.say(openid, "绑定 3-502 张三 1234")
    wechat.say(openid, "我家厨房水管漏水了")
    assert "报修已提交" in wechat.say(openid, "1").content


def only_ticket(store_of: Callable, openid: str = "o_reporter") -> int:
    with store_of() as store:
        [ticket] = [t for t in store[RepairRepository].list() if t.openid == openid]
        return ticket.id


def open_ticket(store_of: Callable, openid: str, key: str, **fields: object) -> int:
    values: dict = {"category": "lighting", "location": "5号楼楼道", "description": "楼道灯不亮", **fields}
    with store_of() as store:
        new = NewTicket(openid=openid, **values)
        ticket, _ = store[RepairRepository].open_ticket(new, key, datetime.now().astimezone())
        return ticket.id


def pushes(store_of: Callable, openid: str) -> list:
    with store_of() as store:
        return [row for row in store.outbox.for_openid(openid) if row.purpose == "push"]


@pytest.fixture
def ticket(wechat: WeChatServer, store_of: Callable) -> int:
    report_by_chat(wechat)
    return only_ticket(store_of)


# --- the list -------------------------------------------------------------------------------

def test_tickets_are_listed_with_the_fixed_fields_and_the_photo(api: TestClient, ticket: int, store_of) -> None:
    photo = open_ticket(store_of, "o_photo", "k-photo", photo_url="http://mmbiz.qpic.cn/sim/leak.jpg")
    listed = api.get("/api/repairs")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    by_id = {item["id"]: item for item in listed.json()}
    item = by_id[ticket]
    assert FIXED <= set(item)
    assert (item["openid"], item["category"], item["status"], item["urgent"], item["rating"], item["assigned_to"]) == (
        "o_reporter", "water_leak", "pending", False, None, None)
    assert item["household_id"] is not None and "漏水" in item["description"]
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None
    assert by_id[photo]["photo_url"] == "http://mmbiz.qpic.cn/sim/leak.jpg"


def test_tickets_can_be_filtered_by_status(api: TestClient, ticket: int, store_of) -> None:
    other = open_ticket(store_of, "o_other", "k-other")
    api.patch(f"/api/repairs/{other}", json={"status": "in_progress"})
    assert [t["id"] for t in api.get("/api/repairs?status=pending").json()] == [ticket]
    assert [t["id"] for t in api.get("/api/repairs?status=in_progress").json()] == [other]
    assert len(api.get("/api/repairs?status=").json()) == 2
    wrong = api.get("/api/repairs?status=fixed")
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"


# --- moving a ticket along ---------------------------------------------------------------------

def test_naming_a_worker_assigns_the_ticket_and_tells_the_reporter_who_comes(api: TestClient, ticket: int,
                                                                           store_of) -> None:
    response = api.patch(f"/api/repairs/{ticket}", json={"assigned_to": "王师傅"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["assigned_to"]) == ("assigned", "王师傅")
    [push] = pushes(store_of, "o_reporter")
    assert "王师傅" in push.payload["content"] and "已派单" in push.payload["content"]
    assert push.payload["keys"] == ["repair.push_assigned"]
    assert push.template and push.template["template"] == "repair_status"


def test_each_step_reaches_the_reporter_once(api: TestClient, ticket: int, store_of) -> None:
    for _ in range(2):
        assigned = api.patch(f"/api/repairs/{ticket}", json={"status": "assigned", "assigned_to": "王师傅"})
        assert assigned.status_code == 200
    for _ in range(2):
        assert api.patch(f"/api/repairs/{ticket}", json={"status": "in_progress"}).status_code == 200
    keys = [p.payload["keys"][0] for p in pushes(store_of, "o_reporter")]
    assert keys == ["repair.push_assigned", "repair.push_in_progress"]


def test_a_new_worker_is_announced_again(api: TestClient, ticket: int, store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"assigned_to": "王师傅"})
    api.patch(f"/api/repairs/{ticket}", json={"assigned_to": "李师傅"})
    contents = [p.payload["content"] for p in pushes(store_of, "o_reporter")]
    assert len(contents) == 2 and "李师傅" in contents[1]


def test_cancelled_by_staff_is_pushed_and_final(api: TestClient, ticket: int, store_of) -> None:
    assert api.patch(f"/api/repairs/{ticket}", json={"status": "cancelled"}).json()["status"] == "cancelled"
    [push] = pushes(store_of, "o_reporter")
    assert "已被物业取消" in push.payload["content"] and "021-6201-0000" in push.payload["content"]
    back = api.patch(f"/api/repairs/{ticket}", json={"status": "pending"})
    assert back.status_code == 409 and back.json()["field"] == "status"


def test_moves_that_make_no_sense_are_refused_and_change_nothing(api: TestClient, ticket: int, store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    for body in ({"status": "pending"}, {"status": "in_progress"}, {"status": "assigned", "assigned_to": "王师傅"}):
        refused = api.patch(f"/api/repairs/{ticket}", json=body)
        assert refused.status_code == 409 and refused.json()["field"] == "status", body
        assert "done" in refused.json()["message"]
    reassign = api.patch(f"/api/repairs/{ticket}", json={"assigned_to": "李师傅"})
    assert reassign.status_code == 409 and reassign.json()["field"] == "assigned_to"
    [item] = api.get("/api/repairs?status=done").json()
    assert item["assigned_to"] is None
    assert api.patch(f"/api/repairs/{ticket}", json={"status": "done"}).status_code == 200  # staying put is fine


def test_handing_a_ticket_back_to_pending_clears_the_worker(api: TestClient, ticket: int) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"assigned_to": "王师傅"})
    back = api.patch(f"/api/repairs/{ticket}", json={"status": "pending"})
    assert (back.json()["status"], back.json()["assigned_to"]) == ("pending", None)
    both = api.patch(f"/api/repairs/{ticket}", json={"status": "pending", "assigned_to": "李师傅"})
    assert both.status_code == 422 and both.json()["field"] == "assigned_to"


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "fixed"}, "status"),
    ({"status": "完成"}, "status"),
    ({}, "status"),
    ({"status": None}, "status"),
    ({"assigned_to": "x" * 65}, "assigned_to"),
])
def test_wrong_changes_are_422_naming_the_field(api: TestClient, ticket: int, body: dict, field: str) -> None:
    response = api.patch(f"/api/repairs/{ticket}", json=body)
    assert response.status_code == 422 and response.json()["field"] == field


def test_unknown_tickets_are_404_and_the_token_is_required(api: TestClient, client: TestClient, ticket: int) -> None:
    assert api.patch("/api/repairs/99999", json={"status": "done"}).status_code == 404
    assert api.get("/api/repairs/99999").status_code == 404
    assert api.get(f"/api/repairs/{ticket}").json()["id"] == ticket
    client.headers.pop("Authorization")
    assert client.get("/api/repairs").status_code == 401
    assert client.patch(f"/api/repairs/{ticket}", json={"status": "done"}).status_code == 401


# --- done: the rating -----------------------------------------------------------------------------

def test_done_asks_for_a_rating_with_five_numbered_choices(api: TestClient, ticket: int, store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done", "assigned_to": "王师傅"})
    [push] = pushes(store_of, "o_reporter")
    assert push.payload["keys"] == ["repair.push_done", "rate_service.ask_repair"]
    labels = [option["label"] for option in push.payload["options"]]
    assert len(labels) == 5 and "5分" in labels[4] and "1分" in labels[0]


def test_a_digit_rates_the_repair_then_words_may_follow(api: TestClient, wechat: WeChatServer, ticket: int,
                                                        store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    thanks = wechat.say("o_reporter", "5")
    assert "很满意" in thanks.content and "想说" in thanks.content
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] == 5
    assert "记下" in wechat.say("o_reporter", "师傅来得很快，修得很仔细").content
    item = api.get(f"/api/repairs/{ticket}").json()
    assert item["rating"] == 5 and "修得很仔细" in item["rating_comment"]


def test_a_retried_rating_is_stored_once(api: TestClient, wechat: WeChatServer, ticket: int, store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    msg_id = new_msg_id()
    first = wechat.say("o_reporter", "4", msg_id=msg_id)
    retries = [wechat.say("o_reporter", "4", msg_id=msg_id) for _ in range(3)]
    assert all(retry.body == first.body for retry in retries)
    assert "谢谢" in wechat.say("o_reporter", "1").content  # nothing to add
    again = wechat.say("o_reporter", "很满意")  # said again, a moment later
    assert "评价过" in again.content or "打过分" in again.content
    with store_of() as store:
        ratings = store[RatingRepository].list()
    assert [(r.score, r.ticket_id) for r in ratings] == [(4, ticket)]
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] == 4


def test_words_rate_the_repair_even_after_other_messages(api: TestClient, wechat: WeChatServer, ticket: int,
                                                         store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    wechat.say("o_reporter", "你好")  # the numbered choices are replaced by the greeting's menu
    reply = wechat.say("o_reporter", "很满意，师傅很专业")
    assert "很满意" in reply.content and "记下" in reply.content
    item = api.get(f"/api/repairs/{ticket}").json()
    assert (item["rating"], item["rating_comment"]) == (5, "师傅很专业")


@pytest.mark.parametrize(("words", "score"), [("太差了", 1), ("不满意", 2), ("一般", 3), ("满意", 4),
                                              ("很不满意", 1), ("打五星", 5), ("3分", 3)])
def test_each_rating_word_gives_its_score(api: TestClient, wechat: WeChatServer, ticket: int, words: str,
                                          score: int) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    wechat.say("o_reporter", "你好")
    wechat.say("o_reporter", words)
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] == score


def test_a_poor_rating_reaches_the_staff_on_duty(make_runtime: Callable[..., Runtime], config_with) -> None:
    runtime = make_runtime(config_with(staff={"on_duty_openids": ["o_duty"]}), STAFF_API_TOKEN=STAFF_TOKEN)
    with TestClient(create_app(runtime, background=False), headers=AUTH) as http:
        wechat = WeChatServer(http, "test_token_123", "wx0123456789abcdef")
        report_by_chat(wechat, "o_unhappy")
        [item] = http.get("/api/repairs").json()
        http.patch(f"/api/repairs/{item['id']}", json={"status": "done"})
        wechat.say("o_unhappy", "1")
    from store import Store
    from store.db import transaction

    with transaction(runtime.factory) as session:
        notices = [row.payload["content"] for row in Store(session).outbox.for_openid("o_duty")]
    assert any("差评" in notice and "1 分" in notice for notice in notices)


def test_the_rating_waits_while_the_resident_is_busy_with_a_form(api: TestClient, wechat: WeChatServer, ticket: int,
                                                                 store_of) -> None:
    wechat.say("o_reporter", "我要报修")  # a new report: asked what is broken
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    with store_of() as store:
        conversation = store.conversations.get("o_reporter")
        assert conversation is not None and conversation.form == "repair_report"
        assert conversation.options and "rate_service" not in str(conversation.options)
    wechat.say("o_reporter", "1")  # still the category question's first choice, not a score
    with store_of() as store:
        assert store.conversations.get("o_reporter").slots.get("repair_category") == "water_leak"  # type: ignore[union-attr]
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] is None


def test_somebody_elses_tap_cannot_rate_a_ticket(api: TestClient, wechat: WeChatServer, ticket: int,
                                                store_of) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    with store_of() as store:
        offered = list(store.conversations.get("o_reporter").options)  # type: ignore[union-attr]
    with store_of() as store:  # another resident is offered the reporter's choices somehow
        store.conversations.load_for_update("o_intruder", datetime.now().astimezone()).options = offered
    wechat.say("o_intruder", "1")
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] is None


# --- the push leaves through the WeChat API ---------------------------------------------------------

@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


def test_the_done_message_reaches_wechat_with_tappable_scores(make_runtime: Callable[..., Runtime],
                                                              fake_api: FakeWeChatApi) -> None:
    runtime = make_runtime(STAFF_API_TOKEN=STAFF_TOKEN, WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=fake_api.base_url)
    worker = _outbox_worker(runtime)
    assert worker is not None
    with TestClient(create_app(runtime, background=False), headers=AUTH) as http:
        wechat = WeChatServer(http, "test_token_123", "wx0123456789abcdef")
        report_by_chat(wechat, "o_pushed")
        [item] = http.get("/api/repairs").json()
        http.patch(f"/api/repairs/{item['id']}", json={"status": "done", "assigned_to": "王师傅"})
        while worker.run_once():
            pass
        [sent] = [m for m in fake_api.sent if m["touser"] == "o_pushed"]
        assert "已完成" in sent["text"]["content"] and "weixin://bizmsgmenu" in sent["text"]["content"]
        assert "很满意（5分）" in sent["text"]["content"]
        assert "很满意" in wechat.say("o_pushed", "很满意（5分）").content  # the tap sends the label
        assert http.get(f"/api/repairs/{item['id']}").json()["rating"] == 5


def test_other_words_are_not_taken_for_a_rating(api: TestClient, wechat: WeChatServer, ticket: int) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    wechat.say("o_reporter", "你好")
    for words in ("不好意思，物业电话多少", "很好奇物业几点下班", "5 号楼电梯也坏了"):
        wechat.say("o_reporter", words)
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] is None
    wechat.say("o_reporter", "师傅修得很好")
    assert api.get(f"/api/repairs/{ticket}").json()["rating"] == 5


def test_words_after_the_score_are_kept_even_when_they_start_like_a_yes(api: TestClient, wechat: WeChatServer,
                                                                       ticket: int) -> None:
    api.patch(f"/api/repairs/{ticket}", json={"status": "done"})
    wechat.say("o_reporter", "3")
    wechat.say("o_reporter", "就是来得有点晚")
    assert api.get(f"/api/repairs/{ticket}").json()["rating_comment"] == "就是来得有点晚"
