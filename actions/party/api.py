"""`/api/party-fees`: staff record what each party member owes per month, and payments taken at
the party office.

Shapes (SPEC §6): ``POST /api/party-fees`` ``{"household_id","member_name","period","amount","paid"}``
→ ``{"id"}`` (422 naming the field — a member not on that household's roster is ``member_name``;
404 for an unknown household; 409 for a month already recorded); ``GET /api/party-fees?household_id=``
→ an array. Amounts are yuan in JSON and whole fen in the database.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy.exc import IntegrityError

from actions.party import flow
from bot.api.deps import NowDep, StoreDep, not_found
from bot.api.errors import conflict, invalid
from bot.api.schemas import Amount, ApiModel, Created, ErrorBody, Month, PersonName, Timestamp, blank_is_none
from store.bills import fen_to_yuan, yuan_to_fen
from store.party_fees import PartyFee, PartyFeeRepository

_RESPONSES: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no such household"},
                                               409: {"model": ErrorBody, "description": "that month is recorded"}}


def _whole(value: Any) -> Any:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("应为整数")
    return value


def _more_than_zero(value: Any) -> Any:
    if value <= 0:
        raise ValueError("应大于 0")
    return value


class PartyFeeIn(ApiModel):
    household_id: Annotated[int, BeforeValidator(_whole), Field(ge=1)]
    member_name: PersonName = Field(description="a party member of that household, as on the roster")
    period: Month
    amount: Annotated[Amount, AfterValidator(_more_than_zero)] = Field(description="yuan, at most two decimals")
    paid: bool = False


class PartyFeePatch(ApiModel):
    paid: bool


class PartyFeeOut(ApiModel):
    id: int
    household_id: int
    member_name: str
    period: str
    amount: float = Field(description="yuan")
    paid: bool
    paid_at: Timestamp | None
    paid_via: str | None = Field(description="office or wechat; null while unpaid")
    created_at: Timestamp


def _out(fee: PartyFee) -> PartyFeeOut:
    return PartyFeeOut(id=fee.id, household_id=fee.household_id, member_name=fee.member_name, period=fee.period,
                       amount=float(fen_to_yuan(fee.amount_fen)), paid=fee.paid, paid_at=fee.paid_at,
                       paid_via=fee.paid_via, created_at=fee.created_at)


@flow.api.post("/party-fees", status_code=201, tags=["party"], responses=_RESPONSES)
def create_fee(body: PartyFeeIn, store: StoreDep, now: NowDep) -> Created:
    """Record one member's fee for one month (paid at the office already, or not)."""
    household = store.households.get(body.household_id)
    if household is None:
        not_found("household", body.household_id)
    if body.member_name not in {member.name for member in household.members}:
        invalid("member_name", f"不在住户 {household.id}（{household.address}）的名册上")
    repo = store[PartyFeeRepository]
    taken = f"{body.member_name} of household {household.id} has a party fee for {body.period} already"
    if repo.find(household.id, body.member_name, body.period) is not None:
        conflict("period", taken)
    try:
        fee = repo.add(household.id, body.member_name, body.period, yuan_to_fen(body.amount), now, paid=body.paid)
    except IntegrityError:  # the same month, added by another request a moment ago
        conflict("period", taken)
    return Created(id=fee.id)


@flow.api.get("/party-fees", tags=["party"], responses={404: {"model": ErrorBody}})
def list_fees(store: StoreDep,
              household_id: Annotated[int | None, BeforeValidator(blank_is_none), Query()] = None) -> list[PartyFeeOut]:
    """Fees in the order they were added, of one household when asked."""
    if household_id is not None and store.households.get(household_id) is None:
        not_found("household", household_id)
    return [_out(fee) for fee in store[PartyFeeRepository].find_all(household_id)]


@flow.api.patch("/party-fees/{fee_id}", tags=["party"], responses={404: {"model": ErrorBody}})
def change_fee(fee_id: int, body: PartyFeePatch, store: StoreDep, now: NowDep) -> PartyFeeOut:
    """Record a payment taken at the party office (or undo one recorded by mistake)."""
    repo = store[PartyFeeRepository]
    fee = repo.get(fee_id, for_update=True)
    if fee is None:
        not_found("party fee", fee_id)
    if body.paid:
        repo.mark_paid(fee, now, "office")
    elif fee.paid_via == "wechat":
        conflict("paid", f"party fee {fee_id} was paid through WeChat Pay")
    else:
        repo.mark_unpaid(fee)
    return _out(fee)

