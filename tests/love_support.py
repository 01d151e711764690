"""Seeding and reading what the love-bank and party tests need: points, rewards, redemptions,
pledges, party fees — through the repositories, never the demo data."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.clock import utcnow
from store.donations import Donation, DonationRepository
from store.party_fees import PartyFee, PartyFeeRepository
from store.points import PointsRepository
from store.rewards import Redemption, RewardRepository

#: A demo household that is not a party member's (张三, 李梅), and a party member's (李四).
ZHANG = "绑定 3-502 张三 1234"
LI = "绑定 5-1-301 李四 5678"


def give_points(store_of: Callable, household: int, points: int, reason: str = "捐赠旧衣物", *,
                kind: str = "donation", key: str | None = None) -> None:
    with store_of() as store:
        store[PointsRepository].post(household, points, reason, kind=kind, key=key or f"seed:{household}:{reason}",
                                     now=utcnow())


def add_reward(store_of: Callable, name: str, points: int, stock: int = 10, *, active: bool = True) -> int:
    with store_of() as store:
        reward, _ = store[RewardRepository].create(name, points, stock, utcnow(), active=active)
        return reward.id


def ledger(store_of: Callable, household: int) -> tuple[int, list[tuple[int, str]]]:
    with store_of() as store:
        points = store[PointsRepository]
        return points.balance(household), [(e.delta, e.reason) for e in points.entries(household)]


def stock(store_of: Callable, reward: int) -> int:
    with store_of() as store:
        found = store[RewardRepository].get(reward)
        assert found is not None
        return found.stock


def redemptions(store_of: Callable) -> list[Redemption]:
    with store_of() as store:
        return store[RewardRepository].redemptions()


def donations(store_of: Callable) -> list[Donation]:
    with store_of() as store:
        return store[DonationRepository].find()


def confirmed_donation(store_of: Callable, household: int | None, name: str, description: str, display: str,
                       *, key: str, text: str | None = None, openid: str = "") -> int:
    with store_of() as store:
        repo = store[DonationRepository]
        donation, _ = repo.pledge(openid=openid, household_id=household, donor_name=name, description=description,
                                  kind="items", display=display, key=key, now=utcnow())
        repo.confirm(donation, 10, text or description, utcnow())
        return donation.id


def add_fee(store_of: Callable, household: int, member: str, period: str, amount_fen: int, *,
            paid: bool = False) -> int:
    with store_of() as store:
        return store[PartyFeeRepository].add(household, member, period, amount_fen, utcnow(), paid=paid).id


def fee(store_of: Callable, fee_id: int) -> PartyFee:
    with store_of() as store:
        found = store[PartyFeeRepository].get(fee_id)
        assert found is not None
        return found


def pushes(store_of: Callable, openid: str) -> list[str]:
    """The texts queued for ``openid`` outside a reply (thanks, notices, reminders)."""
    with store_of() as store:
        return [str(m.payload.get("content", "")) for m in store.outbox.for_openid(openid) if m.purpose == "push"]


def staff_notices(store_of: Callable, openid: str) -> list[str]:
    with store_of() as store:
        return [str(m.payload.get("content", "")) for m in store.outbox.for_openid(openid)
                if m.purpose == "staff_notice"]


def keys(resident: Any) -> tuple[str, ...]:
    """The response keys of the last reply a tests.talk.Resident got."""
    return tuple(resident.last.keys) if resident.last is not None else ()
