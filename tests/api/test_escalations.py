"""`/api/escalations` and `/api/outbox`: staff answer a resident through the outbox, once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from bot.app import _outbox_worker, create_app
from bot.runtime import Runtime
from store.clock import utcnow
from tests.api.conftest import AUTH, STAFF_TOKEN
from tests.fake_wechat_api import FakeWeChatApi
from tests.talk import Resident


def open_escalation(store_of: Callable, openid: str = "o_api_esc", text: str = "楼道灯坏了一周了") -> int:
    with store_of() as store:
        return store.escalations.open(openid, "request", text, utcnow()).id


def staff_replies(store_of: Callable, openid: str) -> list:
    with store_of() as store:
        return [row for row in store.outbox.for_openid(openid) if row.purpose == "staff_reply"]


def test_escalations_are_listed_with_the_fixed_fields(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    listed = api.get("/api/escalations")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [item] = [e for e in listed.json() if e["id"] == escalation_id]
    assert set(item) == {"id", "openid", "reason", "text", "status", "created_at"}
    assert (item["openid"], item["reason"], item["text"], item["status"]) == (
        "o_api_esc", "request", "楼道灯坏了一周了", "open")
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None


def test_escalations_can_be_filtered_by_status(api: TestClient, store_of: Callable) -> None:
    first = open_escalation(store_of, "o_esc_a")
    second = open_escalation(store_of, "o_esc_b")
    api.post(f"/api/escalations/{second}/close")
    assert [e["id"] for e in api.get("/api/escalations?status=open").json()] == [first]
    assert [e["id"] for e in api.get("/api/escalations?status=closed").json()] == [second]
    assert len(api.get("/api/escalations?status=").json()) == 2
    wrong = api.get("/api/escalations?status=done")
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"


def test_a_reply_is_queued_for_the_resident_and_marks_the_case_replied(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    response = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "明天上午电工来换灯。"})
    assert response.status_code == 200
    assert response.json()["status"] == "replied" and response.json()["id"] == escalation_id
    [queued] = staff_replies(store_of, "o_api_esc")
    assert queued.payload["content"].endswith("明天上午电工来换灯。") and queued.status == "pending"
    assert f"编号 {escalation_id}" in queued.payload["content"]
    assert response.json()["outbox_id"] == queued.id
    [listed] = api.get("/api/escalations?status=replied").json()
    assert listed["id"] == escalation_id


def test_a_repeated_post_with_the_same_idempotency_key_queues_the_reply_once(api: TestClient,
                                                                            store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    headers = {"Idempotency-Key": "reply-7f3a"}
    first = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "收到，马上处理"}, headers=headers)
    second = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "收到，马上处理"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(staff_replies(store_of, "o_api_esc")) == 1
    outbox = api.get("/api/outbox").json()
    assert [row["id"] for row in outbox if row["purpose"] == "staff_reply"] == [first.json()["outbox_id"]]


def test_a_reused_idempotency_key_with_other_words_is_refused(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    headers = {"Idempotency-Key": "reply-1"}
    api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "第一句"}, headers=headers)
    clash = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "第二句"}, headers=headers)
    assert clash.status_code == 409 and clash.json()["field"] == "idempotency_key"
    assert [row.payload["content"].split("】")[-1] for row in staff_replies(store_of, "o_api_esc")] == ["第一句"]


def test_without_an_idempotency_key_each_post_is_a_new_answer(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    for _ in range(2):
        assert api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "好的"}).status_code == 200
    assert len(staff_replies(store_of, "o_api_esc")) == 2


@pytest.mark.parametrize(("body", "field"), [
    ({"text": ""}, "text"), ({"text": "   "}, "text"), ({}, "text"), ({"text": "字" * 1001}, "text")])
def test_an_empty_or_overlong_reply_is_422_naming_text(api: TestClient, store_of: Callable, body: dict,
                                                       field: str) -> None:
    escalation_id = open_escalation(store_of)
    response = api.post(f"/api/escalations/{escalation_id}/reply", json=body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert staff_replies(store_of, "o_api_esc") == []


def test_an_unusable_idempotency_key_is_422_naming_it(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    response = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "好"},
                        headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 422 and response.json()["field"] == "idempotency_key"


def test_closing_is_idempotent_and_a_closed_case_takes_no_reply(api: TestClient, store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    first = api.post(f"/api/escalations/{escalation_id}/close")
    second = api.post(f"/api/escalations/{escalation_id}/close")
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "closed"
    late = api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "还在吗"})
    assert late.status_code == 409 and late.json()["field"] == "status"
    assert staff_replies(store_of, "o_api_esc") == []


def test_unknown_escalations_are_404(api: TestClient) -> None:
    assert api.post("/api/escalations/999999/reply", json={"text": "好"}).status_code == 404
    response = api.post("/api/escalations/999999/close")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_the_outbox_is_listed_with_the_fixed_fields_and_filtered_by_status(api: TestClient,
                                                                          store_of: Callable) -> None:
    escalation_id = open_escalation(store_of)
    api.post(f"/api/escalations/{escalation_id}/reply", json={"text": "好"})
    rows = api.get("/api/outbox?status=pending").json()
    assert isinstance(rows, list) and rows
    assert set(rows[-1]) == {"id", "openid", "purpose", "status", "attempts", "last_error", "created_at", "sent_at"}
    assert (rows[-1]["openid"], rows[-1]["purpose"], rows[-1]["attempts"], rows[-1]["sent_at"]) == (
        "o_api_esc", "staff_reply", 0, None)
    assert api.get("/api/outbox?status=sent").json() == []
    wrong = api.get("/api/outbox?status=lost")
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"


# --- the whole loop: a resident asks for a person, staff answer through the API -------------

@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


def test_a_residents_request_is_answered_by_staff_and_delivered_once(make_runtime: Callable[..., Runtime],
                                                                     fake_api: FakeWeChatApi) -> None:
    runtime = make_runtime(STAFF_API_TOKEN=STAFF_TOKEN, WECHAT_SECRET="s3cret",
                           WECHAT_API_BASE_URL=fake_api.base_url)
    Resident(runtime, "o_loop").say("人工")
    worker = _outbox_worker(runtime)
    assert worker is not None
    with TestClient(create_app(runtime, background=False), headers=AUTH) as http:
        [case] = [e for e in http.get("/api/escalations?status=open").json() if e["openid"] == "o_loop"]
        for _ in range(3):
            http.post(f"/api/escalations/{case['id']}/reply", json={"text": "您好，我是居委会小王。"},
                      headers={"Idempotency-Key": "loop-1"})
        while worker.run_once():
            pass
        [row] = [r for r in http.get("/api/outbox?status=sent").json() if r["purpose"] == "staff_reply"]
    answers = [m for m in fake_api.sent if m["touser"] == "o_loop" and "小王" in m["text"]["content"]]
    assert len(answers) == 1 and row["openid"] == "o_loop" and row["sent_at"]
