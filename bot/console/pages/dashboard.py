"""The dashboard: what waits for staff, and repairs by category and week (an HTML bar chart)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import EVERY_ROLE, Pages, ViewerDep, flow_enabled, runtime_of
from bot.console.overdue import accept_within, is_overdue
from bot.console.web import redirect, render, timezone_of, work
from bot.dialogue.responses import Responses
from store.bills import BillRepository
from store.clock import utcnow
from store.events import EventRepository
from store.repairs import OPEN_STATUSES, RepairRepository, RepairTicket

pages = Pages("dashboard", order=10)
WEEKS = 8


@dataclass(frozen=True)
class ChartRow:
    category: str
    label: str
    per_week: list[int]
    total: int


@pages.get("", roles=EVERY_ROLE)
def home(viewer: ViewerDep) -> Response:
    return redirect("/dashboard")


@pages.get("/dashboard", roles=EVERY_ROLE, nav=True)
def dashboard(request: Request, viewer: ViewerDep) -> Response:
    runtime = runtime_of(request)
    now, zone = utcnow(), timezone_of(request)
    today = now.astimezone(zone).date()
    counts: dict[str, int] = {}
    weeks = [today - timedelta(days=today.weekday() + 7 * back) for back in range(WEEKS - 1, -1, -1)]
    chart: list[ChartRow] = []
    with work(request) as store:
        counts["open_cases"] = len(store.escalations.open_cases(limit=10_000))
        if flow_enabled(runtime, "repair"):
            tickets = store[RepairRepository].list()
            limit = accept_within(runtime)
            counts["open_repairs"] = sum(ticket.status in OPEN_STATUSES for ticket in tickets)
            counts["overdue_repairs"] = sum(is_overdue(ticket, now, limit) for ticket in tickets)
            chart = _chart(tickets, weeks, zone, runtime.responses)
        if flow_enabled(runtime, "bills"):
            counts["unpaid_bills"] = len(store[BillRepository].list(paid=False))
        if flow_enabled(runtime, "events"):
            counts["upcoming_events"] = len(store[EventRepository].upcoming(now))
    peak = max((n for row in chart for n in row.per_week), default=0)
    return render(request, "dashboard.html", counts=counts, chart=chart, weeks=weeks, peak=peak)


def _chart(tickets: list[RepairTicket], weeks: list[date], zone: tzinfo, responses: Responses) -> list[ChartRow]:
    first = weeks[0]
    counted: Counter[tuple[str, int]] = Counter()
    for ticket in tickets:
        day = ticket.created_at.astimezone(zone).date()
        if day < first:
            continue
        counted[(ticket.category, (day - first).days // 7)] += 1
    rows = []
    for category in sorted({category for category, _ in counted}):
        per_week = [counted[(category, week)] for week in range(len(weeks))]
        key = f"repair.categories.{category}"
        label = responses.text(key) if responses.has(key) else category
        rows.append(ChartRow(category, label, per_week, sum(per_week)))
    return sorted(rows, key=lambda row: -row.total)
