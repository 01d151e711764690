"""The donations' demo pledges, forgetting a donor, and what is kept about a resident."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from actions.donations import flow
from actions.donations.pledge import kind_of
from bot.dialogue import Context
from nlu.yamlio import safe_load
from store import Store
from store.account import anonymous_token
from store.donations import DonationRepository
from store.points import PointsRepository

DEMO_FILE = Path(__file__).with_name("demo.yml")
DEMO_ZONE = ZoneInfo("Asia/Shanghai")


@flow.demo
def demo_donations(store: Store, today: date) -> int:
    """Pledges of demo households in each state (never 3-502 or 5-1-301, which newcomers try
    first); the confirmed ones with their points, once."""
    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    repo = store[DonationRepository]
    added = 0
    for number, entry in enumerate(data["donations"], start=1):
        household = store.households.at_label(str(entry["address"]))
        if household is None:
            continue
        made = datetime.combine(today - timedelta(days=int(entry["days"])), time(10), tzinfo=DEMO_ZONE)
        description = str(entry["description"])
        donation, created = repo.pledge(openid="", household_id=household.id, donor_name=str(entry["member"]),
                                        description=description, kind=kind_of(description),
                                        display=str(entry["display"]), key=f"demo:donation:{number}", now=made)
        if not created:
            continue
        added += 1
        decided = made + timedelta(days=1)
        if entry["status"] == "confirmed":
            points = int(entry["points"])
            repo.confirm(donation, points, str(entry["text"]), decided)
            store[PointsRepository].post(household.id, points, str(entry["reason"]), kind="donation",
                                         key=f"donation:{donation.id}", now=decided)
        elif entry["status"] == "declined":
            repo.decline(donation, entry.get("decline_reason"), decided)
    return added


@flow.forget
def forget_donor(store: Store, openid: str, now: datetime) -> None:
    """Donations stay the community's records (and their points the household's); the donor's
    WeChat, name on the thank-you list and photo go."""
    store[DonationRepository].forget(openid, anonymous_token())


@flow.describe
def describe_donations(ctx: Context) -> list[str]:
    mine = ctx.store[DonationRepository].of_openid(ctx.resident.openid)
    if not mine:
        return []
    waiting = sum(1 for d in mine if d.status == "pending")
    return [ctx.say("donations.describe", count=len(mine), pending=waiting)]
