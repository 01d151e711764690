"""The demo community's property services: tickets in every state, notices of every kind,
published suggestions and scores — loaded once, and never on the flats the tests bind."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo import seed_community
from store import Store
from store.announcements import KINDS, AnnouncementRepository
from store.complaints import ComplaintRepository
from store.db import make_engine, make_sessionmaker, migrate, transaction
from store.ratings import RatingRepository
from store.repairs import STATUSES, RepairRepository

#: Flats the tests and the conversation suite bind: the demo leaves them alone.
TEST_FLATS = {"3-502", "5-1-301"}


def test_the_demo_has_each_state_and_kind_once_and_spares_the_test_flats(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        assert seed_community(Store(session), date(2026, 3, 15)) > 0
    with transaction(factory) as session:
        assert seed_community(Store(session), date(2026, 3, 15)) == 0
    with transaction(factory) as session:
        store = Store(session)
        tickets = store[RepairRepository].list()
        flats = {store.households.get(t.household_id).address for t in tickets if t.household_id}  # type: ignore[union-attr]
        assert {t.status for t in tickets} == set(STATUSES)
        assert any(t.rating for t in tickets) and not flats & TEST_FLATS
        assert {a.kind for a in store[AnnouncementRepository].latest()} == set(KINDS)
        assert len(store[ComplaintRepository].published()) >= 2
        complaint_flats = {c.household_id for c in store[ComplaintRepository].list()}
        assert not {store.households.get(h).address for h in complaint_flats if h} & TEST_FLATS  # type: ignore[union-attr]
        assert len(store[RatingRepository].monthly(ZoneInfo("Asia/Shanghai"))) >= 2
    engine.dispose()
