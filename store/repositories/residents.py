"""Residents: openids, their household binding and their customer-service window."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Household, Member, Resident
from store.repositories._by_key import ByKey
from store.repositories._sql import insert_ignoring_conflicts

_REFRESH = timedelta(minutes=1)
_BY_OPENID = ByKey(Resident)  # every message loads its resident


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
        return self.get_or_add(openid, now)[0]

    def get_or_add(self, openid: str, now: datetime, *, writing: bool = False) -> tuple[Resident, bool]:
        """The resident, written first if new; True when this call wrote them. ``writing``: they
        are writing to us now, so a new resident is written with their customer-service window
        already open (nothing else to record for them, nothing held for them to release)."""
        resident = self._load(openid)
        if resident is not None:
            return resident, False
        values: dict[str, object] = {"openid": openid, "first_seen_at": now, "subscribed": True, "window_sends": 0,
                                     "bind_failures": 0}
        if writing:
            values["last_inbound_at"] = now
        added = insert_ignoring_conflicts(self.session, Resident.__table__, values)  # type: ignore[arg-type]
        resident = self._load(openid)
        assert resident is not None
        return resident, added

    def _load(self, openid: str) -> Resident | None:
        """As ``Session.get``: the one already in this unit of work, else the stored one."""
        return _BY_OPENID.get(self.session, openid)

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
