"""Party fees (党费) for the party office: each member's months by household, a month's fee
recorded (the staff API's ``POST /api/party-fees``: a member on that household's roster, one
fee per member and month) and a payment taken at the office marked paid (``PATCH
/api/party-fees/{id}``). Every change leaves an audit row in its transaction."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.party.api import PartyFeeIn, PartyFeePatch, change_fee, create_fee
from bot.console.access import Pages, ViewerDep, allow
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.bills import fen_to_yuan
from store.party_fees import PartyFeeRepository

pages = Pages("party", flow="party", order=70)
PARTY_ROLES = allow("party")


@pages.get("/party", roles=PARTY_ROLES, nav=True)
def fees(request: Request, viewer: ViewerDep, household_id: Annotated[str, Query(pattern=r"^\d{0,9}$")] = "",
         paid: Annotated[str, Query(pattern="^(yes|no)?$")] = "") -> Response:
    with work(request) as store:
        repo = store[PartyFeeRepository]
        rows = repo.find_all(int(household_id) if household_id else None)
        members = [(household.id, household.address, member.name) for member, household in repo.party_members()]
        addresses = {flat.id: flat.address for flat in store.households.list()}
    if paid:
        rows = [fee for fee in rows if fee.paid == (paid == "yes")]
    rows.sort(key=lambda fee: (fee.household_id, fee.member_name, fee.period))
    flats = sorted({(flat_id, address) for flat_id, address, _ in members})
    unpaid = [fee for fee in rows if not fee.paid]
    return render(request, "party.html", fees=rows, members=members, flats=flats, addresses=addresses,
                  household_id=household_id, paid=paid, yuan=fen_to_yuan, unpaid_count=len(unpaid),
                  unpaid_total=fen_to_yuan(sum(fee.amount_fen for fee in unpaid)))


@pages.post("/party/fees", roles=PARTY_ROLES)
def record(request: Request, viewer: ViewerDep, member: Annotated[str, Form(max_length=80)] = "",
           period: Annotated[str, Form(max_length=10)] = "", amount: Annotated[str, Form(max_length=16)] = "",
           paid: Annotated[str, Form(pattern="^(yes)?$")] = "") -> Response:
    """One member's fee for one month, as ``POST /api/party-fees`` records it."""
    household_id, _, name = member.partition("|")
    try:
        body = PartyFeeIn(household_id=household_id, member_name=name, period=period, amount=amount,
                          paid=paid == "yes")
    except ValidationError as wrong:
        location = wrong.errors()[0].get("loc", ())
        field = str(location[-1]) if location else "member"
        return redirect("/party", error="member" if field in ("household_id", "member_name") else field)

    def add(store: Store) -> int:
        created = create_fee(body, store, now())
        audit(store, request, "party_fee_create", "party_fee", created.id,
              detail=f"{body.member_name} {body.period} {body.amount}{' paid' if body.paid else ''}")
        return created.id

    fee_id, refused = attempt(request, add)
    if refused is not None:
        wrong_field = refused.body.get("field")
        code = "member" if refused.status_code == 404 or wrong_field == "member_name" else str(wrong_field or "refused")
        return redirect("/party", error=code, period=body.period)
    return redirect("/party", done="created", household_id=body.household_id, fee=fee_id)


@pages.post("/party/fees/{fee_id}/paid", roles=PARTY_ROLES)
def mark_paid(request: Request, viewer: ViewerDep, fee_id: int,
              household_id: Annotated[str, Form(pattern=r"^\d{0,9}$")] = "") -> Response:
    """A payment taken at the party office (``PATCH /api/party-fees/{id}`` ``{"paid": true}``)."""

    def pay(store: Store) -> None:
        found = store[PartyFeeRepository].get(fee_id)
        was_unpaid = found is not None and not found.paid
        fee = change_fee(fee_id, PartyFeePatch(paid=True), store, now())
        if was_unpaid:
            audit(store, request, "party_fee_paid", "party_fee", fee_id, detail=f"{fee.member_name} {fee.period}")

    _, refused = attempt(request, pay)
    if refused is not None:
        return redirect("/party", error="not_found", household_id=household_id)
    return redirect("/party", done="paid", household_id=household_id, fee=fee_id)
