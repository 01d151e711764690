"""The party flow's demo fees, and what it tells a member it keeps."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from actions.bills.reading import shift_month, this_month
from actions.party import flow
from actions.party.fees import unpaid_of
from bot.dialogue import Context
from nlu.yamlio import safe_load
from store import Store
from store.bills import yuan_to_fen
from store.clock import utcnow
from store.party_fees import PartyFeeRepository

DEMO_FILE = Path(__file__).with_name("demo.yml")


@flow.demo
def demo_party_fees(store: Store, today: date) -> int:
    """A few months of fees, paid and unpaid, for the demo party members (each month once)."""
    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    repo = store[PartyFeeRepository]
    added = 0
    for entry in data["party_fees"]:
        household = store.households.at_label(str(entry["address"]))
        if household is None:
            continue
        member, period = str(entry["member"]), shift_month(this_month(today), -int(entry["months_ago"]))
        if repo.find(household.id, member, period) is not None:
            continue
        repo.add(household.id, member, period, yuan_to_fen(Decimal(str(entry["amount"]))), utcnow(),
                 paid=bool(entry["paid"]))
        added += 1
    return added


@flow.describe
def describe_fees(ctx: Context) -> list[str]:
    """A member's unpaid months (the fees are the party's records of them)."""
    household, member = ctx.household, ctx.member
    if household is None or member is None or not member.party_member:
        return []
    unpaid = unpaid_of(ctx.store, household.id, member.name)
    return [ctx.say("party.describe", count=len(unpaid))] if unpaid else []
