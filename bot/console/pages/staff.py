"""Staff and the rota (admins only): members with their role and one-time WeChat bind code (the
staff API's create), who is on duty, who is active, and console logins."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.staff import StaffChange, StaffIn, change_staff, create_staff
from bot.console.access import ADMIN_ONLY, ConsoleError, Pages, ViewerDep
from bot.console.users import LoginRefused, set_login
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.staff import ROLES, StaffRepository

pages = Pages("staff", order=80)


@pages.get("/staff", roles=ADMIN_ONLY, nav=True)
def staff(request: Request, viewer: ViewerDep) -> Response:
    with work(request) as store:
        members = store[StaffRepository].list()
    return render(request, "staff.html", members=members, roles=ROLES)


@pages.post("/staff", roles=ADMIN_ONLY)
def create(request: Request, viewer: ViewerDep, name: Annotated[str, Form()] = "",
           role: Annotated[str, Form()] = "") -> Response:
    """A member and their one-time bind code (``工作人员绑定 <code>`` on WeChat), as the staff API makes them."""
    try:
        body = StaffIn(name=name, role=role)
    except ValidationError as wrong:
        return redirect("/staff", error=str(wrong.errors()[0]["loc"][0]))

    def add(store: Store) -> int:
        created = create_staff(body, store, now())
        audit(store, request, "staff_create", "staff", created.id, detail=f"{body.name} {body.role}")
        return created.id

    member_id, _ = attempt(request, add)
    return redirect("/staff", done="created", member=member_id)


@pages.post("/staff/{staff_id}/duty", roles=ADMIN_ONLY)
def duty(request: Request, viewer: ViewerDep, staff_id: int,
         on_duty: Annotated[str, Form(pattern="^(yes|no)$")] = "no") -> Response:
    return _change(request, staff_id, StaffChange(on_duty=on_duty == "yes"), "staff_duty", on_duty)


@pages.post("/staff/{staff_id}/active", roles=ADMIN_ONLY)
def active(request: Request, viewer: ViewerDep, staff_id: int,
           active: Annotated[str, Form(pattern="^(yes|no)$")] = "no") -> Response:
    if staff_id == viewer.id and active != "yes":
        return redirect("/staff", error="self")
    return _change(request, staff_id, StaffChange(active=active == "yes"), "staff_active", active)


def _change(request: Request, staff_id: int, change: StaffChange, action: str, detail: str) -> Response:
    """The staff API's change (``PATCH /api/staff/{id}``): the rota and who is active."""

    def apply(store: Store) -> None:
        change_staff(staff_id, change, store)
        audit(store, request, action, "staff", staff_id, detail=detail)

    _, refused = attempt(request, apply)
    if refused is not None:
        raise ConsoleError(404, "not_found")
    return redirect("/staff", done="saved")


@pages.post("/staff/{staff_id}/login", roles=ADMIN_ONLY)
def login(request: Request, viewer: ViewerDep, staff_id: int, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "") -> Response:
    """Give a member a console login, or a new password (their open sessions end)."""
    try:
        with work(request) as store:
            member = store[StaffRepository].get(staff_id)
            if member is None:
                raise ConsoleError(404, "not_found")
            set_login(store, member, username.strip(), password)
            audit(store, request, "staff_login", "staff", staff_id, detail=username.strip())
    except LoginRefused as refused:
        return redirect("/staff", error=refused.field, member=staff_id)
    return redirect("/staff", done="login", member=staff_id)
