"""`/api/party-fees`: staff record a member's fee per month (422 naming the field, 404 for an
unknown household, 409 for a month recorded twice), list them, and record office payments."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient


def household_id(api: TestClient, address: str = "5-1-301") -> int:
    return next(h["id"] for h in api.get("/api/households").json() if h["address"] == address)


def body(api: TestClient, **change: object) -> dict:
    return {"household_id": household_id(api), "member_name": "李四", "period": "2026-10", "amount": 30,
            "paid": False, **change}


def test_a_fee_is_recorded_and_listed(api: TestClient) -> None:
    created = api.post("/api/party-fees", json=body(api, amount="12.50"))
    assert created.status_code == 201 and set(created.json()) == {"id"}
    api.post("/api/party-fees", json=body(api, period="2026-11", paid=True))
    listed = api.get("/api/party-fees", params={"household_id": household_id(api)})
    assert listed.status_code == 200
    rows = listed.json()
    assert [(r["member_name"], r["period"], r["amount"], r["paid"], r["paid_via"]) for r in rows] == [
        ("李四", "2026-10", 12.5, False, None), ("李四", "2026-11", 30.0, True, "office")]
    assert {"household_id", "member_name", "period", "amount", "paid"} <= set(rows[0])
    assert api.get("/api/party-fees", params={"household_id": household_id(api, "3-502")}).json() == []
    assert len(api.get("/api/party-fees").json()) == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"household_id": "五号楼"}, "household_id"), ({"household_id": 1.5}, "household_id"),
    ({"member_name": ""}, "member_name"), ({"member_name": "李4"}, "member_name"),
    ({"member_name": "王不在"}, "member_name"), ({"period": "2026-13"}, "period"), ({"period": "十月"}, "period"),
    ({"amount": 0}, "amount"), ({"amount": -3}, "amount"), ({"amount": 1.234}, "amount"), ({"amount": None}, "amount"),
    ({"paid": "也许"}, "paid"),
])
def test_a_wrong_field_is_422_naming_it(api: TestClient, change: dict, field: str) -> None:
    refused = api.post("/api/party-fees", json=body(api, **change))
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_unknown_households_and_months_recorded_twice(api: TestClient) -> None:
    assert api.post("/api/party-fees", json=body(api, household_id=99999)).status_code == 404
    assert api.get("/api/party-fees", params={"household_id": 99999}).status_code == 404
    assert api.post("/api/party-fees", json=body(api)).status_code == 201
    again = api.post("/api/party-fees", json=body(api))
    assert again.status_code == 409 and again.json()["field"] == "period"


def test_an_office_payment_is_recorded_and_can_be_undone(api: TestClient) -> None:
    fee = api.post("/api/party-fees", json=body(api)).json()["id"]
    paid = api.patch(f"/api/party-fees/{fee}", json={"paid": True})
    assert paid.status_code == 200 and (paid.json()["paid"], paid.json()["paid_via"]) == (True, "office")
    undone = api.patch(f"/api/party-fees/{fee}", json={"paid": False})
    assert (undone.json()["paid"], undone.json()["paid_at"]) == (False, None)
    assert api.patch("/api/party-fees/9999", json={"paid": True}).status_code == 404


def test_no_token_no_party_fees(client: TestClient) -> None:
    assert client.get("/api/party-fees").status_code == 401
    assert client.post("/api/party-fees", json={}).status_code == 401
