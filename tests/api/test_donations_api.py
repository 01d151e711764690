"""`/api/donations`: staff read the pledges, confirm one with points (given once through the
ledger, the donor thanked once) or decline it politely (with a reason, or without)."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from tests.community_support import bound
from tests.love_support import ZHANG, ledger, pushes

OPENID = "o_api_giver"


def household_id(api: TestClient, address: str = "3-502") -> int:
    return next(h["id"] for h in api.get("/api/households").json() if h["address"] == address)


def pledged(runtime: Runtime, words: str = "我想捐几件旧衣服", display: str = "2") -> int:
    resident = bound(runtime, OPENID, ZHANG)
    resident.say(words)
    resident.say(display)
    done = resident.say("1")
    assert "已经登记" in done
    return int(done.split("编号 ")[1].split("）")[0])


def test_pledges_have_the_fixed_shape(api: TestClient, runtime: Runtime) -> None:
    ident = pledged(runtime)
    [row] = api.get("/api/donations").json()
    assert set(row) == {"id", "openid", "household_id", "description", "status", "created_at"}
    assert (row["id"], row["openid"], row["household_id"], row["description"], row["status"]) == (
        ident, OPENID, household_id(api), "几件旧衣服", "pending")
    assert row["created_at"].endswith("+00:00")
    assert api.get("/api/donations", params={"status": "confirmed"}).json() == []
    assert api.get("/api/donations", params={"status": ""}).json() == [row]
    assert api.get("/api/donations", params={"status": "lost"}).json()["field"] == "status"


def test_confirming_gives_the_points_once_and_thanks_the_donor_once(api: TestClient, runtime: Runtime,
                                                                    store_of) -> None:
    ident = pledged(runtime)
    for _ in range(3):
        confirmed = api.post(f"/api/donations/{ident}/confirm", json={"points": 50, "text": "旧衣物 6 件"})
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert ledger(store_of, household_id(api)) == (50, [(50, "捐赠旧衣物 6 件")])
    [thanks] = [text for text in pushes(store_of, OPENID) if "爱心捐赠" in text]
    assert "50 分" in thanks and "共 50 分" in thanks and "旧衣物 6 件" in thanks
    other = api.post(f"/api/donations/{ident}/confirm", json={"points": 80})
    assert other.status_code == 409 and other.json()["field"] == "points"
    assert api.post(f"/api/donations/{ident}/decline", json={}).status_code == 409
    assert ledger(store_of, household_id(api))[0] == 50


def test_confirming_without_points_still_thanks(api: TestClient, runtime: Runtime, store_of) -> None:
    ident = pledged(runtime, "捐款 200 元")
    assert api.post(f"/api/donations/{ident}/confirm", json={"points": 0}).status_code == 200
    assert ledger(store_of, household_id(api)) == (0, [])
    assert any("确认收到" in text for text in pushes(store_of, OPENID))


@pytest.mark.parametrize("reason", ["大件家电暂时没有地方存放", None, "null", " "])
def test_declining_tells_the_donor_politely_once(api: TestClient, runtime: Runtime, store_of,
                                                reason: str | None) -> None:
    ident = pledged(runtime, "我想捐一台旧冰箱")
    body = {"reason": None if reason == "null" else reason} if reason else None  # null and blank: no reason
    reason = (reason or "").strip() if reason != "null" else None
    for _ in range(2):
        declined = api.post(f"/api/donations/{ident}/decline", json=body)
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
    [told] = [text for text in pushes(store_of, OPENID) if "爱心捐赠" in text]
    assert "谢谢您的好意" in told and "旧冰箱" in told
    assert f"暂时不能接收（{reason}）。" in told if reason else "暂时不能接收。" in told
    assert api.post(f"/api/donations/{ident}/confirm", json={"points": 10}).status_code == 409
    assert ledger(store_of, household_id(api)) == (0, [])


@pytest.mark.parametrize(("body", "field"), [
    ({}, "points"), ({"points": -1}, "points"), ({"points": 1.5}, "points"), ({"points": True}, "points"),
    ({"points": "五十"}, "points"), ({"points": 10, "text": "字" * 101}, "text"),
])
def test_a_wrong_confirmation_is_422_naming_the_field(api: TestClient, runtime: Runtime, body: dict,
                                                      field: str) -> None:
    ident = pledged(runtime)
    refused = api.post(f"/api/donations/{ident}/confirm", json=body)
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_unknown_pledges_and_no_token(api: TestClient, client: TestClient) -> None:
    assert api.post("/api/donations/9999/confirm", json={"points": 10}).status_code == 404
    assert api.post("/api/donations/9999/decline", json={}).status_code == 404
    assert api.post("/api/donations/9999/decline", json={"reason": "x" * 201}).json()["field"] == "reason"
    client.headers.pop("Authorization")
    assert client.get("/api/donations").status_code == 401
    assert client.post("/api/donations/1/confirm", json={"points": 10}).status_code == 401
