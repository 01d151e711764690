"""`/api/points`: staff add or correct a household's love-bank points; the ledger and its balance."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient


def household_id(api: TestClient, address: str = "3-502") -> int:
    return next(h["id"] for h in api.get("/api/households").json() if h["address"] == address)


def test_an_entry_is_added_and_read_back_with_the_balance(api: TestClient) -> None:
    home = household_id(api)
    added = api.post("/api/points", json={"household_id": home, "delta": 50, "reason": "捐赠旧衣物"})
    assert added.status_code == 201
    body = added.json()
    assert (body["household_id"], body["delta"], body["reason"], body["balance"]) == (home, 50, "捐赠旧衣物", 50)
    api.post("/api/points", json={"household_id": home, "delta": -20, "reason": "爱心换购：毛巾", "kind": "redemption"})
    ledger = api.get("/api/points", params={"household_id": home})
    assert ledger.status_code == 200
    assert set(ledger.json()) == {"balance", "entries"} and ledger.json()["balance"] == 30
    entries = ledger.json()["entries"]
    assert [(e["delta"], e["reason"]) for e in entries] == [(50, "捐赠旧衣物"), (-20, "爱心换购：毛巾")]
    assert all(set(e) == {"delta", "reason", "created_at"} for e in entries)
    assert entries[0]["created_at"].endswith("+00:00")


def test_a_household_without_points_has_an_empty_ledger(api: TestClient) -> None:
    assert api.get("/api/points", params={"household_id": household_id(api)}).json() == {"balance": 0, "entries": []}


def test_a_debit_beyond_the_balance_is_refused_and_nothing_is_written(api: TestClient) -> None:
    home = household_id(api)
    api.post("/api/points", json={"household_id": home, "delta": 30, "reason": "志愿服务"})
    refused = api.post("/api/points", json={"household_id": home, "delta": -31, "reason": "换购大米"})
    assert refused.status_code == 409
    assert refused.json()["field"] == "delta" and refused.json()["balance"] == 30
    assert api.get("/api/points", params={"household_id": home}).json()["balance"] == 30


def test_the_same_idempotency_key_adds_the_points_once(api: TestClient) -> None:
    home = household_id(api)
    body = {"household_id": home, "delta": 20, "reason": "志愿服务：楼道清扫", "kind": "volunteer"}
    first = api.post("/api/points", json=body, headers={"Idempotency-Key": "rota-2026-11-30"})
    again = api.post("/api/points", json=body, headers={"Idempotency-Key": "rota-2026-11-30"})
    assert first.json() == again.json()
    assert len(api.get("/api/points", params={"household_id": home}).json()["entries"]) == 1
    other = api.post("/api/points", json={**body, "delta": 99}, headers={"Idempotency-Key": "rota-2026-11-30"})
    assert other.status_code == 409 and other.json()["field"] == "idempotency_key"


@pytest.mark.parametrize(("change", "field"), [
    ({"delta": 0}, "delta"), ({"delta": 1.5}, "delta"), ({"delta": True}, "delta"), ({"delta": "很多"}, "delta"),
    ({"delta": None}, "delta"), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason"), ({"kind": "gift"}, "kind"),
    ({"household_id": "三号楼"}, "household_id"), ({"delta": 100_001}, "delta"),
])
def test_a_wrong_field_is_422_naming_it(api: TestClient, change: dict, field: str) -> None:
    body = {"household_id": household_id(api), "delta": 10, "reason": "志愿服务", **change}
    refused = api.post("/api/points", json=body)
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_missing_fields_and_unknown_households(api: TestClient) -> None:
    assert api.post("/api/points", json={"household_id": household_id(api), "reason": "x"}).json()["field"] == "delta"
    assert api.post("/api/points", json={"household_id": 99999, "delta": 5, "reason": "x"}).status_code == 404
    assert api.get("/api/points").json()["field"] == "household_id"
    assert api.get("/api/points", params={"household_id": 99999}).status_code == 404


def test_no_token_no_points(client: TestClient) -> None:
    assert client.get("/api/points", params={"household_id": 1}).status_code == 401
    assert client.post("/api/points", json={"household_id": 1, "delta": 5, "reason": "x"}).status_code == 401
