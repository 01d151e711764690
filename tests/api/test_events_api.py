"""`/api/events`: create, list, sign-ups, check-in with love-bank points, calling an event off."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from store.clock import utcnow
from tests.community_support import LI, ZHANG, bound, household_at, queued_for


def future(days: float = 3) -> str:
    return (utcnow() + timedelta(days=days)).isoformat(timespec="seconds")


def create(api: TestClient, **changes: object) -> int:
    body = {"title": "太极拳健身讲座", "starts_at": future(), "capacity": 20, **changes}
    created = api.post("/api/events", json=body)
    assert created.status_code == 201, created.text
    assert set(created.json()) == {"id"}
    return int(created.json()["id"])


def test_a_created_event_is_listed_with_its_places(api: TestClient) -> None:
    event = create(api, capacity=12, place="社区活动室", party_only=True, signup_deadline=future(2))
    listed = api.get("/api/events")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [mine] = [e for e in listed.json() if e["id"] == event]
    assert (mine["title"], mine["capacity"], mine["places_left"], mine["party_only"], mine["status"]) == \
        ("太极拳健身讲座", 12, 12, True, "active")
    assert mine["starts_at"].endswith("+00:00") and mine["signup_deadline"] is not None
    assert api.get(f"/api/events/{event}").json() == mine


def test_a_time_without_an_offset_is_the_communitys_local_time(api: TestClient) -> None:
    event = create(api, starts_at="2031-05-01T09:30:00")
    assert api.get(f"/api/events/{event}").json()["starts_at"] == "2031-05-01T01:30:00+00:00"


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"), ({"title": None}, "title"), ({"capacity": 0}, "capacity"),
    ({"capacity": "十个"}, "capacity"), ({"capacity": 2.5}, "capacity"), ({"starts_at": "明天上午"}, "starts_at"),
    ({"signup_deadline": "2031-13-40"}, "signup_deadline"), ({"party_only": "也许"}, "party_only"),
])
def test_a_wrong_field_is_422_naming_it(api: TestClient, change: dict, field: str) -> None:
    body = {"title": "讲座", "starts_at": future(), "capacity": 5, **change}
    refused = api.post("/api/events", json=body)
    assert refused.status_code == 422 and refused.json()["field"] == field


def test_a_deadline_after_the_start_is_refused(api: TestClient) -> None:
    refused = api.post("/api/events", json={"title": "讲座", "starts_at": future(2), "capacity": 5,
                                            "signup_deadline": future(3)})
    assert refused.status_code == 422 and refused.json()["field"] == "signup_deadline"


def test_missing_fields_unknown_ids_and_no_token(api: TestClient, client: TestClient) -> None:
    assert api.post("/api/events", json={"title": "讲座", "capacity": 5}).json()["field"] == "starts_at"
    assert api.get("/api/events/99999/signups").status_code == 404
    assert api.post("/api/events/99999/checkin", json={"household_id": 1}).status_code == 404
    assert api.delete("/api/events/99999").status_code == 404
    client.headers.pop("Authorization", None)
    assert client.get("/api/events").status_code == 401


def test_signups_list_households_counts_and_statuses(api: TestClient, runtime: Runtime, store_of: Callable) -> None:
    event = create(api, capacity=2)
    zhang = bound(runtime, "o_api_zhang", ZHANG)
    li = bound(runtime, "o_api_li", LI)
    zhang.say("报名太极拳，两个人")
    assert "报名成功" in zhang.say("1")
    li.say("报名太极拳，我一个人")
    assert "候补" in li.say("1")
    listed = api.get(f"/api/events/{event}/signups")
    assert listed.status_code == 200
    assert listed.json() == [
        {"household_id": household_at(store_of, "3-502"), "openid": "o_api_zhang", "count": 2,
         "status": "confirmed"},
        {"household_id": household_at(store_of, "5-1-301"), "openid": "o_api_li", "count": 1,
         "status": "waitlist"}]
    zhang.say("取消报名")
    zhang.say("1")
    statuses = {row["openid"]: row["status"] for row in api.get(f"/api/events/{event}/signups").json()}
    assert statuses == {"o_api_zhang": "cancelled", "o_api_li": "confirmed"}


def test_a_checkin_records_attendance_and_gives_points_once(api: TestClient, store_of: Callable) -> None:
    event = create(api, title="端午包粽子")
    home = household_at(store_of, "3-502")
    first = api.post(f"/api/events/{event}/checkin", json={"household_id": home})
    assert first.status_code == 200
    assert (first.json()["recorded"], first.json()["points"], first.json()["balance"]) == (True, 10, 10)
    again = api.post(f"/api/events/{event}/checkin", json={"household_id": home})
    assert (again.json()["recorded"], again.json()["balance"]) == (False, 10)
    ledger = api.get("/api/points", params={"household_id": home}).json()
    assert ledger["balance"] == 10 and [e["reason"] for e in ledger["entries"]] == ["参加活动：端午包粽子"]


def test_checkin_points_come_from_the_config(make_runtime, config_with) -> None:
    from bot.app import create_app
    from tests.api.conftest import AUTH, STAFF_TOKEN

    runtime = make_runtime(config_with(events={"checkin_points": 25}), STAFF_API_TOKEN=STAFF_TOKEN)
    with TestClient(create_app(runtime, background=False)) as http:
        http.headers.update(AUTH)
        event = create(http)
        home = next(h["id"] for h in http.get("/api/households").json() if h["address"] == "2-301")
        assert http.post(f"/api/events/{event}/checkin", json={"household_id": home}).json()["balance"] == 25


def test_checkin_refusals(api: TestClient, store_of: Callable) -> None:
    event = create(api)
    assert api.post(f"/api/events/{event}/checkin", json={"household_id": 99999}).status_code == 404
    assert api.post(f"/api/events/{event}/checkin", json={}).json()["field"] == "household_id"
    api.delete(f"/api/events/{event}")
    home = household_at(store_of, "3-502")
    refused = api.post(f"/api/events/{event}/checkin", json={"household_id": home})
    assert refused.status_code == 409


def test_calling_an_event_off_tells_everyone_signed_up_once(api: TestClient, runtime: Runtime,
                                                            store_of: Callable) -> None:
    event = create(api, capacity=1)
    zhang = bound(runtime, "o_off_zhang", ZHANG)
    li = bound(runtime, "o_off_li", LI)
    zhang.say("报名太极拳")
    zhang.say("1")
    zhang.say("1")
    li.say("报名太极拳 1个人")
    li.say("1")
    cancelled = api.delete(f"/api/events/{event}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.delete(f"/api/events/{event}").status_code == 200
    for openid in ("o_off_zhang", "o_off_li"):
        [notice] = [text for text in queued_for(store_of, openid) if "取消" in text]
        assert "太极拳健身讲座" in notice
    zhang.say("报名太极拳")
    assert zhang.last is not None and zhang.last.keys == ("events.none_to_sign",)
