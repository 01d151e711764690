"""Residents: openids, their household binding and their customer-service window."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from store.models import Household, Member, Resident
from store.repositories._prepared import Prepared
from store.repositories._sql import insert_ignoring_conflicts

_REFRESH = timedelta(minutes=1)
# Every message loads its resident: the row is read on the driver (see _prepared) and handed to
# the unit of work as if the ORM had loaded it, at about half the cost of an ORM query.
_COLUMNS = tuple(Resident.__table__.columns)
_NAMES = tuple(column.key for column in _COLUMNS)
_BY_OPENID = Prepared(select(*_COLUMNS).where(Resident.openid == bindparam("openid")))


class ResidentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def bound_counts(self) -> dict[int, int]:
        """How many followers are bound to each household (households with none are left out)."""
        query = (select(Resident.household_id, func.count()).where(Resident.household_id.is_not(None))
                 .group_by(Resident.household_id))
        return {int(household_id or 0): int(count) for household_id, count in self.session.execute(query)}

    def get(self, openid: str) -> Resident | None:
        return self.session.get(Resident, openid)

    def get_or_create(self, openid: str, now: datetime) -> Resident:
        resident = self._load(openid)
        if resident is not None:
            return resident
        insert_ignoring_conflicts(
            self.session,
            Resident.__table__,  # type: ignore[arg-type]
            {"openid": openid, "first_seen_at": now, "subscribed": True, "window_sends": 0, "bind_failures": 0},
        )
        resident = self._load(openid)
        assert resident is not None
        return resident

    def _load(self, openid: str) -> Resident | None:
        """As ``Session.get``: the one already in this unit of work, else the stored one."""
        if identity_key(Resident, openid) in self.session.identity_map:
            return self.session.get(Resident, openid)  # no SQL, unless it was expired
        if self.session.new and self.session.autoflush:  # as a query would: a resident added, not yet written
            self.session.flush()
        rows = _BY_OPENID.rows(self.session.connection(), {"openid": openid})
        if not rows:
            return None
        resident = Resident(**dict(zip(_NAMES, rows[0], strict=True)))
        make_transient_to_detached(resident)  # as loaded: nothing to write, relationships load on use
        self.session.add(resident)
        return resident

    @staticmethod
    def record_inbound(resident: Resident, now: datetime) -> Resident:
        """A message from the resident opens a fresh 48-hour customer-service window. (Within a
        minute of the last one nothing is written: the window is then at most a minute short.)"""
        fresh = resident.last_inbound_at is not None and now - resident.last_inbound_at < _REFRESH
        if fresh and resident.window_sends == 0 and resident.subscribed:
            return resident
        resident.last_inbound_at = now
        resident.window_sends = 0
        resident.subscribed = True
        return resident

    def bind(self, resident: Resident, household: Household, member: Member, now: datetime) -> None:
        resident.household_id = household.id
        resident.member_id = member.id
        resident.bound_at = now
        resident.bind_failures = 0
        resident.bind_failed_at = None

    @staticmethod
    def bind_failures_recently(resident: Resident, now: datetime, window: timedelta) -> int:
        if resident.bind_failed_at is None or now - resident.bind_failed_at > window:
            return 0
        return resident.bind_failures

    def record_bind_failure(self, resident: Resident, now: datetime, window: timedelta) -> int:
        """Count a failed binding attempt; failures older than ``window`` are forgotten."""
        resident.bind_failures = self.bind_failures_recently(resident, now, window) + 1
        resident.bind_failed_at = now
        return resident.bind_failures

    @staticmethod
    def in_customer_service_window(resident: Resident, now: datetime, window: timedelta, quota: int) -> bool:
        """WeChat takes customer-service messages for 48 hours after the resident's last
        message, and only ``quota`` of them in that time."""
        if resident.last_inbound_at is None or now - resident.last_inbound_at > window:
            return False
        return resident.window_sends < quota
