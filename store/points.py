"""The love bank (爱心银行): a points ledger per household.

Every change is an entry — its delta, the reason residents read (捐赠旧衣物 +50), its kind and
the key of what caused it — appended and never edited. The balance lives in one row per
household next to the ledger, and it never goes below zero:

- the account row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one writer in
  at a time) before anything is read, so concurrent debits take turns;
- the change itself is a conditional ``UPDATE … WHERE balance + delta >= 0``, a check that
  cannot race whatever the isolation level, and a CHECK constraint backs it up;
- an entry's ``source_key`` is unique and looked up under the lock, so one source (a message,
  a check-in, a staff request repeated with its Idempotency-Key) never adds twice.

::

    PointsError
    ├── InsufficientPoints   a debit beyond the balance
    └── KeyReused            a source key already used for another household or amount
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.account import anonymous_token
from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import insert_ignoring_conflicts, locks_rows, rows_of_person

#: Why points change: giving, helping, attending, spending, and a staff correction.
KINDS = ("donation", "volunteer", "checkin", "redemption", "correction", "other")
MAX_DELTA = 100_000


class PointsAccount(Base):
    """A household's balance: the sum of its ledger, kept where it can be locked and checked."""

    __tablename__ = "points_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_points_balance_not_negative"),)

    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PointsEntry(Base):
    """One change of a household's points; appended, never edited."""

    __tablename__ = "points_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    #: The resident whose action it was (a redemption), when there is one.
    openid: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PointsError(Exception):
    """A change the ledger refuses."""


class InsufficientPoints(PointsError):
    def __init__(self, balance: int, delta: int) -> None:
        super().__init__(f"a change of {delta} points is more than the balance of {balance}")
        self.balance = balance
        self.delta = delta


class KeyReused(PointsError):
    """The source key was already used for a different change."""


@dataclass(frozen=True, slots=True)
class Posted:
    """What posting a change did: the entry (new, or the one its key already made) and the
    balance after it; ``created`` is False when the key had been used already."""

    entry: PointsEntry
    balance: int
    created: bool


class PointsRepository(Repository):
    def post(self, household_id: int, delta: int, reason: str, *, kind: str, key: str, now: datetime,
             openid: str | None = None) -> Posted:
        """Append one change (once per ``key``); raises InsufficientPoints when a debit would
        take the balance below zero — nothing is written then."""
        if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_DELTA:
            raise ValueError(f"a change is a whole number of points, not zero, at most {MAX_DELTA}")
        if kind not in KINDS:
            raise ValueError(f"unknown kind of points change {kind!r}")
        balance = self._lock(household_id, now)
        existing = self.session.scalars(select(PointsEntry).where(PointsEntry.source_key == key)).first()
        if existing is not None:
            if existing.household_id != household_id or existing.delta != delta:
                raise KeyReused(f"the key {key!r} was used for another change")
            return Posted(existing, balance, False)
        changed = self.session.execute(
            update(PointsAccount)
            .where(PointsAccount.household_id == household_id, PointsAccount.balance + delta >= 0)
            .values(balance=PointsAccount.balance + delta, updated_at=now)
            .returning(PointsAccount.balance)
            .execution_options(synchronize_session=False)).scalar()
        if changed is None:
            raise InsufficientPoints(balance, delta)
        entry = PointsEntry(household_id=household_id, delta=delta, balance_after=int(changed), reason=reason[:200],
                            kind=kind, source_key=key, openid=openid, created_at=now)
        self.session.add(entry)
        self.session.flush()
        return Posted(entry, int(changed), True)

    def _lock(self, household_id: int, now: datetime) -> int:
        """Make sure the account row exists, lock it, and read its balance."""
        insert_ignoring_conflicts(self.session, PointsAccount.__table__,  # type: ignore[arg-type]
                                  {"household_id": household_id, "balance": 0, "updated_at": now})
        query = select(PointsAccount.balance).where(PointsAccount.household_id == household_id)
        if locks_rows(self.session):
            query = query.with_for_update()
        return int(self.session.execute(query).scalar_one())

    def balance(self, household_id: int) -> int:
        found = self.session.scalar(select(PointsAccount.balance).where(PointsAccount.household_id == household_id))
        return int(found or 0)

    def balances(self) -> dict[int, int]:
        """Every household's balance that has an account (for staff's overview)."""
        return {int(household_id): int(balance) for household_id, balance in
                self.session.execute(select(PointsAccount.household_id, PointsAccount.balance))}

    def entries(self, household_id: int, *, newest_first: bool = False, limit: int | None = None) -> list[PointsEntry]:
        """The household's ledger, oldest first (or the newest ``limit`` first)."""
        order = PointsEntry.id.desc() if newest_first else PointsEntry.id
        query = select(PointsEntry).where(PointsEntry.household_id == household_id).order_by(order)
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def by_key(self, key: str) -> PointsEntry | None:
        return self.session.scalars(select(PointsEntry).where(PointsEntry.source_key == key)).first()

    def forget(self, openid: str, token: str | None = None) -> int:
        """The entries keep their points and reasons, without the person who caused them: no
        openid, and ``token`` (a fresh one by default) in its place inside a source key (a
        redemption is keyed on the message that confirmed it)."""
        token = token or anonymous_token()
        rows = rows_of_person(self.session, PointsEntry, openid)
        for row in rows:
            if row.openid == openid:
                row.openid = None
            row.source_key = row.source_key.replace(openid, token)
        return len(rows)


__all__ = ["KINDS", "InsufficientPoints", "KeyReused", "PointsAccount", "PointsEntry", "PointsError",
           "PointsRepository", "Posted"]
