"""`/api/ratings`: staff read every score and each month's count and average — months counted in
the community's time zone, from residents' own scores and those given after a repair."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from store.ratings import NewRating, RatingRepository

MONTH_FIELDS = {"month", "count", "average", "scores"}


def rate(store_of: Callable, key: str, score: int, when: datetime, source: str = "service",
         comment: str | None = None) -> None:
    with store_of() as store:
        store[RatingRepository].record(NewRating(f"o_{key}", score, comment=comment, source=source),
                                       source_key=key, now=when)


@pytest.fixture
def scored(store_of: Callable) -> None:
    rate(store_of, "a", 5, datetime(2026, 2, 10, 3, tzinfo=UTC))
    rate(store_of, "b", 2, datetime(2026, 2, 28, 15, 59, tzinfo=UTC))       # 23:59 in Shanghai: February
    rate(store_of, "c", 4, datetime(2026, 2, 28, 16, 30, tzinfo=UTC))       # 00:30 on 1 March in Shanghai
    rate(store_of, "d", 5, datetime(2026, 3, 5, 2, tzinfo=UTC), source="repair", comment="师傅很准时")


def test_monthly_averages_newest_month_first(api: TestClient, scored: None) -> None:
    response = api.get("/api/ratings/monthly")
    assert response.status_code == 200 and isinstance(response.json(), list)
    march, february = response.json()
    assert set(march) == MONTH_FIELDS
    assert (march["month"], march["count"], march["average"]) == ("2026-03", 2, 4.5)
    assert (february["month"], february["count"], february["average"]) == ("2026-02", 2, 3.5)
    assert february["scores"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    only_repairs = api.get("/api/ratings/monthly?source=repair").json()
    assert [(m["month"], m["count"], m["average"]) for m in only_repairs] == [("2026-03", 1, 5.0)]


def test_one_month_even_without_scores(api: TestClient, scored: None) -> None:
    assert api.get("/api/ratings/monthly/2026-03").json()["average"] == 4.5
    empty = api.get("/api/ratings/monthly/2025-12").json()
    assert (empty["month"], empty["count"], empty["average"]) == ("2025-12", 0, None)


def test_each_score_is_listed_and_can_be_kept_to_one_month(api: TestClient, scored: None) -> None:
    every = api.get("/api/ratings").json()
    assert [r["score"] for r in every] == [5, 4, 2, 5]  # newest first
    assert set(every[0]) == {"id", "openid", "household_id", "score", "comment", "source", "ticket_id", "created_at"}
    assert (every[0]["source"], every[0]["comment"]) == ("repair", "师傅很准时")
    assert [r["openid"] for r in api.get("/api/ratings?month=2026-03").json()] == ["o_d", "o_c"]
    assert len(api.get("/api/ratings?month=").json()) == 4


@pytest.mark.parametrize("path", ["/api/ratings?month=2026-13", "/api/ratings/monthly/2026-13",
                                  "/api/ratings/monthly/march", "/api/ratings?month=x"])
def test_a_wrong_month_is_422_naming_it(api: TestClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 422 and response.json()["field"] == "month"


def test_a_wrong_source_is_422_and_the_token_is_required(api: TestClient, client: TestClient) -> None:
    wrong = api.get("/api/ratings/monthly?source=gossip")
    assert wrong.status_code == 422 and wrong.json()["field"] == "source"
    client.headers.pop("Authorization")
    assert client.get("/api/ratings/monthly").status_code == 401
