"""`/api/donations`: the pledges residents made, and staff's answer to each.

Shapes (SPEC §6): ``GET /api/donations`` → ``[{"id","openid","household_id","description",
"status","created_at"}]``; ``POST /api/donations/{id}/confirm`` ``{"points"}`` — the donor's
household gets the points through the ledger and the donor is thanked, once, however often
staff press it; ``POST /api/donations/{id}/decline`` ``{"reason"?}`` — the donor is told,
politely. A confirmed pledge cannot be declined, nor a declined one confirmed (409).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from actions.donations import flow
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import ApiModel, ErrorBody, Timestamp, blank_is_none
from bot.dialogue import Reply
from bot.notify import Template, push
from store import Store
from store.donations import Donation, DonationRepository
from store.points import MAX_DELTA, PointsRepository

Status = Literal["pending", "confirmed", "declined"]
StatusFilter = Annotated[Status | None, BeforeValidator(blank_is_none)]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such donation"},
    409: {"model": ErrorBody, "description": "it was decided otherwise already"}}


def _whole(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("积分应为整数")
    return value


def _optional_text(value: Any) -> Any:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


class DonationOut(ApiModel):
    id: int
    openid: str
    household_id: int | None
    description: str
    status: Status
    created_at: Timestamp


class ConfirmIn(ApiModel):
    points: Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_DELTA,
                                                          description="love-bank points for the donor (0: none)")]
    text: Annotated[Annotated[str, Field(max_length=100)] | None, BeforeValidator(_optional_text), Field(
        description="what the thank-you list and the ledger say was given, e.g. 旧衣物 10 件 "
                                    "(default: the pledge's words)")] = None


class DeclineIn(ApiModel):
    reason: Annotated[Annotated[str, Field(max_length=200)] | None, BeforeValidator(_optional_text), Field(
        description="told to the donor, e.g. 旧家电暂时没有地方存放")] = None


def _out(donation: Donation) -> DonationOut:
    return DonationOut(id=donation.id, openid=donation.openid, household_id=donation.household_id,
                       description=donation.description, status=donation.status,
                       created_at=donation.created_at)


def _locked(store: Store, donation_id: int) -> Donation:
    donation = store[DonationRepository].get(donation_id, for_update=True)
    if donation is None:
        not_found("donation", donation_id)
    return donation


@flow.api.get("/donations", tags=["donations"])
def list_donations(store: StoreDep, status: StatusFilter = None) -> list[DonationOut]:
    """Pledges oldest first (the queue: ``?status=pending``)."""
    return [_out(d) for d in store[DonationRepository].find(status)]


@flow.api.post("/donations/{donation_id}/confirm", tags=["donations"], responses=_RESPONSES)
def confirm(donation_id: int, body: ConfirmIn, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> DonationOut:
    """Staff received it: the donor's household gets ``points`` and the donor is thanked (once).
    Confirming again with the same points changes nothing."""
    donation = _locked(store, donation_id)
    if donation.status == "declined":
        conflict("status", f"donation {donation_id} was declined")
    if donation.status == "confirmed":
        if donation.points != body.points:
            conflict("points", f"donation {donation_id} was confirmed with {donation.points} points")
        return _out(donation)
    what = body.text or _short(donation.description)
    store[DonationRepository].confirm(donation, body.points, what, now)
    balance = None
    if body.points > 0 and donation.household_id is not None:
        posted = store[PointsRepository].post(
            donation.household_id, body.points, runtime.responses.text("donations.points_reason", what=what),
            kind="donation", key=f"donation:{donation.id}", now=now, openid=donation.openid or None)
        balance = posted.balance
    if balance is not None:
        text = runtime.responses.text("donations.confirmed_notice", what=what, points=body.points, balance=balance)
    else:
        text = runtime.responses.text("donations.confirmed_notice_no_points", what=what)
    _tell(store, donation, text, f"donation:{donation.id}:confirmed", now)
    return _out(donation)


@flow.api.post("/donations/{donation_id}/decline", tags=["donations"], responses=_RESPONSES)
def decline(donation_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep,
            body: DeclineIn | None = None) -> DonationOut:
    """Staff cannot take it: the donor is thanked for the thought and told, politely (once)."""
    donation = _locked(store, donation_id)
    if donation.status == "confirmed":
        conflict("status", f"donation {donation_id} was confirmed")
    reason = body.reason if body is not None else None
    if store[DonationRepository].decline(donation, reason, now):
        because = runtime.responses.text("donations.declined_because", reason=reason) if reason else ""
        text = runtime.responses.text("donations.declined_notice", what=_short(donation.description),
                                      because=because)
        _tell(store, donation, text, f"donation:{donation.id}:declined", now)
    return _out(donation)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def _tell(store: Store, donation: Donation, text: str, key: str, now: datetime) -> None:
    if donation.openid:
        push(store, donation.openid, Reply.text(text, footer=True), now, key=key,
             template=Template("donation_answered", {"first": text, "keyword1": _short(donation.description)}))

