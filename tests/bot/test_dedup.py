"""WeChat retries: a retry never runs an action twice and gets the very same reply;
a reply that misses the budget goes out through the outbox instead."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from store.repairs import RepairRepository
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.wechat_client import WeChatServer, event_xml, new_msg_id, text_xml


def ticket_count(store_of) -> int:
    with store_of() as store:
        return len(store[RepairRepository].list())


def test_retry_of_same_msgid_creates_one_ticket_and_gets_the_identical_reply(wechat: WeChatServer, store_of) -> None:
    openid = "o_retry"
    wechat.say(openid, "绑定 3-502 张三 1234")
    summary = wechat.say(openid, "我家厨房水管漏水了")
    assert "请核对" in summary.content
    confirm_id = new_msg_id()
    first = wechat.say(openid, "1", msg_id=confirm_id)
    retries = [wechat.say(openid, "1", msg_id=confirm_id) for _ in range(3)]
    assert "报修已提交" in first.content
    assert all(retry.body == first.body for retry in retries)  # byte-identical in plaintext mode
    assert ticket_count(store_of) == 1


def test_retry_in_safe_mode_decrypts_to_the_same_reply(wechat: WeChatServer) -> None:
    msg_id = new_msg_id()
    first = wechat.post(text_xml("o_retry_safe", "你好", msg_id), safe=True)
    second = wechat.post(text_xml("o_retry_safe", "你好", msg_id), safe=True)
    assert first.encrypted and second.encrypted
    assert first.plain_xml == second.plain_xml


def test_retried_event_is_handled_once(wechat: WeChatServer, store_of) -> None:
    stamp = int(time.time())
    first = wechat.post(event_xml("o_evt", "subscribe", create_time=stamp))
    second = wechat.post(event_xml("o_evt", "subscribe", create_time=stamp))
    assert first.body == second.body and "欢迎" in first.content
    with store_of() as store:
        incoming = [m for m in store.messages.recent("o_evt", limit=20) if m.direction == "in"]
    assert len(incoming) == 1


def test_retry_of_a_handoff_opens_one_escalation(wechat: WeChatServer, store_of) -> None:
    msg_id = new_msg_id()
    for _ in range(3):
        wechat.say("o_handoff_retry", "我要找工作人员", msg_id=msg_id)
    with store_of() as store:
        assert len(store.escalations.list()) == 1



def test_same_msgid_from_two_residents_gets_each_their_own_answer(wechat: WeChatServer, store_of) -> None:
    """MsgId is no key on its own: another resident's message with the same MsgId is a new message."""
    wechat.say("o_zhang", "绑定 3-502 张三 1234")
    wechat.say("o_li", "绑定 5-1-301 李四 5678")
    assert "请核对" in wechat.say("o_zhang", "我家厨房水管漏水了").content
    assert "请核对" in wechat.say("o_li", "我家卫生间水管漏水了").content
    confirm = new_msg_id()
    assert "报修已提交" in wechat.say("o_zhang", "1", msg_id=confirm).content
    assert "报修已提交" in wechat.say("o_li", "1", msg_id=confirm).content
    with store_of() as store:
        tickets = {t.openid: t.location for t in store[RepairRepository].list()}
    assert tickets == {"o_zhang": "3-502", "o_li": "5-1-301"}  # each resident's action ran

    status = new_msg_id()
    zhang = wechat.say("o_zhang", "我的报修", msg_id=status)
    li = wechat.say("o_li", "我的报修", msg_id=status)
    assert "3-502" in zhang.content and "5-1-301" not in zhang.content
    assert "5-1-301" in li.content and "3-502" not in li.content  # never the other household's list
    assert wechat.say("o_li", "我的报修", msg_id=status).body == li.body  # li's own retry: li's own reply


def test_same_event_time_from_two_residents_is_two_events(wechat: WeChatServer, store_of) -> None:
    stamp = int(time.time())
    for openid in ("o_evt_a", "o_evt_b"):
        assert "欢迎" in wechat.post(event_xml(openid, "subscribe", create_time=stamp)).content
    with store_of() as store:
        for openid in ("o_evt_a", "o_evt_b"):
            assert len([m for m in store.messages.recent(openid, limit=5) if m.direction == "in"]) == 1


def slow_dialogue(runtime: Runtime, seconds: float) -> list[str]:
    """Make every turn take ``seconds``; returns the list of messages actually run."""
    ran: list[str] = []
    respond = runtime.assistant.dialogue.respond

    def slow(turn, ctx, state):
        ran.append(turn.msg_key)
        time.sleep(seconds)
        return respond(turn, ctx, state)

    runtime.assistant.dialogue.respond = slow  # type: ignore[method-assign]
    return ran


def test_slow_reply_answers_success_in_budget_and_goes_through_the_outbox(
        make_runtime: Callable[..., Runtime], config_with: Callable[..., Path], store_of) -> None:
    # Turns in threads (SQLite's writer thread, PostgreSQL's workers): a turn that runs long is
    # held to the budget. (On the event loop a turn cannot be cut off; see
    # tests/bot/test_turns_on_event_loop.py for what holds there.)
    runtime = make_runtime(config_with(server={"reply_budget_seconds": 0.3, "turns_on_event_loop": False}))
    ran = slow_dialogue(runtime, 1.0)
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        msg_id = new_msg_id()
        started = time.monotonic()
        first = server.say("o_slow", "你好", msg_id=msg_id)
        elapsed = time.monotonic() - started
        assert first.status == 200 and first.body == "success" and elapsed < 0.9
        time.sleep(1.2)  # the turn finishes in the background
        retry = server.say("o_slow", "你好", msg_id=msg_id)
        assert retry.body == "success"
    assert len(ran) == 1
    from store import Store
    from store.db import transaction

    with transaction(runtime.factory) as session:
        queued = Store(session).outbox.for_openid("o_slow")
    assert len(queued) == 1 and queued[0].purpose == "reply" and "邻里助手" in queued[0].payload["content"]


def test_retry_while_the_first_delivery_is_still_working_gets_its_reply(runtime: Runtime) -> None:
    ran = slow_dialogue(runtime, 0.6)
    results: list = []
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        msg_id = new_msg_id()

        def send() -> None:
            results.append(server.say("o_parallel", "你好", msg_id=msg_id))

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join()
    assert len(ran) == 1
    assert len({r.body for r in results}) == 1 and "邻里助手" in results[0].content


def test_an_action_that_fails_gets_an_apology_and_retries_get_the_same(runtime: Runtime, caplog) -> None:
    def broken(turn, ctx, state):
        raise RuntimeError("boom")

    runtime.assistant.dialogue.respond = broken  # type: ignore[method-assign]
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        msg_id = new_msg_id()
        first = server.say("o_broken", "你好", msg_id=msg_id, safe=True)
        second = server.say("o_broken", "你好", msg_id=msg_id, safe=True)
    assert first.status == 200 and "抱歉" in first.content
    assert second.plain_xml == first.plain_xml
    assert any("failed" in record.getMessage() for record in caplog.records)


def test_a_database_busy_past_the_budget_still_gets_an_answer_in_time(
        make_runtime: Callable[..., Runtime], config_with: Callable[..., Path]) -> None:
    """Another unit of work holds the resident's conversation (SQLite: the database) locked:
    WeChat gets "success" in budget, the reply follows through the outbox."""
    from store import Store
    from store.clock import utcnow
    from store.db import transaction

    runtime = make_runtime(config_with(server={"reply_budget_seconds": 0.3}))
    holding = threading.Event()

    def hold_the_lock() -> None:
        with transaction(runtime.factory) as session:
            Store(session).conversations.load_for_update("o_locked", utcnow())
            holding.set()
            time.sleep(1.5)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    holding.wait()
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        started = time.monotonic()
        delivery = server.say("o_locked", "你好")
        elapsed = time.monotonic() - started
    holder.join()
    time.sleep(0.5)
    assert delivery.body == "success" and elapsed < 1.0
    with transaction(runtime.factory) as session:
        [queued] = Store(session).outbox.for_openid("o_locked")
    assert "邻里助手" in queued.payload["content"]
