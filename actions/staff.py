"""Staff on WeChat: 工作人员绑定 <code>, then 回复 <编号> <内容>, 结案 <编号> and 待办.

A bound staff member's messages are staff business and never reach the resident dialogue;
a resident typing the same words is a resident (staff commands only work for bound staff).
Staff members are created through the staff API (``POST /api/staff``) or the console, with a
role and a one-time bind code.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from bot.api.deps import NowDep, StoreDep, not_found
from bot.cases import answer_case, close_case
from bot.dialogue import Context, Flow, Reply, Stage, Turn
from bot.privacy import mask_phone
from store.staff import ROLES, Staff, StaffRepository

flow: Flow = Flow("staff_wechat", words="staff")

_BIND = re.compile(r"^\s*工作人员绑定\s*([A-Za-z0-9]{4,16})\s*$")
_ANSWER = re.compile(r"^\s*回复\s*(\d{1,9})\s*[:：,，\s]\s*(.+)$", re.S)
_CLOSE = re.compile(r"^\s*结案\s*(\d{1,9})\s*$")
_TODO = re.compile(r"^\s*(?:待办|待辦|待处理)\s*$")


@flow.trigger(Stage.STAFF, kinds=("text", "voice"))
def staff_words(turn: Turn, ctx: Context) -> Reply | None:
    bind = _BIND.match(turn.text)
    if bind:
        member = ctx.store[StaffRepository].bind(bind.group(1), turn.openid, ctx.now)
        if member is None:
            return Reply.text(ctx.say("staff.bind_failed"))
        return Reply.text(ctx.say("staff.bound", name=member.name, role=ctx.say(f"staff.roles.{member.role}")))
    staff = ctx.store[StaffRepository]
    member = staff.by_openid(turn.openid) if staff.is_staff(turn.openid) else None
    if member is None:
        return None  # a resident: the resident dialogue answers
    answer = _ANSWER.match(turn.text)
    if answer:
        return _answer(int(answer.group(1)), answer.group(2).strip(), turn, ctx)
    close = _CLOSE.match(turn.text)
    if close:
        return _close(int(close.group(1)), ctx)
    if _TODO.match(turn.text):
        return _todo(ctx)
    return Reply.text(ctx.say("staff.help", name=member.name))


def _answer(case: int, text: str, turn: Turn, ctx: Context) -> Reply:
    escalation = ctx.store.escalations.get(case)
    if escalation is None:
        return Reply.text(ctx.say("staff.no_case", case=case))
    if escalation.status == "closed":
        return Reply.text(ctx.say("staff.case_closed", case=case))
    answer_case(ctx.store, ctx.responses, escalation, text, ctx.now, key=f"staff_reply:{turn.msg_key}")
    return Reply.text(ctx.say("staff.answered", case=case))


def _close(case: int, ctx: Context) -> Reply:
    escalation = ctx.store.escalations.get(case)
    if escalation is None:
        return Reply.text(ctx.say("staff.no_case", case=case))
    closed = close_case(ctx.store, ctx.responses, escalation, ctx.now)
    return Reply.text(ctx.say("staff.closed" if closed else "staff.case_closed", case=case))


def _todo(ctx: Context) -> Reply:
    cases = ctx.store.escalations.open_cases()
    if not cases:
        return Reply.text(ctx.say("staff.todo_none"))
    lines = [ctx.say("staff.todo_header", count=len(cases))]
    for case in cases:
        words = mask_phone(case.text.strip().splitlines()[-1] if case.text.strip() else "")
        local = case.created_at.astimezone(ctx.timezone)
        lines.append(ctx.say("staff.todo_line", case=case.id, status=ctx.say(f"staff.statuses.{case.status}"),
                             reason=ctx.responses.text(f"handoff.reasons.{case.reason}"), text=words[:40],
                             time=f"{local.month}月{local.day}日 {local:%H:%M}"))
    return Reply.text("\n".join(lines))


# --- staff API ---------------------------------------------------------------------------------
Role = Annotated[str, StringConstraints(pattern=f"^({'|'.join(ROLES)})$")]


class StaffIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    role: Role


class StaffCreated(BaseModel):
    id: int
    bind_code: str


class StaffOut(BaseModel):
    id: int
    name: str
    role: str
    bound: bool
    on_duty: bool
    active: bool
    created_at: datetime


class StaffChange(BaseModel):
    on_duty: bool | None = None
    active: bool | None = None
    role: Role | None = Field(default=None)


def _out(member: Staff) -> StaffOut:
    return StaffOut(id=member.id, name=member.name, role=member.role, bound=member.openid is not None,
                    on_duty=member.on_duty, active=member.active, created_at=member.created_at)


@flow.api.post("/staff", status_code=201, tags=["staff"])
def create_staff(body: StaffIn, store: StoreDep, now: NowDep) -> StaffCreated:
    """A staff member and their one-time bind code (sent as 工作人员绑定 <code> on WeChat)."""
    member = store[StaffRepository].create(body.name, body.role, now)
    assert member.bind_code is not None
    return StaffCreated(id=member.id, bind_code=member.bind_code)


@flow.api.get("/staff", tags=["staff"])
def list_staff(store: StoreDep) -> list[StaffOut]:
    return [_out(member) for member in store[StaffRepository].list()]


@flow.api.patch("/staff/{staff_id}", tags=["staff"])
def change_staff(staff_id: int, body: StaffChange, store: StoreDep) -> StaffOut:
    """Put a member on duty or off (the rota), change their role, or deactivate them."""
    member = store[StaffRepository].get(staff_id)
    if member is None:
        not_found("staff member", staff_id)
    for field, value in body.model_dump(exclude_none=True).items():
        setattr(member, field, value)
    store[StaffRepository].forget_cached()
    return _out(member)
