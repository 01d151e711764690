"""Households and their members: the roster (read by property staff too), adding a flat (the
staff API's create), importing a roster spreadsheet (the API's importer, with the per-row
report) and one-time bind codes for members (``绑定 <code>`` in WeChat)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, UploadFile
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from bot.api.households import create_household, import_households
from bot.api.schemas import HouseholdIn
from bot.console.access import ConsoleError, Pages, ViewerDep, allow
from bot.console.web import attempt, audit, check_message, redirect, render, work
from store import Store

pages = Pages("households", order=50)
READ_ROLES = allow("staff", "property")
WRITE_ROLES = allow("staff")
MEMBER_ROWS = 4


def _page(request: Request, q: str = "", status_code: int = 200, **context: object) -> Response:
    with work(request) as store:
        households = store.households.list()
        residents = store.residents.bound_counts()
    if q:
        households = [h for h in households if q in h.address or any(q in m.name or q in m.phone for m in h.members)]
    return render(request, "households.html", status_code=status_code, households=households, q=q,
                  residents=residents, member_rows=range(MEMBER_ROWS), **context)


@pages.get("/households", roles=READ_ROLES, nav=True)
def households(request: Request, viewer: ViewerDep, q: Annotated[str, Query(max_length=32)] = "") -> Response:
    return _page(request, q.strip())


@pages.post("/households", roles=WRITE_ROLES)
async def create(request: Request, viewer: ViewerDep) -> Response:
    """A flat and its members, checked by the staff API's own schema and rules."""
    form = await request.form()
    members = []
    for index in range(MEMBER_ROWS):
        name, phone = str(form.get(f"name_{index}", "")).strip(), str(form.get(f"phone_{index}", "")).strip()
        if name or phone:
            members.append({"name": name, "phone": phone, "party_member": form.get(f"party_{index}") == "yes"})
    try:
        body = HouseholdIn(building=str(form.get("building", "")), unit=str(form.get("unit", "")),
                           room=str(form.get("room", "")), members=members)
    except ValidationError as wrong:
        first = wrong.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        return _page(request, status_code=422, create_error=field, create_message=check_message(first))

    def add(store: Store) -> int:
        created = create_household(body, store)
        audit(store, request, "household_create", "household", created.id)
        return created.id

    household_id, refused = attempt(request, add)
    if refused is not None:
        return _page(request, status_code=refused.status_code, create_error="room",
                     create_message=str(refused.detail))
    return redirect("/households", done="created", household=household_id)


@pages.post("/households/import", roles=WRITE_ROLES)
def import_file(request: Request, viewer: ViewerDep, file: UploadFile) -> Response:
    """The staff API's importer (``POST /api/households/import``): all or nothing."""

    def load(store: Store) -> int:
        result = import_households(file, store)
        audit(store, request, "household_import", "households", "", detail=f"{file.filename}: {result.imported}")
        return result.imported

    imported, refused = attempt(request, load)
    if refused is not None:
        errors = refused.body.get("errors") or [{"row": None, "field": "file", "message": refused.detail}]
        return _page(request, status_code=422, errors=errors, filename=file.filename)
    return redirect("/households", done="imported", count=imported)


@pages.post("/households/members/{member_id}/code", roles=WRITE_ROLES)
def bind_code(request: Request, viewer: ViewerDep, member_id: int,
              q: Annotated[str, Form(max_length=32)] = "") -> Response:
    """A new one-time bind code for a member (the earlier one stops working)."""
    with work(request) as store:
        member = store.households.member(member_id)
        if member is None:
            raise ConsoleError(404, "not_found")
        store.households.issue_code(member)
        audit(store, request, "bind_code", "member", member_id, detail=member.household.address)
    return redirect("/households", done="code", member=member_id, q=q)
