"""The board's housekeeping: expiring old posts, the demo posts, and forgetting a person."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from actions.board import flow
from bot.dialogue import Context
from bot.jobs import JobContext
from nlu.yamlio import safe_load
from store import Store
from store.board import BoardRepository

DEMO_FILE = Path(__file__).with_name("demo.yml")
DEMO_ZONE = ZoneInfo("Asia/Shanghai")
DEMO_DAYS = 30


@flow.job("board_expiry", "cron", hour=3, minute=30)
def expire_posts(jobs: JobContext) -> int:
    """Take posts past their days off the board; returns how many."""
    with jobs.store() as store:
        return store[BoardRepository].expire(jobs.now)


@flow.demo
def demo_posts(store: Store, today: date) -> int:
    """Published and pending posts of several kinds (each once: keyed like a message)."""
    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    repo = store[BoardRepository]
    added = 0
    for number, entry in enumerate(data["posts"], start=1):
        household = store.households.at_label(str(entry["address"]))
        if household is None:
            continue
        posted = datetime.combine(today - timedelta(days=int(entry["days"])), time(10), tzinfo=DEMO_ZONE)
        post, created = repo.create(None, household.id, str(entry["kind"]), str(entry["text"]),
                                    str(entry.get("contact") or ""), key=f"demo:post:{number}", now=posted)
        if not created:
            continue
        if entry["status"] == "published":
            repo.publish(post, posted + timedelta(hours=2), DEMO_DAYS)
            post.likes = int(entry.get("likes", 0))
        added += 1
    return added


@flow.forget
def forget_posts(store: Store, openid: str, now: datetime) -> None:
    """Their posts come off the board without their name or contact; likes they gave stay counted."""
    store[BoardRepository].forget(openid, now)


@flow.describe
def describe_posts(ctx: Context) -> list[str]:
    posts = ctx.store[BoardRepository].live_of(ctx.resident.openid)
    return [ctx.say("board.describe", count=len(posts))] if posts else []
