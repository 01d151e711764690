"""Bills (账单): what each household owes, per month and per kind of fee, and whether it is paid.

Money is kept as whole fen (``amount_fen``), never as a float. One bill per household,
period (``YYYY-MM``) and bill type is a database constraint, so an import run twice or two
staff members adding the same bill at once cannot bill a flat twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base, Resident
from store.repositories import Repository
from store.repositories._sql import locks_rows

#: The kinds of fee the community bills, by their Chinese names (the NLU's ``bill_type`` values).
BILL_TYPES = ("物业费", "停车费", "水费", "电费", "燃气费")
#: How a bill came to be paid.
PAID_VIA = ("office", "wechat")


class Bill(Base):
    """One fee of one household for one month."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("household_id", "period", "bill_type", name="uq_bill_household_period_type"),
                      Index("ix_bills_paid_due", "paid", "due_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    bill_type: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: ``office`` (at the property office, recorded by staff) or ``wechat`` (WeChat Pay).
    paid_via: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def amount(self) -> Decimal:
        return fen_to_yuan(self.amount_fen)

    def overdue(self, today: date) -> bool:
        return not self.paid and self.due_date < today


def yuan_to_fen(amount: Decimal) -> int:
    """Yuan (at most two decimals) as whole fen."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def type_order(bill_type: str) -> int:
    """Bills are listed in the order of :data:`BILL_TYPES`."""
    return BILL_TYPES.index(bill_type) if bill_type in BILL_TYPES else len(BILL_TYPES)


def _sorted(bills: Iterable[Bill]) -> list[Bill]:
    """Newest month first; within a month, the usual order of fees."""
    ordered = sorted(bills, key=lambda b: (type_order(b.bill_type), b.id))
    return sorted(ordered, key=lambda b: b.period, reverse=True)


class BillRepository(Repository):
    def find(self, household_id: int, period: str, bill_type: str) -> Bill | None:
        query = select(Bill).where(Bill.household_id == household_id, Bill.period == period,
                                   Bill.bill_type == bill_type)
        return self.session.scalars(query).first()

    def add(self, household_id: int, period: str, bill_type: str, amount_fen: int, due_date: date,
            now: datetime, *, paid: bool = False) -> Bill:
        """Add a bill; a second one for the same household, period and type raises IntegrityError."""
        if bill_type not in BILL_TYPES:
            raise ValueError(f"unknown bill type {bill_type!r}")
        bill = Bill(household_id=household_id, period=period, bill_type=bill_type, amount_fen=amount_fen,
                    due_date=due_date, paid=paid, paid_at=now if paid else None,
                    paid_via="office" if paid else None, created_at=now)
        self.session.add(bill)
        self.session.flush()
        return bill

    def get(self, bill_id: int) -> Bill | None:
        return self.session.get(Bill, bill_id)

    def get_for_update(self, bill_id: int) -> Bill | None:
        """The bill, locked for this transaction where the database can lock a row."""
        query = select(Bill).where(Bill.id == bill_id)
        if locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def for_household(self, household_id: int, *, periods: Sequence[str] | None = None,
                      year: int | None = None, types: Sequence[str] | None = None,
                      unpaid_only: bool = False) -> list[Bill]:
        """A household's bills, newest month first, narrowed as asked."""
        query = select(Bill).where(Bill.household_id == household_id)
        if periods:
            query = query.where(Bill.period.in_(list(periods)))
        if year is not None:
            query = query.where(Bill.period.like(f"{year:04d}-%"))
        if types:
            query = query.where(Bill.bill_type.in_(list(types)))
        if unpaid_only:
            query = query.where(Bill.paid.is_(False))
        return _sorted(self.session.scalars(query))

    def latest_period(self, household_id: int) -> str | None:
        query = select(Bill.period).where(Bill.household_id == household_id).order_by(Bill.period.desc()).limit(1)
        return self.session.scalars(query).first()

    def unpaid(self, household_id: int) -> list[Bill]:
        """What the household still owes, the bill due first at the top."""
        query = (select(Bill).where(Bill.household_id == household_id, Bill.paid.is_(False))
                 .order_by(Bill.due_date, Bill.period, Bill.id))
        return sorted(self.session.scalars(query), key=lambda b: (b.due_date, b.period, type_order(b.bill_type)))

    def mark_paid(self, bill: Bill, now: datetime, via: str) -> bool:
        """Record the payment; False when the bill was paid already (nothing changes then)."""
        if via not in PAID_VIA:
            raise ValueError(f"unknown way of paying {via!r}")
        if bill.paid:
            return False
        bill.paid, bill.paid_at, bill.paid_via = True, now, via
        return True

    def mark_unpaid(self, bill: Bill) -> None:
        """Undo a payment recorded by mistake at the office."""
        bill.paid, bill.paid_at, bill.paid_via = False, None, None

    def due_between(self, first: date, last: date) -> list[Bill]:
        """Unpaid bills due from ``first`` to ``last`` (both included): candidates for a reminder."""
        query = (select(Bill).where(Bill.paid.is_(False), Bill.due_date >= first, Bill.due_date <= last)
                 .order_by(Bill.due_date, Bill.id))
        return list(self.session.scalars(query))

    def residents_of(self, household_id: int) -> list[Resident]:
        """The followers bound to the household who still follow the account."""
        query = (select(Resident).where(Resident.household_id == household_id, Resident.subscribed.is_(True))
                 .order_by(Resident.bound_at, Resident.openid))
        return list(self.session.scalars(query))

    def list(self, household_id: int | None = None, period: str | None = None,
             paid: bool | None = None) -> list[Bill]:
        """Bills for staff, in the order they were added."""
        query = select(Bill).order_by(Bill.id)
        if household_id is not None:
            query = query.where(Bill.household_id == household_id)
        if period is not None:
            query = query.where(Bill.period == period)
        if paid is not None:
            query = query.where(Bill.paid.is_(paid))
        return list(self.session.scalars(query))
