"""The demo community's bills: several kinds of fee over the last three months, some paid, some
unpaid, some overdue, dated from the day the demo is loaded (a bill for a month is due on the
20th of the month after). Try ``绑定 3-502 张三 1234`` then ``我欠费吗``."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from actions.bills import flow
from actions.bills.reading import shift_month, this_month
from store import Store
from store.bills import BillRepository

#: flat → [(months back, fee, fen, paid)]
DEMO_BILLS: dict[tuple[str, str, str], list[tuple[int, str, int, bool]]] = {
    ("3", "", "502"): [
        (3, "物业费", 35000, True), (3, "水费", 6230, True), (3, "电费", 14250, True),
        (2, "物业费", 35000, True), (2, "水费", 5810, False), (2, "电费", 16080, True),
        (1, "物业费", 35000, False), (1, "水费", 6640, False), (1, "电费", 13720, False), (1, "燃气费", 4500, False),
    ],
    ("5", "1", "301"): [
        (2, "物业费", 42000, True), (2, "停车费", 30000, True),
        (1, "物业费", 42000, False), (1, "停车费", 30000, True),
    ],
    ("1", "", "101"): [
        (2, "物业费", 28000, True), (2, "水费", 4820, True),
        (1, "物业费", 28000, True), (1, "水费", 5130, True),
    ],
    ("7", "", "1102"): [
        (3, "燃气费", 8870, False), (2, "燃气费", 9340, False),
        (1, "物业费", 39000, False), (1, "电费", 21060, False),
    ],
}


@flow.demo
def demo_bills(store: Store, today: date) -> int:
    """Add the demo bills that are not there yet; returns how many were added."""
    repo = store[BillRepository]
    now = datetime.combine(today, time(9), UTC)
    added = 0
    for (building, unit, room), bills in DEMO_BILLS.items():
        household = store.households.at_address(building, room, unit)
        if household is None:
            continue
        for back, bill_type, fen, paid in bills:
            period = shift_month(this_month(today), -back)
            if repo.find(household.id, period, bill_type) is not None:
                continue
            after = shift_month(period, 1)
            due = date(int(after[:4]), int(after[5:]), 20)
            repo.add(household.id, period, bill_type, fen, due, now, paid=paid)
            added += 1
    return added
