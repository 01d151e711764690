"""`/api/bills`: add, list, read and mark paid — the shapes of SPEC §6, 422 naming the field,
404 for unknown ids, 409 for a bill that exists, 401 without the token."""
from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from store.bills import BillRepository
from tests.bills_data import bill, household

FIELDS = {"id", "household_id", "period", "bill_type", "amount", "amount_fen", "due_date", "paid", "paid_at",
          "paid_via", "created_at"}


def new_bill(household_id: int, **changes: Any) -> dict[str, Any]:
    body = {"household_id": household_id, "period": "2026-03", "bill_type": "物业费", "amount": 350.5,
            "due_date": "2026-04-20", "paid": False}
    body.update(changes)
    return body


@pytest.fixture
def flat(store_of) -> int:
    return household(store_of, "81", "101")


def test_a_bill_is_created_and_listed_for_its_household(api: TestClient, flat: int, store_of) -> None:
    other = household(store_of, "81", "102", name="李小红", phone="13900005678")
    response = api.post("/api/bills", json=new_bill(flat))
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id"}
    api.post("/api/bills", json=new_bill(other, bill_type="水费"))
    listed = api.get("/api/bills", params={"household_id": flat})
    assert listed.status_code == 200
    [item] = listed.json()
    assert set(item) == FIELDS
    assert item["id"] == created["id"] and item["household_id"] == flat
    assert (item["period"], item["bill_type"], item["amount"], item["amount_fen"], item["due_date"], item["paid"]) == (
        "2026-03", "物业费", 350.5, 35050, "2026-04-20", False)
    assert item["paid_at"] is None and item["paid_via"] is None
    assert len(api.get("/api/bills").json()) >= 2
    assert api.get(f"/api/bills/{created['id']}").json() == item


def test_money_is_kept_in_whole_fen_without_float_error(api: TestClient, flat: int, store_of) -> None:
    created = api.post("/api/bills", json=new_bill(flat, amount="0.29")).json()
    with store_of() as store:
        assert store[BillRepository].get(created["id"]).amount_fen == 29


def test_a_bill_created_paid_is_paid_at_the_office(api: TestClient, flat: int) -> None:
    created = api.post("/api/bills", json=new_bill(flat, paid=True)).json()
    item = api.get(f"/api/bills/{created['id']}").json()
    assert item["paid"] is True and item["paid_via"] == "office" and item["paid_at"]


@pytest.mark.parametrize(("field", "value"), [
    ("period", "2026-13"), ("period", "2026-3"), ("period", "x"),
    ("amount", -5), ("amount", 0), ("amount", "12.345"), ("amount", "abc"), ("amount", True),
    ("due_date", "x"), ("due_date", "2026-02-30"),
    ("bill_type", "暖气费"), ("bill_type", ""),
])
def test_a_wrong_value_is_422_naming_the_field(api: TestClient, flat: int, field: str, value: Any) -> None:
    response = api.post("/api/bills", json=new_bill(flat, **{field: value}))
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.parametrize("missing", ["household_id", "period", "bill_type", "amount", "due_date"])
def test_a_missing_field_is_422_naming_it(api: TestClient, flat: int, missing: str) -> None:
    body = new_bill(flat)
    del body[missing]
    response = api.post("/api/bills", json=body)
    assert response.status_code == 422 and response.json()["field"] == missing


def test_english_type_codes_are_stored_as_the_chinese_name(api: TestClient, flat: int) -> None:
    created = api.post("/api/bills", json=new_bill(flat, bill_type="parking")).json()
    assert api.get(f"/api/bills/{created['id']}").json()["bill_type"] == "停车费"


def test_an_unknown_household_is_404(api: TestClient) -> None:
    assert api.post("/api/bills", json=new_bill(999_999)).status_code == 404
    assert api.get("/api/bills", params={"household_id": 999_999}).status_code == 404


def test_a_household_without_bills_lists_an_empty_array(api: TestClient, flat: int) -> None:
    assert api.get("/api/bills", params={"household_id": flat}).json() == []


def test_the_same_bill_twice_is_409_and_stays_one(api: TestClient, flat: int) -> None:
    assert api.post("/api/bills", json=new_bill(flat)).status_code == 201
    again = api.post("/api/bills", json=new_bill(flat, amount=400))
    assert again.status_code == 409 and again.json()["field"] == "period"
    [only] = api.get("/api/bills", params={"household_id": flat}).json()
    assert only["amount"] == 350.5
    assert api.post("/api/bills", json=new_bill(flat, period="2026-04")).status_code == 201


def test_filters_by_month_and_by_paid(api: TestClient, flat: int) -> None:
    api.post("/api/bills", json=new_bill(flat, period="2026-03", paid=True))
    api.post("/api/bills", json=new_bill(flat, period="2026-04"))
    march = api.get("/api/bills", params={"household_id": flat, "period": "2026-03"}).json()
    unpaid = api.get("/api/bills", params={"household_id": flat, "paid": "false"}).json()
    assert [b["period"] for b in march] == ["2026-03"] and [b["period"] for b in unpaid] == ["2026-04"]
    assert api.get("/api/bills", params={"period": "2026-13"}).status_code == 422


def test_a_payment_at_the_office_is_recorded_and_can_be_undone(api: TestClient, flat: int, store_of) -> None:
    bill_id = bill(store_of, flat, "2026-05", "水费", 4200)
    paid = api.patch(f"/api/bills/{bill_id}", json={"paid": True})
    assert paid.status_code == 200
    assert paid.json()["paid"] is True and paid.json()["paid_via"] == "office"
    again = api.patch(f"/api/bills/{bill_id}", json={"paid": True}).json()
    assert again["paid_at"] == paid.json()["paid_at"]  # paying twice records one payment
    undone = api.patch(f"/api/bills/{bill_id}", json={"paid": False}).json()
    assert undone["paid"] is False and undone["paid_at"] is None


def test_a_wechat_payment_is_not_undone_by_staff(api: TestClient, flat: int, store_of) -> None:
    bill_id = bill(store_of, flat, "2026-05", "电费", 9900)
    with store_of() as store:
        repo = store[BillRepository]
        repo.mark_paid(repo.get(bill_id), repo.get(bill_id).created_at, "wechat")
    response = api.patch(f"/api/bills/{bill_id}", json={"paid": False})
    assert response.status_code == 409
    assert api.get(f"/api/bills/{bill_id}").json()["paid"] is True


def test_patching_an_unknown_bill_is_404_and_a_wrong_body_422(api: TestClient, flat: int, store_of) -> None:
    assert api.patch("/api/bills/999999", json={"paid": True}).status_code == 404
    assert api.get("/api/bills/999999").status_code == 404
    bill_id = bill(store_of, flat, "2026-05", "水费", 100)
    response = api.patch(f"/api/bills/{bill_id}", json={"paid": "maybe"})
    assert response.status_code == 422 and response.json()["field"] == "paid"


def test_without_the_token_it_is_401(client: TestClient, flat: int) -> None:
    assert client.get("/api/bills").status_code == 401
    assert client.post("/api/bills", json=new_bill(flat)).status_code == 401
    assert client.patch("/api/bills/1", json={"paid": True}).status_code == 401
    assert client.post("/api/bills/import", files={"file": ("b.csv", b"x")}).status_code == 401


def test_the_openapi_document_describes_the_bills_routes(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/bills", "/api/bills/{bill_id}", "/api/bills/import"} <= set(paths)
