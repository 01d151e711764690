"""The love bank (爱心银行) for committee staff, in four tabs:

- the ledger by household: balance and every entry, and an entry staff add by hand (the staff
  API's ``POST /api/points``: a debit beyond the balance is refused, a form sent twice adds once);
- pledges (``/api/donations``): confirm with points — the household gets them once and the donor
  is thanked — or decline with an optional reason the donor is told; how the thank-you list
  (爱心公示) will show each donor;
- the rewards catalogue (``/api/rewards``): add one, change its price, stock or whether it is offered;
- redemptions (``/api/redemptions``): mark collected by the pickup code the resident shows (or the
  row's button), or call one off (the piece and the points go back, the resident is told).

Every change goes through the staff API's own function and leaves an audit row in its transaction.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Query
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.donations.api import ConfirmIn, DeclineIn
from actions.donations.api import confirm as api_confirm
from actions.donations.api import decline as api_decline
from actions.points import PointsIn, add_points
from actions.points.rewards import RewardIn, RewardPatch, change_reward, create_reward
from actions.points.rewards import cancel as api_cancel
from actions.points.rewards import collect as api_collect
from bot.console.access import ConsoleError, Pages, ViewerDep, allow, flow_enabled, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.console import AuditRepository
from store.donations import DonationRepository, masked_name
from store.models import Household
from store.points import PointsRepository
from store.rewards import RewardRepository

pages = Pages("lovebank", flow="points", order=60)
LOVE_ROLES = allow("staff")
#: What staff add by hand; donations, check-ins and redemptions reach the ledger their own way.
HAND_KINDS = ("correction", "volunteer", "other")
KEY = r"^([0-9a-f]{32})?$"
ENTRIES_SHOWN = 200


def _field(wrong: ValidationError) -> str:
    location = wrong.errors()[0].get("loc", ())
    return str(location[-1]) if location else "form"


def _refusal_code(status_code: int, field: object) -> str:
    return "not_found" if status_code == 404 else str(field or "refused")


def _household(store: Store, wanted: str) -> Household | None:
    """A household named by its number or its address (3-502, 5-1-301)."""
    wanted = wanted.strip().replace("－", "-")
    if not wanted:
        return None
    if wanted.isdigit():
        return store.households.get(int(wanted))
    parts = [part for part in wanted.split("-") if part]
    if len(parts) not in (2, 3):
        return None
    return store.households.at_address(parts[0].upper(), parts[-1].upper(), parts[1].upper() if len(parts) == 3 else "")


# --- the ledger ---------------------------------------------------------------------------------

@pages.get("/lovebank", roles=LOVE_ROLES, nav=True)
def ledger(request: Request, viewer: ViewerDep, household: Annotated[str, Query(max_length=20)] = "") -> Response:
    with work(request) as store:
        points = store[PointsRepository]
        chosen = _household(store, household)
        balances = points.balances()
        addresses = {flat.id: flat.address for flat in store.households.list()}
        entries = points.entries(chosen.id, newest_first=True, limit=ENTRIES_SHOWN) if chosen else []
        balance = points.balance(chosen.id) if chosen else 0
    accounts = sorted(((address, balances[flat_id], flat_id) for flat_id, address in addresses.items()
                       if flat_id in balances), key=lambda row: (-row[1], row[0]))
    return render(request, "lovebank.html", tab="ledger", household=household.strip(), chosen=chosen,
                  entries=entries, balance=balance, accounts=accounts, kinds=HAND_KINDS,
                  idempotency_key=uuid.uuid4().hex, missing=bool(household.strip()) and chosen is None)


@pages.post("/lovebank/points", roles=LOVE_ROLES)
def add_entry(request: Request, viewer: ViewerDep, household_id: Annotated[str, Form(max_length=12)] = "",
              delta: Annotated[str, Form(max_length=12)] = "", reason: Annotated[str, Form(max_length=400)] = "",
              kind: Annotated[str, Form(max_length=16)] = "correction",
              idempotency_key: Annotated[str, Form(pattern=KEY)] = "") -> Response:
    """One entry on a household's ledger, as ``POST /api/points`` adds it (once per form shown)."""
    if kind not in HAND_KINDS:
        return redirect("/lovebank", household=household_id, error="kind")
    try:
        body = PointsIn(household_id=household_id, delta=delta, reason=reason, kind=kind)
    except ValidationError as wrong:
        return redirect("/lovebank", household=household_id, error=_field(wrong))
    key = f"console-{idempotency_key or uuid.uuid4().hex}"

    def post(store: Store) -> int:
        again = store[PointsRepository].by_key(f"api:{key}") is not None
        posted = add_points(body, store, now(), idempotency_key=key)
        if not again:
            audit(store, request, "points_entry", "household", body.household_id,
                  detail=f"{body.delta:+d} {body.reason}")
        return posted.balance

    balance, refused = attempt(request, post)
    if refused is not None:
        return redirect("/lovebank", household=household_id,
                        error=_refusal_code(refused.status_code, refused.body.get("field")),
                        balance=refused.body.get("balance"))
    return redirect("/lovebank", household=body.household_id, done="entry", balance=balance)


# --- pledges --------------------------------------------------------------------------------------

def _donations_on(request: Request) -> None:
    if not flow_enabled(runtime_of(request), "donations"):
        raise ConsoleError(404, "not_found")


@pages.get("/lovebank/donations", roles=LOVE_ROLES)
def donations(request: Request, viewer: ViewerDep,
              status: Annotated[str, Query(pattern="^(pending|confirmed|declined|all)?$")] = "pending") -> Response:
    _donations_on(request)
    status = status or "pending"
    with work(request) as store:
        pledges = store[DonationRepository].find(None if status == "all" else status)
        addresses = {flat.id: flat.address for flat in store.households.list()}
    listed = {pledge.id: (pledge.donor_name if pledge.display == "full" else masked_name(pledge.donor_name))
              for pledge in pledges if pledge.display != "none"}
    return render(request, "lovebank.html", tab="donations", pledges=list(reversed(pledges)), status=status,
                  addresses=addresses, listed=listed)


@pages.post("/lovebank/donations/{donation_id}/confirm", roles=LOVE_ROLES)
def confirm(request: Request, viewer: ViewerDep, donation_id: int, points: Annotated[str, Form(max_length=12)] = "",
            text: Annotated[str, Form(max_length=400)] = "") -> Response:
    """``POST /api/donations/{id}/confirm``: the points once, the donor thanked once."""
    _donations_on(request)
    try:
        body = ConfirmIn(points=points, text=text or None)
    except ValidationError as wrong:
        return redirect("/lovebank/donations", error=_field(wrong), donation=donation_id)
    runtime = runtime_of(request)
    return _decide(request, donation_id, "donation_confirm", "confirmed", f"{body.points}",
                   lambda store: api_confirm(donation_id, body, store, now(), runtime))


@pages.post("/lovebank/donations/{donation_id}/decline", roles=LOVE_ROLES)
def decline(request: Request, viewer: ViewerDep, donation_id: int,
            reason: Annotated[str, Form(max_length=400)] = "") -> Response:
    """``POST /api/donations/{id}/decline``: the donor is told, politely, once."""
    _donations_on(request)
    try:
        body = DeclineIn(reason=reason or None)
    except ValidationError as wrong:
        return redirect("/lovebank/donations", error=_field(wrong), donation=donation_id)
    runtime = runtime_of(request)
    return _decide(request, donation_id, "donation_decline", "declined", body.reason or "",
                   lambda store: api_decline(donation_id, store, now(), runtime, body))


def _decide(request: Request, donation_id: int, action: str, done: str, detail: str,
            apply: Callable[[Store], object]) -> Response:
    """Confirm or decline a pledge through the staff API's own function; audited only when it
    was still pending (a second click changes nothing and is not logged again)."""

    def decide(store: Store) -> None:
        found = store[DonationRepository].get(donation_id)
        was_pending = found is not None and found.status == "pending"
        apply(store)
        if was_pending:
            audit(store, request, action, "donation", donation_id, detail=detail)

    _, refused = attempt(request, decide)
    if refused is not None:
        return redirect("/lovebank/donations", donation=donation_id,
                        error=_refusal_code(refused.status_code, refused.body.get("field")))
    return redirect("/lovebank/donations", done=done, donation=donation_id)


# --- rewards --------------------------------------------------------------------------------------

@pages.get("/lovebank/rewards", roles=LOVE_ROLES)
def rewards(request: Request, viewer: ViewerDep) -> Response:
    with work(request) as store:
        catalogue = store[RewardRepository].all()
    return render(request, "lovebank.html", tab="rewards", rewards=catalogue, idempotency_key=uuid.uuid4().hex)


@pages.post("/lovebank/rewards", roles=LOVE_ROLES)
def add_reward(request: Request, viewer: ViewerDep, name: Annotated[str, Form(max_length=120)] = "",
               points: Annotated[str, Form(max_length=12)] = "", stock: Annotated[str, Form(max_length=12)] = "",
               idempotency_key: Annotated[str, Form(pattern=KEY)] = "") -> Response:
    """``POST /api/rewards``: created once per form shown."""
    try:
        body = RewardIn(name=name, points=points, stock=stock)
    except ValidationError as wrong:
        return redirect("/lovebank/rewards", error=_field(wrong))
    key = f"console-{idempotency_key or uuid.uuid4().hex}"

    def add(store: Store) -> int:
        made = create_reward(body, store, now(), idempotency_key=key)
        if not any(entry.action == "reward_create" for entry in store[AuditRepository].of("reward", made.id)):
            audit(store, request, "reward_create", "reward", made.id,
                  detail=f"{body.name} {body.points} / {body.stock}")
        return made.id

    reward_id, _ = attempt(request, add)
    return redirect("/lovebank/rewards", done="created", reward=reward_id)


@pages.post("/lovebank/rewards/{reward_id}", roles=LOVE_ROLES)
def change(request: Request, viewer: ViewerDep, reward_id: int, points: Annotated[str, Form(max_length=12)] = "",
           stock: Annotated[str, Form(max_length=12)] = "",
           active: Annotated[str, Form(pattern="^(yes|no)?$")] = "") -> Response:
    """``PATCH /api/rewards/{id}``: a new price or stock, or offered / taken off the catalogue."""
    fields: dict[str, object] = {}
    if points.strip():
        fields["points"] = points
    if stock.strip():
        fields["stock"] = stock
    if active:
        fields["active"] = active == "yes"
    try:
        patch = RewardPatch(**fields)
    except ValidationError as wrong:
        return redirect("/lovebank/rewards", error=_field(wrong), reward=reward_id)
    if not fields:
        return redirect("/lovebank/rewards", reward=reward_id)

    def apply(store: Store) -> None:
        changed = change_reward(reward_id, patch, store, now())
        audit(store, request, "reward_change", "reward", reward_id,
              detail=f"{changed.points} / {changed.stock} {'on' if changed.active else 'off'}")

    _, refused = attempt(request, apply)
    if refused is not None:
        return redirect("/lovebank/rewards", error="not_found", reward=reward_id)
    return redirect("/lovebank/rewards", done="saved", reward=reward_id)


# --- redemptions ----------------------------------------------------------------------------------

@pages.get("/lovebank/redemptions", roles=LOVE_ROLES)
def redemptions(request: Request, viewer: ViewerDep,
                status: Annotated[str, Query(pattern="^(pending|collected|cancelled|all)?$")] = "pending") -> Response:
    status = status or "pending"
    with work(request) as store:
        rows = store[RewardRepository].redemptions(None if status == "all" else status)
        addresses = {flat.id: flat.address for flat in store.households.list()}
    return render(request, "lovebank.html", tab="redemptions", redemptions=list(reversed(rows)), status=status,
                  addresses=addresses)


@pages.post("/lovebank/redemptions/collect", roles=LOVE_ROLES)
def collect_by_code(request: Request, viewer: ViewerDep, code: Annotated[str, Form(max_length=20)] = "") -> Response:
    """The resident shows their pickup code at the desk."""
    code = code.strip()
    with work(request) as store:
        found = store[RewardRepository].by_code(code) if code.isdigit() else None
    if found is None:
        return redirect("/lovebank/redemptions", error="code", code=code)
    return _collect(request, found.id)


@pages.post("/lovebank/redemptions/{redemption_id}/collect", roles=LOVE_ROLES)
def collect(request: Request, viewer: ViewerDep, redemption_id: int) -> Response:
    return _collect(request, redemption_id)


def _collect(request: Request, redemption_id: int) -> Response:
    """``POST /api/redemptions/{id}/collect``: collecting twice changes nothing."""

    def hand_over(store: Store) -> tuple[str, str]:
        before = store[RewardRepository].redemption(redemption_id)
        was_pending = before is not None and before.status == "pending"
        collected = api_collect(redemption_id, store, now())
        if before is not None and was_pending:
            audit(store, request, "redemption_collect", "redemption", redemption_id,
                  detail=f"{collected.code} {before.reward_name}")
        return collected.code, before.reward_name if before else ""

    done, refused = attempt(request, hand_over)
    if refused is not None:
        return redirect("/lovebank/redemptions", redemption=redemption_id,
                        error=_refusal_code(refused.status_code, refused.body.get("field")))
    assert done is not None
    return redirect("/lovebank/redemptions", done="collected", code=done[0], reward=done[1])


@pages.post("/lovebank/redemptions/{redemption_id}/cancel", roles=LOVE_ROLES)
def cancel(request: Request, viewer: ViewerDep, redemption_id: int) -> Response:
    """``POST /api/redemptions/{id}/cancel``: the piece back to stock, the points back, the resident told."""
    runtime = runtime_of(request)

    def call_off(store: Store) -> None:
        before = store[RewardRepository].redemption(redemption_id)
        was_pending = before is not None and before.status == "pending"
        api_cancel(redemption_id, store, now(), runtime)
        if before is not None and was_pending:
            audit(store, request, "redemption_cancel", "redemption", redemption_id,
                  detail=f"{before.code} {before.reward_name}")

    _, refused = attempt(request, call_off)
    if refused is not None:
        return redirect("/lovebank/redemptions", redemption=redemption_id,
                        error=_refusal_code(refused.status_code, refused.body.get("field")))
    return redirect("/lovebank/redemptions", done="cancelled", redemption=redemption_id)
