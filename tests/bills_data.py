"""Households and bills a bills test needs, seeded through the repositories (never demo data),
and the dates those tests speak of, relative to the community's today."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from actions.bills.reading import shift_month, this_month
from store.bills import BillRepository
from store.clock import utcnow
from store.repositories.households import NewMember

ZONE = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return utcnow().astimezone(ZONE).date()


def month(offset: int = 0) -> str:
    """This month (0), last month (-1) … as ``YYYY-MM``."""
    return shift_month(this_month(today()), offset)


def label(period: str) -> str:
    """How replies name a month: 10月 this year, 2025年12月 otherwise."""
    year, number = (int(part) for part in period.split("-"))
    return f"{number}月" if year == today().year else f"{year}年{number}月"


def household(store_of: Callable[[], Any], building: str, room: str, name: str = "王小明",
              phone: str = "13900001234", unit: str = "", others: tuple[tuple[str, str], ...] = ()) -> int:
    """A flat on the roster: ``name`` with ``phone``, and ``others`` (name, phone) living there too."""
    members = [NewMember(name, phone), *(NewMember(other, number) for other, number in others)]
    with store_of() as store:
        return store.households.create(building, room, members, unit=unit).id


def bill(store_of: Callable[[], Any], household_id: int, period: str, bill_type: str, fen: int, *,
         paid: bool = False, due_in_days: int = 10) -> int:
    with store_of() as store:
        return store[BillRepository].add(household_id, period, bill_type, fen, today() + timedelta(days=due_in_days),
                                         utcnow(), paid=paid).id
