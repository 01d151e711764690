"""The escalation inbox: a resident's 人工 through POST /wechat shows up with the conversation;
the console's answer goes through the outbox once, closing is recorded and audited."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from store.clock import utcnow
from store.console import AuditRepository
from tests.console.conftest import log_in
from tests.wechat_client import WeChatServer


def staff_replies(store_of: Callable, openid: str) -> list:
    """Staff answers queued for the resident (not the notice that the case was closed)."""
    with store_of() as store:
        return [row for row in store.outbox.for_openid(openid)
                if row.purpose == "staff_reply" and not (row.dedup_key or "").startswith("case-closed:")]


def ask_for_a_person(wechat: WeChatServer, store_of: Callable, openid: str = "o_console_res") -> int:
    wechat.say(openid, "楼道的灯坏了一个星期了")
    wechat.say(openid, "人工")
    with store_of() as store:
        case = store.escalations.open_for(openid)
        assert case is not None
        return case.id


def test_a_case_shows_the_conversation_and_the_answer_is_queued_once_and_audited(
        console: TestClient, wechat: WeChatServer, member: Callable, store_of: Callable) -> None:
    case_id = ask_for_a_person(wechat, store_of)
    member("li", "staff")
    csrf = log_in(console, "li")
    listed = console.get("/console/inbox")
    assert f'href="/console/inbox/{case_id}"' in listed.text
    page = console.get(f"/console/inbox/{case_id}")
    assert page.status_code == 200 and "楼道的灯坏了一个星期了" in page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)
    form = {"text": "明天上午电工来换灯。", "idempotency_key": key, "csrf_token": csrf}
    first = console.post(f"/console/inbox/{case_id}/reply", data=form)
    again = console.post(f"/console/inbox/{case_id}/reply", data=form)  # the form sent twice
    assert first.status_code == again.status_code == 303
    [queued] = staff_replies(store_of, "o_console_res")
    assert queued.payload["content"].endswith("明天上午电工来换灯。")
    with store_of() as store:
        assert store.escalations.get(case_id).status == "replied"
        [entry] = store[AuditRepository].recent(action="case_reply")
    assert (entry.actor, entry.object_type, entry.object_id) == ("li", "escalation", str(case_id))
    shown = console.get(f"/console/inbox/{case_id}")
    assert "明天上午电工来换灯。" in shown.text


def test_closing_a_case_closes_it_in_the_store_and_tells_the_resident_once(
        console: TestClient, wechat: WeChatServer, member: Callable, store_of: Callable) -> None:
    case_id = ask_for_a_person(wechat, store_of)
    member("li", "staff")
    csrf = log_in(console, "li")
    for _ in range(2):
        assert console.post(f"/console/inbox/{case_id}/close", data={"csrf_token": csrf}).status_code == 303
    with store_of() as store:
        assert store.escalations.get(case_id).status == "closed"
        assert len(store[AuditRepository].recent(action="case_close")) == 1
        told = [row for row in store.outbox.for_openid("o_console_res") if row.dedup_key == f"case-closed:{case_id}"]
    assert len(told) == 1
    late = console.post(f"/console/inbox/{case_id}/reply", data={"text": "还在吗", "csrf_token": csrf})
    assert late.status_code == 303 and "error=closed" in late.headers["location"]
    assert staff_replies(store_of, "o_console_res") == []


def test_an_answer_held_outside_the_window_is_shown_as_waiting(
        console: TestClient, wechat: WeChatServer, member: Callable, store_of: Callable) -> None:
    case_id = ask_for_a_person(wechat, store_of)
    member("li", "staff")
    csrf = log_in(console, "li")
    console.post(f"/console/inbox/{case_id}/reply", data={"text": "您好", "csrf_token": csrf})
    with store_of() as store:
        [row] = [r for r in store.outbox.for_openid("o_console_res") if r.purpose == "staff_reply"]
        store.outbox.mark_held(row, "outside the 48-hour window")
    assert 'id="held"' in console.get(f"/console/inbox/{case_id}").text
    assert "回复等住户下次发消息" in console.get("/console/inbox").text


def test_a_dead_letter_is_listed_and_retried(console: TestClient, member: Callable, store_of: Callable) -> None:
    now = utcnow()
    with store_of() as store:
        store.outbox.enqueue("o_dead", "staff_reply", {"content": "x"}, now, dedup_key="dead-1")
        row = store.outbox.by_dedup_key("dead-1")
        store.outbox.mark_retry(row, "errcode 45015", now + timedelta(minutes=1), max_attempts=1)
        row_id = row.id
    member("li", "staff")
    csrf = log_in(console, "li")
    assert f'action="/console/outbox/{row_id}/retry"' in console.get("/console/inbox").text
    assert console.post(f"/console/outbox/{row_id}/retry", data={"csrf_token": csrf}).status_code == 303
    with store_of() as store:
        row = store.outbox.get(row_id)
        assert (row.status, row.attempts) == ("pending", 0)
        assert len(store[AuditRepository].recent(action="outbox_retry")) == 1


def test_property_staff_see_property_cases_only(console: TestClient, wechat: WeChatServer, member: Callable,
                                                store_of: Callable) -> None:
    case_id = ask_for_a_person(wechat, store_of)
    with store_of() as store:
        urgent = store.escalations.open("o_gas", "urgent_repair", "厨房有煤气味", utcnow()).id
    member("zhao", "property")
    log_in(console, "zhao")
    listed = console.get("/console/inbox").text
    assert f"/console/inbox/{urgent}" in listed and f"/console/inbox/{case_id}\"" not in listed
    assert console.get(f"/console/inbox/{case_id}").status_code == 403
    assert console.get(f"/console/inbox/{urgent}").status_code == 200


def test_the_console_and_wechat_name_case_reasons_alike() -> None:
    """The console's words for case reasons and responses.yml's (used on WeChat) are the same."""
    from bot.console.web import templates
    from bot.dialogue.responses import Responses
    from bot.settings import ROOT

    console = templates.env.get_template("_words.html").module.case_reasons  # type: ignore[attr-defined]
    wechat = Responses.load(ROOT / "responses.yml").raw("handoff.reasons")
    assert console == wechat
