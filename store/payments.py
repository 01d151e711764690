"""Payment orders (WeChat Pay): one row per order placed with the payment provider.

An order pays for one thing of one ``kind`` (``bill``, later ``party_fee``) named by
``reference_id``, for one payer (``openid``) and an exact amount in fen. ``out_trade_no`` is
ours and unique; ``transaction_id`` is WeChat Pay's and unique too, so a payment notification
delivered many times is recorded once.

status: ``created`` (placed, waiting for the payer) → ``paid``; ``closed`` when the thing
was paid another way before this order was.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import locks_rows, rowcount

STATUSES = ("created", "paid", "closed")
#: An order is reused for the same payer and amount until shortly before it expires.
REUSE_MARGIN = timedelta(minutes=10)


class PaymentOrder(Base):
    __tablename__ = "payment_orders"
    __table_args__ = (Index("ix_payment_orders_kind_reference", "kind", "reference_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    reference_id: Mapped[int] = mapped_column(Integer)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True, default=None)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(127))
    status: Mapped[str] = mapped_column(String(16), default="created")
    prepay_id: Mapped[str | None] = mapped_column(String(64), default=None)
    transaction_id: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def new_out_trade_no(kind: str, now: datetime) -> str:
    """Ours, unique and within WeChat Pay's rules (6–32 letters and digits): a kind code, the
    time and randomness, e.g. ``BILL20261105093012A1B2C3D4``."""
    code = "".join(ch for ch in kind.upper() if ch.isalnum())[:6] or "PAY"
    return f"{code}{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


class PaymentRepository(Repository):
    def create(self, kind: str, reference_id: int, openid: str, amount_fen: int, description: str,
               now: datetime, expires_at: datetime, household_id: int | None = None) -> PaymentOrder:
        order = PaymentOrder(out_trade_no=new_out_trade_no(kind, now), kind=kind, reference_id=reference_id,
                             household_id=household_id, openid=openid, amount_fen=amount_fen,
                             description=description[:127], status="created", expires_at=expires_at,
                             created_at=now)
        self.session.add(order)
        self.session.flush()
        return order

    def reusable(self, kind: str, reference_id: int, openid: str, amount_fen: int,
                 now: datetime) -> PaymentOrder | None:
        """An order already placed for the same thing, payer and amount that can still be paid,
        so that opening the payment page again does not place a second order."""
        query = (select(PaymentOrder)
                 .where(PaymentOrder.kind == kind, PaymentOrder.reference_id == reference_id,
                        PaymentOrder.openid == openid, PaymentOrder.amount_fen == amount_fen,
                        PaymentOrder.status == "created", PaymentOrder.expires_at > now + REUSE_MARGIN)
                 .order_by(PaymentOrder.id.desc()))
        return self.session.scalars(query).first()

    def by_out_trade_no(self, out_trade_no: str, *, for_update: bool = False) -> PaymentOrder | None:
        query = select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no)
        if for_update and locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def get(self, order_id: int) -> PaymentOrder | None:
        return self.session.get(PaymentOrder, order_id)

    def for_reference(self, kind: str, reference_id: int) -> list[PaymentOrder]:
        query = (select(PaymentOrder).where(PaymentOrder.kind == kind, PaymentOrder.reference_id == reference_id)
                 .order_by(PaymentOrder.id))
        return list(self.session.scalars(query))

    @staticmethod
    def record_prepay(order: PaymentOrder, prepay_id: str) -> None:
        order.prepay_id = prepay_id

    @staticmethod
    def mark_paid(order: PaymentOrder, transaction_id: str, now: datetime) -> bool:
        """Record WeChat Pay's confirmation; False when the order was already paid."""
        if order.status == "paid":
            return False
        order.status, order.transaction_id, order.paid_at = "paid", transaction_id, now
        return True

    def close_open(self, kind: str, reference_id: int) -> int:
        """The thing was paid another way: orders still waiting for it are closed here."""
        return rowcount(self.session.execute(
            update(PaymentOrder).where(PaymentOrder.kind == kind, PaymentOrder.reference_id == reference_id,
                                       PaymentOrder.status == "created").values(status="closed")))

    def paid_by(self, openid: str) -> list[PaymentOrder]:
        """The orders ``openid`` paid, newest first."""
        query = (select(PaymentOrder).where(PaymentOrder.openid == openid, PaymentOrder.status == "paid")
                 .order_by(PaymentOrder.id.desc()))
        return list(self.session.scalars(query))

    def forget(self, openid: str) -> int:
        """Keep the accounts, without the person: the payer's openid is blanked."""
        return rowcount(self.session.execute(
            update(PaymentOrder).where(PaymentOrder.openid == openid).values(openid="")))
