"""`/api/rewards` and `/api/redemptions`: the catalogue staff keep, the redemptions they hand over
(collecting twice is harmless) or call off (stock and points given back, the resident told)."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from tests.community_support import bound
from tests.love_support import ZHANG, give_points, ledger, pushes


def household_id(api: TestClient, address: str = "3-502") -> int:
    return next(h["id"] for h in api.get("/api/households").json() if h["address"] == address)


def test_a_reward_is_created_and_listed(api: TestClient) -> None:
    created = api.post("/api/rewards", json={"name": "纯棉毛巾", "points": 30, "stock": 20})
    assert created.status_code == 201 and set(created.json()) == {"id"}
    listed = api.get("/api/rewards").json()
    assert [(r["id"], r["name"], r["points"], r["stock"], r["active"]) for r in listed] == [
        (created.json()["id"], "纯棉毛巾", 30, 20, True)]


def test_the_same_idempotency_key_creates_one_reward(api: TestClient) -> None:
    body = {"name": "环保购物袋", "points": 20, "stock": 50}
    first = api.post("/api/rewards", json=body, headers={"Idempotency-Key": "bag-2026"})
    again = api.post("/api/rewards", json=body, headers={"Idempotency-Key": "bag-2026"})
    assert first.json() == again.json() and len(api.get("/api/rewards").json()) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": "毛" * 61}, "name"), ({"points": 0}, "points"),
    ({"points": -5}, "points"), ({"points": 1.5}, "points"), ({"points": True}, "points"),
    ({"points": "很多"}, "points"), ({"stock": -1}, "stock"), ({"stock": 2.5}, "stock"), ({"stock": None}, "stock"),
])
def test_a_wrong_field_is_422_naming_it(api: TestClient, change: dict, field: str) -> None:
    refused = api.post("/api/rewards", json={"name": "纯棉毛巾", "points": 30, "stock": 20, **change})
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_missing_fields_are_named(api: TestClient) -> None:
    assert api.post("/api/rewards", json={"name": "毛巾", "points": 30}).json()["field"] == "stock"
    assert api.post("/api/rewards", json={"points": 30, "stock": 1}).json()["field"] == "name"


def test_staff_restock_and_take_a_reward_off(api: TestClient) -> None:
    reward = api.post("/api/rewards", json={"name": "洗衣液", "points": 50, "stock": 0}).json()["id"]
    changed = api.patch(f"/api/rewards/{reward}", json={"stock": 12, "active": False})
    assert changed.status_code == 200 and (changed.json()["stock"], changed.json()["active"]) == (12, False)
    assert api.patch("/api/rewards/9999", json={"stock": 1}).status_code == 404
    assert api.patch(f"/api/rewards/{reward}", json={"stock": -3}).json()["field"] == "stock"


def redeemed(api: TestClient, runtime: Runtime, store_of, openid: str = "o_api_redeemer") -> tuple[int, int, int]:
    """A resident of 3-502 redeems a towel; returns (household, reward, redemption)."""
    home = household_id(api)
    give_points(store_of, home, 100)
    reward = api.post("/api/rewards", json={"name": "纯棉毛巾", "points": 30, "stock": 5}).json()["id"]
    resident = bound(runtime, openid, ZHANG)
    resident.say("换毛巾")
    assert "取货码" in resident.say("1")
    [redemption] = api.get("/api/redemptions").json()
    return home, reward, redemption["id"]


def test_redemptions_have_the_fixed_shape(api: TestClient, runtime: Runtime, store_of) -> None:
    home, reward, ident = redeemed(api, runtime, store_of)
    [row] = api.get("/api/redemptions").json()
    assert set(row) == {"id", "household_id", "openid", "reward_id", "points", "code", "status"}
    assert (row["id"], row["household_id"], row["openid"], row["reward_id"], row["points"], row["status"]) == (
        ident, home, "o_api_redeemer", reward, 30, "pending")
    assert len(row["code"]) == 6
    assert api.get("/api/redemptions", params={"status": "collected"}).json() == []
    assert api.get("/api/redemptions", params={"status": "lost"}).json()["field"] == "status"
    assert [r["stock"] for r in api.get("/api/rewards").json()] == [4]


def test_collecting_twice_is_harmless(api: TestClient, runtime: Runtime, store_of) -> None:
    _, _, ident = redeemed(api, runtime, store_of)
    first = api.post(f"/api/redemptions/{ident}/collect")
    again = api.post(f"/api/redemptions/{ident}/collect")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["status"] == "collected"
    assert api.post("/api/redemptions/9999/collect").status_code == 404
    assert api.post(f"/api/redemptions/{ident}/cancel").status_code == 409  # handed over already


def test_cancelling_gives_back_the_piece_and_the_points_and_tells_the_resident_once(
        api: TestClient, runtime: Runtime, store_of) -> None:
    home, _, ident = redeemed(api, runtime, store_of)
    for _ in range(2):
        cancelled = api.post(f"/api/redemptions/{ident}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert ledger(store_of, home) == (100, [(100, "捐赠旧衣物"), (-30, "换购 纯棉毛巾"),
                                            (30, "换购取消，退回 纯棉毛巾")])
    assert [r["stock"] for r in api.get("/api/rewards").json()] == [5]
    told = [text for text in pushes(store_of, "o_api_redeemer") if "已经取消" in text]
    assert len(told) == 1 and "30 分已经退回" in told[0]
    assert api.post(f"/api/redemptions/{ident}/collect").status_code == 409


def test_no_token_no_rewards(client: TestClient) -> None:
    assert client.get("/api/rewards").status_code == 401
    assert client.post("/api/rewards", json={"name": "毛巾", "points": 30, "stock": 1}).status_code == 401
    assert client.get("/api/redemptions").status_code == 401
    assert client.post("/api/redemptions/1/collect").status_code == 401
