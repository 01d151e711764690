"""爱心换购: the rewards catalogue staff keep, and redemptions of love-bank points for them.

A reward has a price in points and a stock; a redemption takes one piece of stock and the
points together, in one transaction, or neither::

    redeem:  lock the reward row → the source key already used? (then that redemption)
             → active, in stock? → the ledger's debit (locks the household's account and
             refuses to go below zero) → a conditional ``stock - 1 WHERE stock > 0`` → the
             redemption with its pickup code

The reward row is locked first and the points account second — every path here takes them in
that order (a cancellation too), so concurrent redemptions queue instead of deadlocking. A
CHECK keeps the stock from going below zero whatever happens, and the redemption's
``source_key`` (the confirming message) is unique, so a WeChat retry redeems once.

A redemption is ``pending`` until staff hand the reward over (``collected``) or call it off
(``cancelled``: the piece goes back to stock and the points back to the household).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.points import InsufficientPoints, PointsRepository
from store.repositories import Repository
from store.repositories._sql import locks_rows, rows_of_person

STATUSES = ("pending", "collected", "cancelled")
#: What a redemption can come to.
OUTCOMES = ("redeemed", "insufficient", "out_of_stock", "gone")
CODE_DIGITS = 6


class Reward(Base):
    """Something residents can exchange points for."""

    __tablename__ = "rewards"
    __table_args__ = (CheckConstraint("stock >= 0", name="ck_rewards_stock_not_negative"),
                      CheckConstraint("points > 0", name="ck_rewards_points_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: What created it (a staff request's Idempotency-Key, the demo), so it is created once.
    source_key: Mapped[str | None] = mapped_column(String(160), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Redemption(Base):
    """One reward taken for a household's points, waiting to be collected with its code."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    #: Who redeemed it (None once they asked to be forgotten).
    openid: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    #: The reward's name when it was redeemed (staff may rename it later).
    reward_name: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


@dataclass(frozen=True, slots=True)
class Redeemed:
    """What asking to redeem came to: ``outcome`` one of :data:`OUTCOMES`, the redemption
    (new, or the one this source key made before: ``created`` False), the household's balance."""

    outcome: str
    redemption: Redemption | None
    balance: int
    created: bool = False


class StockVanished(RuntimeError):
    """The stock changed under a lock that should have kept it (never expected)."""


class RewardRepository(Repository):
    # --- the catalogue ------------------------------------------------------------------------
    def create(self, name: str, points: int, stock: int, now: datetime, *, active: bool = True,
               key: str | None = None) -> tuple[Reward, bool]:
        """A new reward (once per ``key`` when one is given); returns (it, created)."""
        if points <= 0 or stock < 0:
            raise ValueError("a reward costs more than 0 points and has a stock of 0 or more")
        if key is not None:
            existing = self.session.scalars(select(Reward).where(Reward.source_key == key)).first()
            if existing is not None:
                return existing, False
        reward = Reward(name=name, points=points, stock=stock, active=active, source_key=key, created_at=now,
                        updated_at=now)
        self.session.add(reward)
        self.session.flush()
        return reward, True

    def get(self, reward_id: int) -> Reward | None:
        return self.session.get(Reward, reward_id)

    def all(self) -> list[Reward]:
        return list(self.session.scalars(select(Reward).order_by(Reward.id)))

    def catalogue(self) -> list[Reward]:
        """What residents may exchange now: active and in stock, cheapest first."""
        query = (select(Reward).where(Reward.active.is_(True), Reward.stock > 0)
                 .order_by(Reward.points, Reward.id))
        return list(self.session.scalars(query))

    def change(self, reward: Reward, now: datetime, *, name: str | None = None, points: int | None = None,
               stock: int | None = None, active: bool | None = None) -> Reward:
        """Staff correct a reward (restock, reprice, take it off the catalogue)."""
        locked = self._lock(reward.id)
        assert locked is not None
        if name is not None:
            locked.name = name
        if points is not None:
            locked.points = points
        if stock is not None:
            locked.stock = stock
        if active is not None:
            locked.active = active
        locked.updated_at = now
        self.session.flush()
        return locked

    def _lock(self, reward_id: int) -> Reward | None:
        """The reward row, locked for this transaction where the database locks rows, and read
        afresh (an earlier read of this unit of work may be stale)."""
        query = select(Reward).where(Reward.id == reward_id).execution_options(populate_existing=True)
        if locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).first()

    # --- redeeming ----------------------------------------------------------------------------
    def redeem(self, household_id: int, reward_id: int, *, openid: str | None, key: str, now: datetime,
               reason: str) -> Redeemed:
        """Take one piece of the reward for its points (once per ``key``); ``reason`` is the
        ledger line residents read (换购 毛巾). Nothing is written unless both are taken."""
        ledger = PointsRepository(self.session)
        reward = self._lock(reward_id)
        existing = self.by_key(key)
        if existing is not None:
            return Redeemed("redeemed", existing, ledger.balance(existing.household_id))
        if reward is None or not reward.active:
            return Redeemed("gone", None, ledger.balance(household_id))
        if reward.stock <= 0:
            return Redeemed("out_of_stock", None, ledger.balance(household_id))
        try:
            posted = ledger.post(household_id, -reward.points, reason, kind="redemption", key=f"redemption:{key}",
                                 now=now, openid=openid)
        except InsufficientPoints as refused:
            return Redeemed("insufficient", None, refused.balance)
        left = self.session.execute(
            update(Reward).where(Reward.id == reward.id, Reward.stock > 0)
            .values(stock=Reward.stock - 1, updated_at=now).returning(Reward.stock)
            .execution_options(synchronize_session=False)).scalar()
        if left is None:
            raise StockVanished(f"reward {reward.id} ran out under its lock")
        set_committed_value(reward, "stock", int(left))
        redemption = Redemption(household_id=household_id, openid=openid, reward_id=reward.id,
                                reward_name=reward.name, points=reward.points, code=self._new_code(),
                                status="pending", source_key=key, created_at=now)
        self.session.add(redemption)
        self.session.flush()
        return Redeemed("redeemed", redemption, posted.balance, created=True)

    def _new_code(self) -> str:
        """A pickup code nobody else holds: six digits, not starting with 0 (read aloud at the desk)."""
        while True:
            code = str(10 ** (CODE_DIGITS - 1) + secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)))
            if self.session.scalar(select(Redemption.id).where(Redemption.code == code)) is None:
                return code

    def by_key(self, key: str) -> Redemption | None:
        return self.session.scalars(select(Redemption).where(Redemption.source_key == key)).first()

    def redemption(self, redemption_id: int, *, for_update: bool = False) -> Redemption | None:
        query = select(Redemption).where(Redemption.id == redemption_id)
        if for_update:
            query = query.execution_options(populate_existing=True)
            if locks_rows(self.session):
                query = query.with_for_update()
        return self.session.scalars(query).first()

    def by_code(self, code: str) -> Redemption | None:
        """The redemption a pickup code names (what the resident shows at the desk)."""
        return self.session.scalars(select(Redemption).where(Redemption.code == code)).first()

    def redemptions(self, status: str | None = None) -> list[Redemption]:
        """For staff, in the order they were made."""
        query = select(Redemption).order_by(Redemption.id)
        if status is not None:
            query = query.where(Redemption.status == status)
        return list(self.session.scalars(query))

    def pending_for_household(self, household_id: int) -> list[Redemption]:
        query = (select(Redemption).where(Redemption.household_id == household_id, Redemption.status == "pending")
                 .order_by(Redemption.id))
        return list(self.session.scalars(query))

    def collect(self, redemption_id: int, now: datetime) -> tuple[Redemption | None, bool]:
        """The reward was handed over: (the redemption, whether this call recorded it). Only a
        pending one can be collected; collecting it again changes nothing."""
        redemption = self.redemption(redemption_id, for_update=True)
        if redemption is None or redemption.status != "pending":
            return redemption, False
        redemption.status, redemption.collected_at = "collected", now
        return redemption, True

    def cancel(self, redemption_id: int, now: datetime, reason: str) -> tuple[Redemption | None, bool]:
        """Call a pending redemption off: its piece back to stock, its points back to the
        household (``reason`` on the ledger), once."""
        existing = self.redemption(redemption_id)
        if existing is None:
            return None, False
        self._lock(existing.reward_id)  # the reward first, the points account second: as redeem does
        redemption = self.redemption(redemption_id, for_update=True)
        assert redemption is not None
        if redemption.status != "pending":
            return redemption, False
        self.session.execute(update(Reward).where(Reward.id == redemption.reward_id)
                             .values(stock=Reward.stock + 1, updated_at=now)
                             .execution_options(synchronize_session=False))
        PointsRepository(self.session).post(redemption.household_id, redemption.points, reason, kind="redemption",
                                            key=f"redemption-refund:{redemption.id}", now=now)
        redemption.status, redemption.cancelled_at = "cancelled", now
        return redemption, True

    # --- people ---------------------------------------------------------------------------------
    def of_openid(self, openid: str) -> list[Redemption]:
        query = select(Redemption).where(Redemption.openid == openid).order_by(Redemption.id)
        return list(self.session.scalars(query))

    def forget(self, openid: str, token: str) -> int:
        """Redemptions stay the household's, without the person: no openid, and ``token`` in
        place of it inside the source key."""
        rows = rows_of_person(self.session, Redemption, openid)
        for row in rows:
            if row.openid == openid:
                row.openid = None
            row.source_key = row.source_key.replace(openid, token)
        return len(rows)


__all__ = ["OUTCOMES", "STATUSES", "Redeemed", "Redemption", "Reward", "RewardRepository", "StockVanished"]
