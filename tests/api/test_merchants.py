"""`/api/merchants`: the directory staff keep — the fixed shapes, refusals naming the field, and
retries that never list a merchant twice."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from store.merchants import MerchantRepository

LOCKSMITH = {"name": "老周开锁", "category": "开锁", "phone": "139-1700-0001", "address": "长寿路 388 号",
             "hours": "24 小时", "tags": ["修锁", "换锁芯", "修锁"]}


def test_a_merchant_is_added_and_listed_with_the_fixed_fields(api: TestClient) -> None:
    created = api.post("/api/merchants", json=LOCKSMITH)
    assert created.status_code == 201 and set(created.json()) == {"id"}
    listed = api.get("/api/merchants")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [item] = [m for m in listed.json() if m["id"] == created.json()["id"]]
    assert set(item) == {"id", "name", "category", "phone", "address", "hours", "tags", "active", "created_at"}
    assert (item["name"], item["category"], item["phone"], item["tags"], item["active"]) == (
        "老周开锁", "开锁", "13917000001", ["修锁", "换锁芯"], True)
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None


def test_only_name_category_and_phone_are_required(api: TestClient) -> None:
    created = api.post("/api/merchants", json={"name": "清泉桶装水", "category": "送水", "phone": "021-62018801"})
    assert created.status_code == 201
    [item] = api.get("/api/merchants").json()
    assert (item["phone"], item["address"], item["hours"], item["tags"]) == ("02162018801", None, None, [])


@pytest.mark.parametrize(("body", "field"), [
    ({"category": "开锁", "phone": "13917000001"}, "name"),
    ({"name": "  ", "category": "开锁", "phone": "13917000001"}, "name"),
    ({"name": "老周开锁", "phone": "13917000001"}, "category"),
    ({"name": "老周开锁", "category": "开锁"}, "phone"),
    ({"name": "老周开锁", "category": "开锁", "phone": "1234"}, "phone"),
    ({"name": "老周开锁", "category": "开锁", "phone": "139-abc"}, "phone"),
    ({"name": "老周开锁", "category": "开锁", "phone": 13917000001.5}, "phone"),
    ({"name": "老周开锁", "category": "开锁", "phone": "13917000001", "tags": "修锁"}, "tags"),
    ({"name": "老周开锁", "category": "开锁", "phone": "13917000001", "tags": [1, 2]}, "tags.0"),
    ({"name": "老周开锁", "category": "开锁", "phone": "13917000001", "tags": ["修锁", ""]}, "tags.1"),
    ({"name": "老周开锁" * 20, "category": "开锁", "phone": "13917000001"}, "name"),
    ({"name": "老周开锁", "category": "开锁", "phone": "13917000001", "address": ["长寿路"]}, "address"),
])
def test_a_wrong_field_is_422_naming_it(api: TestClient, body: dict, field: str) -> None:
    response = api.post("/api/merchants", json=body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert api.get("/api/merchants").json() == []


@pytest.mark.parametrize("phone", ["13917000001", "021-62018801", "62018801", "400-820-0321", "96777",
                                   "+86 139 1700 0001"])
def test_business_numbers_of_every_kind_are_accepted(api: TestClient, phone: str) -> None:
    assert api.post("/api/merchants", json={"name": "某店", "category": "其他", "phone": phone}).status_code == 201


def test_a_retried_post_lists_the_merchant_once(api: TestClient) -> None:
    first = api.post("/api/merchants", json=LOCKSMITH)
    again = api.post("/api/merchants", json=LOCKSMITH)
    assert again.status_code == 201 and again.json() == first.json()
    assert len(api.get("/api/merchants").json()) == 1


def test_concurrent_retries_list_the_merchant_once(api: TestClient) -> None:
    start = threading.Barrier(6)
    answers: list = []

    def post() -> None:
        start.wait()
        answers.append(api.post("/api/merchants", json=LOCKSMITH))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [a.status_code for a in answers] == [201] * 6 and len({a.json()["id"] for a in answers}) == 1
    assert len(api.get("/api/merchants").json()) == 1


def test_the_same_name_and_phone_with_other_details_is_refused(api: TestClient) -> None:
    api.post("/api/merchants", json=LOCKSMITH)
    clash = api.post("/api/merchants", json={**LOCKSMITH, "category": "修鞋"})
    assert clash.status_code == 409 and clash.json()["field"] == "name"
    assert len(api.get("/api/merchants").json()) == 1


def test_staff_correct_an_entry_and_switch_it_off(api: TestClient, store_of: Callable) -> None:
    merchant_id = api.post("/api/merchants", json=LOCKSMITH).json()["id"]
    changed = api.patch(f"/api/merchants/{merchant_id}", json={"hours": "8:00–22:00", "active": False})
    assert changed.status_code == 200 and (changed.json()["hours"], changed.json()["active"]) == ("8:00–22:00", False)
    assert changed.json()["name"] == "老周开锁"
    with store_of() as store:
        assert store[MerchantRepository].list(active_only=True) == []
    assert api.get(f"/api/merchants/{merchant_id}").json()["active"] is False
    wrong = api.patch(f"/api/merchants/{merchant_id}", json={"phone": "1"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "phone"


def test_unknown_ids_are_404_and_no_token_is_401(api: TestClient, client: TestClient) -> None:
    assert api.get("/api/merchants/999").status_code == 404
    assert api.patch("/api/merchants/999", json={"active": False}).status_code == 404
    client.headers.pop("Authorization")
    assert client.get("/api/merchants").status_code == 401
    assert client.post("/api/merchants", json=LOCKSMITH).status_code == 401


def test_a_twin_added_between_the_check_and_the_insert_is_found_not_doubled(
        store_of: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    from store.clock import utcnow
    from store.merchants import NewMerchant

    entry = NewMerchant("老周开锁", "开锁", "13917000001")
    with store_of() as store:
        first, _ = store[MerchantRepository].add(entry, utcnow())
    looked = MerchantRepository.named
    calls: list[int] = []

    def late(self: MerchantRepository, name: str, phone: str):  # the other request's row is not seen yet
        calls.append(1)
        return None if len(calls) == 1 else looked(self, name, phone)

    monkeypatch.setattr(MerchantRepository, "named", late)
    with store_of() as store:
        found, created = store[MerchantRepository].add(entry, utcnow())
        assert (found.id, created) == (first.id, False)
        assert len(store[MerchantRepository].list()) == 1
