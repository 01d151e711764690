"""删除我的信息: after a confirmation that says what goes, what stays and why, the person is gone
from every table — the community's records (tickets, escalations) stay, without them. And the
message log is kept no longer than the configured number of days."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from actions.account.data import privacy_purge
from bot.app import create_app
from bot.dialogue.turn import Reply
from bot.jobs import JobContext
from bot.notify import push
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction
from store.models import MessageLog
from store.repairs import RepairRepository
from tests.actions.account_helpers import Follower, links, only, tables_mentioning
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.wechat_client import WeChatServer, new_msg_id

OPENID = "o_forget_me_please"
STAFF = "o_duty_staff"


@pytest.fixture
def staffed(make_runtime, config_with) -> Iterator[tuple[Runtime, WeChatServer]]:
    runtime = make_runtime(config_with(staff={"on_duty_openids": [STAFF]}))
    with TestClient(create_app(runtime, background=False)) as http:
        yield runtime, WeChatServer(http, TOKEN, APPID, AES_KEY)


@contextmanager
def store_of(runtime: Runtime) -> Iterator[Store]:
    with transaction(runtime.factory) as session:
        yield Store(session)


def a_resident_with_a_history(runtime: Runtime, wechat: WeChatServer) -> Follower:
    """Bound, a repair reported, a person asked for, a push waiting: data in every core table."""
    follower = Follower(wechat, OPENID)
    follower.follow("b3")
    follower.say("绑定 3-502 张三 1234")
    follower.say("我家厨房水管漏水了，电话 13811112222")
    assert "报修已提交" in follower.say("1")
    assert "工作人员" in follower.say("人工")
    with store_of(runtime) as store:
        assert push(store, OPENID, Reply.text("本月物业费已出账"), utcnow(), key="bill:2026-11:3-502")
    return follower


def test_deleting_asks_first_saying_what_goes_what_stays_and_why(staffed) -> None:
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    question = follower.say("删除我的信息")
    assert "聊天记录" in question and "绑定" in question  # what goes
    assert "保留" in question and "报修单" in question and "账单" in question  # what stays
    assert "维修" in question and "对账" in question  # and why
    assert links(question) == ["确认删除我的信息", "不删除了"]
    assert tables_mentioning(runtime, OPENID).get("residents") == 1  # nothing deleted before the answer
    follower.say("2")
    with store_of(runtime) as store:
        assert store.residents.get(OPENID).household is not None


def test_a_deleted_resident_is_gone_from_every_table(staffed) -> None:
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    before = tables_mentioning(runtime, OPENID)
    assert {"residents", "conversations", "message_log", "outbox", "escalations", "repair_tickets",
            "processed_messages"} <= set(before)
    follower.say("删除我的信息")
    confirm = new_msg_id()
    done = follower.say("1", msg_id=confirm)
    assert "已经删除" in done
    # Only the dedup key of the confirming message is left, so that WeChat's retry of it gets
    # the same answer instead of running it again …
    assert tables_mentioning(runtime, OPENID) == {"processed_messages": 1}
    assert follower.say("1", msg_id=confirm) == done
    assert tables_mentioning(runtime, OPENID) == {"processed_messages": 1}
    # … and once WeChat has stopped retrying, the purge takes it too.
    privacy_purge(JobContext(runtime, utcnow() + timedelta(minutes=5)))
    assert tables_mentioning(runtime, OPENID) == {}
    assert tables_mentioning(runtime, "13811112222") == {}  # the phone they wrote is gone too


def test_the_communitys_records_stay_without_the_person(staffed) -> None:
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    follower.say("删除我的信息")
    follower.say("确认删除我的信息")  # the tapped choice
    with store_of(runtime) as store:
        ticket = only(store[RepairRepository].list())
        assert (ticket.openid, ticket.phone) == ("", "")
        assert ticket.location == "3-502" and ticket.category == "water_leak" and ticket.status == "pending"
        assert "138****2222" in ticket.description and ticket.household_id is not None
        escalation = only(store.escalations.list())
        assert escalation.openid == "" and escalation.status == "closed"
        assert [row.openid for row in store.outbox.list()] == [STAFF, STAFF]  # staff were told; kept
        assert store.households.find_by_address("3", "502")[0].members[0].name == "张三"  # the roster stays


def test_after_deletion_the_person_starts_afresh(staffed) -> None:
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    follower.say("删除我的信息")
    follower.say("是的")
    info = follower.say("我的信息")
    assert "还没有绑定" in info and "扫码" not in info and "报修：" not in info and "转人工：" not in info
    assert "没有查到" in follower.say("报修进度")  # the ticket is no longer theirs to see


@pytest.mark.parametrize("answer", ["2", "不删除了", "不", "别删了", "算了"])
def test_declining_deletes_nothing(staffed, answer: str) -> None:
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    before = tables_mentioning(runtime, OPENID)
    follower.say("删除我的信息")
    follower.say(answer)
    after = tables_mentioning(runtime, OPENID)
    assert set(after) == set(before) and after["residents"] == 1
    with store_of(runtime) as store:
        assert only(store[RepairRepository].list()).openid == OPENID


@pytest.mark.parametrize("murmur", ["嗯", "嗯嗯", "哦", "好吧"])
def test_a_murmur_is_not_a_yes_to_deleting_and_the_question_says_how_to_answer(staffed, murmur: str) -> None:
    """Deleting cannot be undone; 嗯 is as often "I'm listening" as "yes"."""
    runtime, wechat = staffed
    follower = a_resident_with_a_history(runtime, wechat)
    follower.say("删除我的信息")
    again = follower.say(murmur)
    assert "不能恢复" in again and "确认删除" in again and links(again) == ["确认删除我的信息", "不删除了"]
    with store_of(runtime) as store:
        assert store.residents.get(OPENID).household is not None  # nothing deleted
        assert only(store[RepairRepository].list()).openid == OPENID
    assert "已经删除" in follower.say("确认删除")
    assert tables_mentioning(runtime, OPENID).get("residents") is None


@pytest.mark.parametrize("answer", ["删吧", "删除", "确定删除", "1", "好的"])
def test_a_plain_yes_in_the_residents_own_words_deletes(staffed, answer: str) -> None:
    runtime, wechat = staffed
    a_resident_with_a_history(runtime, wechat).say("删除我的信息")
    assert "已经删除" in Follower(wechat, OPENID).say(answer)
    assert tables_mentioning(runtime, OPENID).get("residents") is None


def test_the_message_log_is_kept_no_longer_than_configured(make_runtime, config_with) -> None:
    runtime = make_runtime(config_with(account={"message_log_days": 30}))
    now = utcnow()
    with store_of(runtime) as store:
        for days, text in ((45, "很久以前"), (31, "一个月前"), (29, "上个月"), (0, "今天")):
            store.session.add(MessageLog(openid="o_log", direction="in", kind="text", text=text,
                                         created_at=now - timedelta(days=days)))
        store.outbox.enqueue("o_log", "push", {"content": "旧推送"}, now - timedelta(days=40), dedup_key="old")
        store.outbox.mark_sent(store.outbox.by_dedup_key("old"), now - timedelta(days=40))
        store.outbox.enqueue("o_log", "push", {"content": "待发"}, now - timedelta(days=40), dedup_key="waiting")
    privacy_purge(JobContext(runtime, now))
    with store_of(runtime) as store:
        assert [m.text for m in store.messages.recent("o_log", limit=10)] == ["上个月", "今天"]
        assert [row.dedup_key for row in store.outbox.for_openid("o_log")] == ["waiting"]  # not yet delivered


def test_the_retention_job_is_scheduled(runtime: Runtime) -> None:
    job = only([job for job in runtime.registry.jobs if job.id == "privacy_purge"])
    assert job.trigger == "interval" and job.options == {"minutes": 10}


@pytest.fixture
def pg_runtime(postgres_url: str, understanding) -> Iterator[Runtime]:
    from sqlalchemy import text as sql

    from bot.runtime import build_runtime
    from bot.settings import DEFAULT_CONFIG, load_settings
    from store.db import make_engine
    from store.demo import seed_demo
    from tests.conftest import wechat_env

    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sql("DROP SCHEMA public CASCADE"))
        connection.execute(sql("CREATE SCHEMA public"))
    engine.dispose()
    runtime = build_runtime(load_settings(DEFAULT_CONFIG, {"DATABASE_URL": postgres_url, **wechat_env()}),
                            understanding=understanding)
    with store_of(runtime) as store:
        seed_demo(store)
    yield runtime
    runtime.close()


def test_a_deleted_resident_is_gone_on_postgres_too(pg_runtime: Runtime) -> None:
    from tests.talk import Resident

    resident = Resident(pg_runtime, OPENID)
    resident.say("绑定 3-502 张三 1234")
    resident.say("我家厨房水管漏水了")
    resident.say("1")
    resident.say("人工")
    resident.say("删除我的信息")
    assert "已经删除" in resident.say("1")
    assert tables_mentioning(pg_runtime, OPENID) == {"processed_messages": 1}
    privacy_purge(JobContext(pg_runtime, utcnow() + timedelta(minutes=5)))
    assert tables_mentioning(pg_runtime, OPENID) == {}
    with store_of(pg_runtime) as store:
        assert only(store[RepairRepository].list()).openid == ""
