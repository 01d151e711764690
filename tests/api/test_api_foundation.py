"""The staff API's ground rules: the bearer token, the error shapes, one transaction per
request, routes added by flows, the OpenAPI document — and the webhook left as it was."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi import APIRouter
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import SessionTransaction
from starlette.testclient import TestClient

from bot.api.deps import NowDep, StoreDep, not_found
from bot.api.schemas import Amount, ApiModel, Day, Month
from bot.app import create_app
from bot.runtime import Runtime
from tests.api.conftest import AUTH

# --- a flow's router, as a flow elsewhere would declare one -------------------------------

probe = APIRouter(prefix="/probe", tags=["probe"])


class ProbeIn(ApiModel):
    period: Month
    amount: Amount
    due_date: Day


@probe.post("", status_code=201)
def create_probe(body: ProbeIn) -> dict[str, str]:
    return {"period": body.period, "amount": str(body.amount), "due_date": body.due_date.isoformat()}


@probe.get("")
def list_probe(household_id: int) -> list[int]:
    return [household_id]


@probe.get("/{probe_id}")
def get_probe(probe_id: int) -> dict[str, int]:
    not_found("probe", probe_id)


@probe.post("/half-written")
def half_written(store: StoreDep, now: NowDep) -> dict[str, int]:
    store.escalations.open("o_half_written", "request", "written, then the route fails", now)
    raise RuntimeError("the route fails after writing")


@pytest.fixture
def with_probe(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False, routers=[probe])) as http:
        yield http


def api_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) under /api the app documents, ids filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    return [(method.upper(), re.sub(r"\{[^}]+\}", "1", path))
            for path, operations in paths.items() if path.startswith("/api/") for method in operations]


# --- the token ------------------------------------------------------------------------------

def test_every_api_route_refuses_a_request_without_the_token(client: TestClient) -> None:
    routes = api_routes(client)
    assert len(routes) >= 7
    for method, path in routes:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer wrong-token", "Bearer staff-token-for-tests-and-more", "Basic abc",
                                    "staff-token-for-tests", "Bearer "])
def test_a_wrong_token_is_refused(client: TestClient, header: str) -> None:
    response = client.get("/api/households", headers={"Authorization": header})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


def test_the_right_token_is_let_through(client: TestClient) -> None:
    assert client.get("/api/households", headers=AUTH).status_code == 200


def test_without_a_configured_token_every_call_is_refused_and_says_why(
        make_runtime: Callable[..., Runtime]) -> None:
    with TestClient(create_app(make_runtime(), background=False)) as http:
        for method, path in api_routes(http):
            response = http.request(method, path, headers={"Authorization": "Bearer "})
            assert response.status_code == 401, (method, path)
        response = http.get("/api/households", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 401
    assert "STAFF_API_TOKEN is not configured" in response.json()["message"]


def test_a_flows_router_is_served_under_api_behind_the_same_token(with_probe: TestClient) -> None:
    assert with_probe.get("/api/probe?household_id=3").status_code == 401
    assert with_probe.get("/api/probe?household_id=3", headers=AUTH).json() == [3]


# --- error shapes ---------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"period": "2026-13", "amount": "12.50", "due_date": "2026-03-15"}, "period"),
    ({"period": "2026-3", "amount": "12.50", "due_date": "2026-03-15"}, "period"),
    ({"period": "2026-03", "amount": -1, "due_date": "2026-03-15"}, "amount"),
    ({"period": "2026-03", "amount": "1.234", "due_date": "2026-03-15"}, "amount"),
    ({"period": "2026-03", "amount": True, "due_date": "2026-03-15"}, "amount"),
    ({"period": "2026-03", "amount": "12.50", "due_date": "x"}, "due_date"),
    ({"period": "2026-03", "amount": "12.50", "due_date": "2026-02-30"}, "due_date"),
    ({"period": "2026-03", "amount": "12.50", "due_date": 20260315}, "due_date"),
    ({"period": "2026-03", "amount": "12.50"}, "due_date"),
])
def test_validation_errors_are_422_naming_the_field(with_probe: TestClient, body: dict, field: str) -> None:
    response = with_probe.post("/api/probe", json=body, headers=AUTH)
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "validation" and error["field"] == field
    assert error["errors"][0]["field"] == field and error["message"]


def test_valid_month_amount_and_date_are_accepted(with_probe: TestClient) -> None:
    response = with_probe.post("/api/probe", json={"period": "2026-12", "amount": 12.5, "due_date": "2026-03-15"},
                               headers=AUTH)
    assert response.status_code == 201
    assert response.json() == {"period": "2026-12", "amount": "12.5", "due_date": "2026-03-15"}


def test_a_bad_query_parameter_is_422_naming_it(with_probe: TestClient) -> None:
    response = with_probe.get("/api/probe?household_id=x", headers=AUTH)
    assert response.status_code == 422 and response.json()["field"] == "household_id"
    missing = with_probe.get("/api/probe", headers=AUTH)
    assert missing.status_code == 422 and missing.json()["field"] == "household_id"


def test_a_body_that_is_not_json_is_422_on_the_body(api: TestClient) -> None:
    response = api.post("/api/households", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == "body"


def test_unknown_ids_and_unknown_paths_are_404_in_json(with_probe: TestClient) -> None:
    response = with_probe.get("/api/probe/77", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "probe 77 does not exist"}
    unknown = with_probe.get("/api/no-such-thing", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_an_unexpected_failure_is_a_logged_503_and_nothing_stays_half_written(
        with_probe: TestClient, store_of: Callable, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = with_probe.post("/api/probe/half-written", headers=AUTH)
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    with store_of() as store:
        assert [e for e in store.escalations.list() if e.openid == "o_half_written"] == []


def test_a_commit_that_fails_is_never_answered_as_a_success(api: TestClient, store_of: Callable,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    commit = SessionTransaction.commit

    def fail_at_the_end(self: SessionTransaction, _to_root: bool = False) -> None:
        if self._parent is None:  # the request's own transaction, not a flush inside it
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        commit(self, _to_root)

    with monkeypatch.context() as patch:
        patch.setattr(SessionTransaction, "commit", fail_at_the_end)
        response = api.post("/api/households", json={"building": "88", "room": "101",
                                                      "members": [{"name": "柳青", "phone": "13888881010"}]})
    assert response.status_code == 503
    with store_of() as store:
        assert store.households.at_address("88", "101") is None


def test_the_webhook_keeps_its_own_answers(client: TestClient) -> None:
    forbidden = client.get("/wechat")
    assert forbidden.status_code == 403 and not forbidden.headers["content-type"].startswith("application/json")
    outside = client.get("/nowhere")
    assert outside.status_code == 404 and outside.json() == {"detail": "Not Found"}


# --- the OpenAPI document -------------------------------------------------------------------

def test_the_openapi_document_lists_the_endpoints_and_the_bearer_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    expected = {
        "/api/households": {"get", "post"},
        "/api/households/{household_id}": {"get"},
        "/api/households/import": {"post"},
        "/api/escalations": {"get"},
        "/api/escalations/{escalation_id}/reply": {"post"},
        "/api/escalations/{escalation_id}/close": {"post"},
        "/api/outbox": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert "/wechat" not in paths
    schemes = document["components"]["securitySchemes"]
    assert list(schemes.values()) == [{"type": "http", "scheme": "bearer", "description": schemes[
        next(iter(schemes))]["description"]}]
    create = paths["/api/households"]["post"]
    assert create["security"] and "401" in create["responses"]
    assert create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ValidationErrorBody")
    assert client.get("/docs").status_code == 200


def test_timestamps_are_iso_8601_with_an_offset(api: TestClient) -> None:
    [first, *_] = api.get("/api/households").json()
    created = datetime.fromisoformat(first["created_at"])
    assert created.utcoffset() is not None and re.search(r"[+-]\d{2}:\d{2}$", first["created_at"])
