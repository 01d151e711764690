"""The events page: create, the sign-up list and its export, check-in with points once, calling
an event off; the party office sees party-only events only."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from openpyxl import load_workbook
from starlette.testclient import TestClient

from store.clock import utcnow
from store.console import AuditRepository
from store.events import EventRepository, NewEvent
from store.points import PointsRepository
from tests.console.conftest import log_in


def signed_up_event(store_of: Callable, party_only: bool = False) -> tuple[int, int]:
    with store_of() as store:
        [household] = store.households.find_by_address("3", "502")
        event = store[EventRepository].create(NewEvent("重阳节包饺子", utcnow() + timedelta(days=3), 20,
                                                       party_only=party_only), utcnow())
        store[EventRepository].signup(event.id, household.id, None, 2, key="test-signup", now=utcnow())
        return event.id, household.id


def test_staff_create_an_event_from_the_form(console: TestClient, member: Callable, store_of: Callable) -> None:
    member("li", "staff")
    csrf = log_in(console, "li")
    made = console.post("/console/events", data={"title": "社区电影夜", "starts_at": "2030-06-01T19:30",
                                                  "capacity": "40", "place": "活动室", "csrf_token": csrf})
    assert made.status_code == 303 and made.headers["location"].startswith("/console/events/")
    with store_of() as store:
        event = store[EventRepository].find_by_title("社区电影夜")
        assert (event.capacity, event.place, event.party_only) == (40, "活动室", False)
        assert event.starts_at.astimezone().utcoffset() is not None
        assert len(store[AuditRepository].recent(action="event_create")) == 1
    bad = console.post("/console/events", data={"title": "x", "starts_at": "", "capacity": "0", "csrf_token": csrf})
    assert "error=" in bad.headers["location"]


def test_the_signup_list_is_exported_and_a_checkin_gives_points_once(console: TestClient, member: Callable,
                                                                     store_of: Callable) -> None:
    event_id, household_id = signed_up_event(store_of)
    member("li", "staff")
    csrf = log_in(console, "li")
    page = console.get(f"/console/events/{event_id}")
    assert "3-502" in page.text and "已报名" in page.text
    csv_file = console.get(f"/console/events/{event_id}/export.csv")
    assert csv_file.status_code == 200 and "3-502" in csv_file.content.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(console.get(f"/console/events/{event_id}/export.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "住户编号" and rows[1][:3] == (household_id, "3-502", 2)
    for _ in range(2):
        console.post(f"/console/events/{event_id}/checkin", data={"household_id": household_id, "csrf_token": csrf})
    with store_of() as store:
        assert store[PointsRepository].balance(household_id) == 10
        assert len(store[EventRepository].checkins(event_id)) == 1
        assert len(store[AuditRepository].recent(action="event_checkin")) == 1
    cancelled = console.post(f"/console/events/{event_id}/cancel", data={"csrf_token": csrf})
    assert cancelled.status_code == 303
    with store_of() as store:
        assert store[EventRepository].get(event_id).status == "cancelled"


def test_the_party_office_sees_only_party_events_and_makes_party_events(console: TestClient, member: Callable,
                                                                        store_of: Callable) -> None:
    open_event, _ = signed_up_event(store_of)
    member("dang", "party")
    csrf = log_in(console, "dang")
    assert console.get(f"/console/events/{open_event}").status_code == 403
    console.post("/console/events", data={"title": "党员学习会", "starts_at": "2030-06-01T09:00", "capacity": "30",
                                          "csrf_token": csrf})
    with store_of() as store:
        assert store[EventRepository].find_by_title("党员学习会").party_only
    listed = console.get("/console/events").text
    assert "党员学习会" in listed and "重阳节包饺子" not in listed
