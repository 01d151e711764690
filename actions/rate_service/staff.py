"""`/api/ratings`: what residents scored the property service — each score, and each month's
average (months in the community's time zone) — and the demo community's scores."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import Path, Query
from pydantic import BeforeValidator

from actions.rate_service import flow
from bot.api.deps import RuntimeDep, StoreDep
from bot.api.schemas import ApiModel, Month, Timestamp, blank_is_none, month
from bot.runtime import Runtime
from store import Store
from store.ratings import MonthSummary, NewRating, RatingRepository, ServiceRating, summarise

RatingSource = Literal["service", "repair"]
SourceFilter = Annotated[RatingSource | None, BeforeValidator(blank_is_none),
                         Query(description="service (打分点评) or repair (after a finished repair)")]
MonthFilter = Annotated[Month | None, BeforeValidator(blank_is_none), Query(description="YYYY-MM")]
MonthPath = Annotated[str, BeforeValidator(month), Path(description="YYYY-MM")]


class RatingOut(ApiModel):
    id: int
    openid: str
    household_id: int | None
    score: int
    comment: str | None
    source: RatingSource
    ticket_id: int | None
    created_at: Timestamp


class MonthOut(ApiModel):
    month: str
    count: int
    average: float | None
    scores: dict[str, int]


@flow.api.get("/ratings", tags=["ratings"])
def list_ratings(store: StoreDep, runtime: RuntimeDep, month: MonthFilter = None,
                 source: SourceFilter = None) -> list[RatingOut]:
    """Every score, newest first; ``month`` keeps one month's (in the community's time zone)."""
    zone = _zone(runtime)
    ratings = store[RatingRepository].list(source)
    if month is not None:
        ratings = [r for r in ratings if _month_of(r, zone) == month]
    return [_out(rating) for rating in ratings]


@flow.api.get("/ratings/monthly", tags=["ratings"])
def monthly(store: StoreDep, runtime: RuntimeDep, source: SourceFilter = None) -> list[MonthOut]:
    """The count and average score of every month that has scores, newest month first."""
    return [_month(summary) for summary in store[RatingRepository].monthly(_zone(runtime), source)]


@flow.api.get("/ratings/monthly/{month}", tags=["ratings"])
def one_month(month: MonthPath, store: StoreDep, runtime: RuntimeDep, source: SourceFilter = None) -> MonthOut:
    """One month's count and average (``average`` is null when nobody scored that month)."""
    found = next((s for s in store[RatingRepository].monthly(_zone(runtime), source) if s.month == month), None)
    return _month(found or summarise(month, Counter()))


def _zone(runtime: Runtime) -> ZoneInfo:
    return ZoneInfo(runtime.settings.config.community.timezone)


def _month_of(rating: ServiceRating, zone: ZoneInfo) -> str:
    return rating.created_at.astimezone(zone).strftime("%Y-%m")


def _out(rating: ServiceRating) -> RatingOut:
    return RatingOut(id=rating.id, openid=rating.openid, household_id=rating.household_id, score=rating.score,
                     comment=rating.comment, source=rating.source,
                     ticket_id=rating.ticket_id, created_at=rating.created_at)


def _month(summary: MonthSummary) -> MonthOut:
    return MonthOut(month=summary.month, count=summary.count, average=summary.average,
                    scores={str(score): n for score, n in summary.scores.items()})


# --- the demo community ----------------------------------------------------------------------

#: (days ago, score, comment) — residents scoring the service over the last months.
_DEMO = ((3, 5, "保洁阿姨很负责"), (12, 4, None), (20, 3, "停车管理还要加强"), (35, 5, None), (41, 4, "门卫很热情"),
         (66, 2, "楼道灯坏了很久才修"), (70, 4, None))


@flow.demo
def demo_ratings(store: Store, today: date) -> int:
    """A few months of scores, so the monthly averages have something to show."""
    ratings = store[RatingRepository]
    added = 0
    for number, (days, score, comment) in enumerate(_DEMO, start=1):
        when = datetime.combine(today - timedelta(days=days), time(2, 0), tzinfo=UTC)
        _, created = ratings.record(NewRating(f"demo_rater_{number}", score, comment=comment),
                                    source_key=f"demo:rating:{number}", now=when)
        added += created
    return added
