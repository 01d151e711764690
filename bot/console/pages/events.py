"""Events: create them (the staff API's create), read sign-ups, export them (CSV/XLSX), check
households in (the API's check-in: love-bank points once) and call an event off (the API's
cancel: everyone signed up is told). The party office sees and makes party-only events."""
from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.events.api import CheckinIn, EventIn, cancel_event, check_in, create_event
from bot.console.access import ConsoleError, Pages, Viewer, ViewerDep, allow, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, templates, work
from store import Store
from store.events import Event, EventRepository

pages = Pages("events", flow="events", order=60)
EVENT_ROLES = allow("staff", "party")


def _visible(viewer: Viewer, event: Event) -> bool:
    return viewer.role != "party" or event.party_only


def _event(store: Store, viewer: Viewer, event_id: int) -> Event:
    event = store[EventRepository].get(event_id)
    if event is None:
        raise ConsoleError(404, "not_found")
    if not _visible(viewer, event):
        raise ConsoleError(403, "forbidden")
    return event


@pages.get("/events", roles=EVENT_ROLES, nav=True)
def events(request: Request, viewer: ViewerDep) -> Response:
    with work(request) as store:
        repo = store[EventRepository]
        shown = [event for event in reversed(repo.all()) if _visible(viewer, event)]
        counts = repo.counts([event.id for event in shown])
    return render(request, "events.html", events=shown, counts=counts, moment=now())


@pages.post("/events", roles=EVENT_ROLES)
def create(request: Request, viewer: ViewerDep, title: Annotated[str, Form()] = "",
           starts_at: Annotated[str, Form()] = "", capacity: Annotated[str, Form()] = "",
           signup_deadline: Annotated[str, Form()] = "", place: Annotated[str, Form()] = "",
           description: Annotated[str, Form()] = "", party_only: Annotated[str, Form()] = "") -> Response:
    """An event as the staff API makes it (times are the community's local time)."""
    fields: dict[str, Any] = {"title": title, "starts_at": starts_at, "capacity": capacity, "place": place,
                              "description": description,
                              "party_only": viewer.role == "party" or party_only == "yes"}
    if signup_deadline:
        fields["signup_deadline"] = signup_deadline
    try:
        body = EventIn(**fields)
    except ValidationError as wrong:
        return redirect("/events", error=str(wrong.errors()[0]["loc"][0]))
    runtime = runtime_of(request)

    def add(store: Store) -> int:
        created = create_event(body, store, now(), runtime)
        audit(store, request, "event_create", "event", created.id, detail=body.title)
        return created.id

    event_id, refused = attempt(request, add)
    if refused is not None:
        return redirect("/events", error=str(refused.body.get("field", "")))
    return redirect(f"/events/{event_id}", done="created")


@pages.get("/events/{event_id}", roles=EVENT_ROLES)
def event(request: Request, viewer: ViewerDep, event_id: int) -> Response:
    with work(request) as store:
        found = _event(store, viewer, event_id)
        rows = _rows(store, found)
        waiting = store[EventRepository].counts([found.id])[found.id][1]
    return render(request, "event.html", event=found, rows=rows, waiting=waiting)


def _rows(store: Store, event: Event) -> list[dict[str, Any]]:
    """The sign-ups with each household's address and whether it came."""
    repo = store[EventRepository]
    came = {checkin.household_id: checkin for checkin in repo.checkins(event.id)}
    rows = []
    for signup in repo.signups(event.id):
        household = store.households.get(signup.household_id)
        rows.append({"household_id": signup.household_id, "address": household.address if household else "",
                     "count": signup.count, "status": signup.status, "checked_in": signup.household_id in came})
    signed = {row["household_id"] for row in rows}
    for household_id in came:  # came without signing up
        if household_id not in signed:
            household = store.households.get(household_id)
            rows.append({"household_id": household_id, "address": household.address if household else "",
                         "count": 0, "status": "walk_in", "checked_in": True})
    return rows


@pages.get("/events/{event_id}/export.{kind}", roles=EVENT_ROLES)
def export(request: Request, viewer: ViewerDep, event_id: int, kind: str) -> Response:
    """The sign-up list as a spreadsheet (CSV for any program, XLSX for Excel)."""
    if kind not in ("csv", "xlsx"):
        raise ConsoleError(404, "not_found")
    with work(request) as store:
        found = _event(store, viewer, event_id)
        rows = _rows(store, found)
        audit(store, request, "event_export", "event", event_id, detail=kind)
    words = templates.env.get_template("_export_words.html").module
    header: list[str] = list(words.signup_columns)  # type: ignore[attr-defined]
    statuses: dict[str, str] = dict(words.signup_statuses)  # type: ignore[attr-defined]
    yes, no = words.yes, words.no  # type: ignore[attr-defined]
    table = [[row["household_id"], row["address"], row["count"], statuses.get(row["status"], row["status"]),
              yes if row["checked_in"] else no] for row in rows]
    name = f"event-{event_id}-signups.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(table)
        return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers=headers)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{event_id}"
    sheet.append(header)
    for line in table:
        sheet.append(line)
    content = io.BytesIO()
    book.save(content)
    return Response(content.getvalue(), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pages.post("/events/{event_id}/checkin", roles=EVENT_ROLES)
def checkin(request: Request, viewer: ViewerDep, event_id: int,
            household_id: Annotated[str, Form()] = "") -> Response:
    """The staff API's check-in (``POST /api/events/{id}/checkin``): once, with its points."""
    try:
        body = CheckinIn(household_id=household_id)
    except ValidationError:
        return redirect(f"/events/{event_id}", error="household_id")
    runtime = runtime_of(request)

    def record(store: Store) -> bool:
        _event(store, viewer, event_id)
        result = check_in(event_id, body, store, now(), runtime)
        if result.recorded:
            audit(store, request, "event_checkin", "event", event_id, detail=f"household {body.household_id}")
        return result.recorded

    recorded, refused = attempt(request, record)
    if refused is not None:
        return redirect(f"/events/{event_id}", error="status" if refused.status_code == 409 else "household_id")
    return redirect(f"/events/{event_id}", done="checked_in" if recorded else "already")


@pages.post("/events/{event_id}/cancel", roles=EVENT_ROLES)
def cancel(request: Request, viewer: ViewerDep, event_id: int) -> Response:
    """The staff API's cancel (``DELETE /api/events/{id}``): everyone signed up is told, once."""
    runtime = runtime_of(request)

    def call_off(store: Store) -> None:
        if _event(store, viewer, event_id).status == "active":
            audit(store, request, "event_cancel", "event", event_id)
        cancel_event(event_id, store, now(), runtime)

    attempt(request, call_off)
    return redirect(f"/events/{event_id}", done="cancelled")

