"""The demo community's repair tickets: one in every state, so that a newcomer sees the
staff API (``GET /api/repairs``) and the lifecycle at once. They belong to demo households
nobody binds in the tests or the conversation suite (not 3-502 or 5-1-301)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from actions.repair import flow
from store import Store
from store.ratings import NewRating, RatingRepository
from store.repairs import NewTicket, RepairRepository

#: (flat, category, location, description, days ago, status, worker, rating, comment)
_TICKETS = (
    (("1", "101", ""), "lighting", "1号楼2楼楼道", "楼道灯不亮了，晚上上楼看不见", 1, "pending", None, None, None),
    (("2", "301", ""), "drain_blocked", "2-301", "卫生间下水道堵了，水下不去", 2, "assigned", "王师傅", None, None),
    (("3", "602", ""), "door_window", "3号楼单元门", "单元门门禁刷卡没反应", 3, "in_progress", "李师傅", None, None),
    (("1", "202", ""), "electrical", "1-202", "客厅插座没电", 4, "done", "李师傅", None, None),
    (("7", "1102", ""), "water_leak", "7-1102", "厨房水龙头一直滴水", 6, "done", "王师傅", 5, "师傅很准时，修得很好"),
    (("5", "301", "2"), "elevator", "5号楼2单元电梯", "电梯按钮失灵", 8, "cancelled", None, None, None),
)


@flow.demo
def demo_tickets(store: Store, today: date) -> int:
    repairs = store[RepairRepository]
    added = 0
    for number, (flat, category, location, description, days, status, worker, rating, comment) in enumerate(
            _TICKETS, start=1):
        household = store.households.at_address(flat[0], flat[1], flat[2])
        if household is None:
            continue
        member = household.members[0] if household.members else None
        when = datetime.combine(today - timedelta(days=days), time(1, 30), tzinfo=UTC)
        new = NewTicket(openid=f"demo_{household.address}", household_id=household.id, category=category,
                        location=location, description=description, phone=member.phone if member else "")
        ticket, created = repairs.open_ticket(new, source_key=f"demo:repair:{number}", now=when)
        if not created:
            continue
        added += 1
        later = when + timedelta(hours=3)
        if status != "pending":
            repairs.assign(ticket, worker, later)
            repairs.set_status(ticket, status, later)
        if rating is not None:
            repairs.rate(ticket, rating, comment, later)
            store[RatingRepository].record(
                NewRating(ticket.openid, rating, household_id=household.id, comment=comment, source="repair",
                          ticket_id=ticket.id), source_key=f"repair:{ticket.id}", now=later)
    return added
