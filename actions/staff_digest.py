"""The daily digest to staff: every morning from ``time``, each bound staff member (and each
on-duty openid of config.yml) gets one WeChat message with what is waiting — open cases,
repairs not yet accepted or still in hand, posts and pledges to look at — once a day, however
often the job runs and however many workers run it. Nothing waiting, nothing sent."""
from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock

from bot.dialogue import Flow, FlowSettings
from bot.jobs import JobContext
from store import Store
from store.board import BoardRepository
from store.donations import DonationRepository
from store.repairs import RepairRepository
from store.staff import StaffRepository


class DigestSettings(FlowSettings):
    time: clock = clock(8, 30)        # local time from which the digest goes out
    window_minutes: int = 60          # it is sent only within this window after ``time``


flow: Flow[DigestSettings] = Flow("staff_digest", settings=DigestSettings)


@flow.job("staff_digest", "interval", minutes=10)
def send_digest(jobs: JobContext) -> int:
    """Queue today's digest for every staff member not yet sent it; returns how many were queued."""
    settings = flow.config(jobs)
    local = jobs.now.astimezone(jobs.timezone)
    start = datetime.combine(local.date(), settings.time, tzinfo=jobs.timezone)
    if not start <= local < start + timedelta(minutes=settings.window_minutes):
        return 0
    with jobs.store() as store:
        lines = _waiting(store, jobs)
        if not lines:
            return 0
        text = "\n".join([jobs.say("staff_digest.header", date=f"{local.month}月{local.day}日"), *lines,
                          jobs.say("staff_digest.footer")])
        openids = {m.openid for m in store[StaffRepository].list() if m.active and m.openid}
        openids |= set(jobs.runtime.settings.config.staff.on_duty_openids)
        queued = 0
        for openid in sorted(openids):
            queued += bool(store.outbox.enqueue(openid, "staff_notice", {"content": text}, jobs.now,
                                                dedup_key=f"staff:digest:{local.date().isoformat()}:{openid}"))
    return queued


def _waiting(store: Store, jobs: JobContext) -> list[str]:
    """One line per kind of thing waiting for staff (only the kinds with something waiting)."""
    lines: list[str] = []
    cases = len(store.escalations.list("open"))
    if cases:
        lines.append(jobs.say("staff_digest.cases", count=cases))
    repairs = store[RepairRepository]
    pending, in_hand = len(repairs.list("pending")), len(repairs.list("assigned")) + len(repairs.list("in_progress"))
    if pending or in_hand:
        lines.append(jobs.say("staff_digest.repairs", pending=pending, in_hand=in_hand))
    posts = len(store[BoardRepository].find("pending"))
    if posts:
        lines.append(jobs.say("staff_digest.posts", count=posts))
    pledges = len(store[DonationRepository].find("pending"))
    if pledges:
        lines.append(jobs.say("staff_digest.pledges", count=pledges))
    return lines
