"""党费: what each party member owes per month, and whether it is paid.

One row per household, member (by name, as on the roster) and month (``YYYY-MM``) — a unique
constraint, so a fee staff add twice is refused rather than doubled. Money is whole fen. A fee
is paid at the party office (staff record it) or through WeChat Pay (the payment notification
records it, once); an unpaid fee is recalled to its member once (``reminded_at``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base, Household, Member, Resident
from store.repositories import Repository
from store.repositories._sql import locks_rows

PAID_VIA = ("office", "wechat")


class PartyFee(Base):
    __tablename__ = "party_fees"
    __table_args__ = (UniqueConstraint("household_id", "member_name", "period", name="uq_party_fee_member_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    member_name: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    #: ``office`` (recorded by staff) or ``wechat`` (WeChat Pay); None while unpaid.
    paid_via: Mapped[str | None] = mapped_column(String(16), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PartyFeeRepository(Repository):
    def add(self, household_id: int, member_name: str, period: str, amount_fen: int, now: datetime, *,
            paid: bool = False) -> PartyFee:
        """A month's fee; a second one for the same member and month raises IntegrityError."""
        fee = PartyFee(household_id=household_id, member_name=member_name, period=period, amount_fen=amount_fen,
                       paid=paid, paid_at=now if paid else None, paid_via="office" if paid else None,
                       created_at=now)
        self.session.add(fee)
        self.session.flush()
        return fee

    def find(self, household_id: int, member_name: str, period: str) -> PartyFee | None:
        query = select(PartyFee).where(PartyFee.household_id == household_id, PartyFee.member_name == member_name,
                                       PartyFee.period == period)
        return self.session.scalars(query).first()

    def get(self, fee_id: int, *, for_update: bool = False) -> PartyFee | None:
        query = select(PartyFee).where(PartyFee.id == fee_id)
        if for_update:
            query = query.execution_options(populate_existing=True)
            if locks_rows(self.session):
                query = query.with_for_update()
        return self.session.scalars(query).first()

    def of_member(self, household_id: int, member_name: str) -> list[PartyFee]:
        """A member's fees, newest month first."""
        query = (select(PartyFee).where(PartyFee.household_id == household_id, PartyFee.member_name == member_name)
                 .order_by(PartyFee.period.desc(), PartyFee.id.desc()))
        return list(self.session.scalars(query))

    def find_all(self, household_id: int | None = None) -> list[PartyFee]:
        """For staff, in the order they were added."""
        query = select(PartyFee).order_by(PartyFee.id)
        if household_id is not None:
            query = query.where(PartyFee.household_id == household_id)
        return list(self.session.scalars(query))

    def to_remind(self, up_to_period: str) -> list[PartyFee]:
        """Unpaid fees of months up to ``up_to_period`` nobody was reminded of yet."""
        query = (select(PartyFee).where(PartyFee.paid.is_(False), PartyFee.reminded_at.is_(None),
                                        PartyFee.period <= up_to_period)
                 .order_by(PartyFee.period, PartyFee.id))
        return list(self.session.scalars(query))

    def residents_of_member(self, household_id: int, member_name: str) -> list[Resident]:
        """The followers bound as that member of that household who still follow the account."""
        query = (select(Resident).join(Member, Resident.member_id == Member.id)
                 .where(Resident.household_id == household_id, Member.household_id == household_id,
                        Member.name == member_name, Resident.subscribed.is_(True))
                 .order_by(Resident.bound_at, Resident.openid))
        return list(self.session.scalars(query))

    def party_members(self) -> list[tuple[Member, Household]]:
        """Everyone the roster marks a party member, in roster order."""
        query = (select(Member, Household).join(Household, Member.household_id == Household.id)
                 .where(Member.party_member.is_(True)).order_by(Household.id, Member.id))
        return [(member, household) for member, household in self.session.execute(query)]

    @staticmethod
    def mark_paid(fee: PartyFee, now: datetime, via: str) -> bool:
        """Record the payment; False when it was paid already (nothing changes then)."""
        if via not in PAID_VIA:
            raise ValueError(f"unknown way of paying {via!r}")
        if fee.paid:
            return False
        fee.paid, fee.paid_at, fee.paid_via = True, now, via
        return True

    @staticmethod
    def mark_unpaid(fee: PartyFee) -> None:
        """Undo a payment recorded at the office by mistake."""
        fee.paid, fee.paid_at, fee.paid_via = False, None, None


__all__ = ["PAID_VIA", "PartyFee", "PartyFeeRepository"]
