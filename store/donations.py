"""爱心捐赠 and 爱心公示: pledges residents make, staff's answer to each, the thank-you list.

A pledge is the resident's own words (items or money, a photo if they sent one) and how they
want to appear on the public thank-you list: their full name, a masked name (冯**) or not at
all. Staff confirm it — with love-bank points, added once through the ledger — or decline it
politely::

    pending ──confirm(points)──▶ confirmed     (on the thank-you list, unless the donor chose not)
       └─────decline(reason)──▶ declined

One pledge per source message (``source_key``); deciding locks the row, so a confirmation
repeated or racing another gives the points once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import locks_rows, rows_of_person

STATUSES = ("pending", "confirmed", "declined")
#: What a pledge gives: things, or money.
KINDS = ("items", "money")
#: How the donor appears on the thank-you list.
DISPLAYS = ("full", "masked", "none")


class Donation(Base):
    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The donor's WeChat ("" once they asked to be forgotten).
    openid: Mapped[str] = mapped_column(String(64), index=True, default="")
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True, default=None)
    #: The name the thank-you list shows (masked or in full), as on the roster when pledged.
    donor_name: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8), default="items")
    photo_url: Mapped[str | None] = mapped_column(Text, default=None)
    photo_media_id: Mapped[str | None] = mapped_column(String(128), default=None)
    display: Mapped[str] = mapped_column(String(8), default="masked")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    #: What the thank-you list and the ledger say was given (staff's words; the pledge's by default).
    public_text: Mapped[str] = mapped_column(String(200), default="")
    decline_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


def masked_name(name: str) -> str:
    """冯建国 → 冯**: the family name, the rest hidden."""
    name = name.strip()
    return f"{name[:1]}**" if name else ""


class DonationRepository(Repository):
    def pledge(self, *, openid: str, household_id: int | None, donor_name: str, description: str, kind: str,
               display: str, key: str, now: datetime, photo_url: str | None = None,
               photo_media_id: str | None = None) -> tuple[Donation, bool]:
        """Record a pledge once per ``key``; returns (it, created)."""
        if kind not in KINDS or display not in DISPLAYS:
            raise ValueError(f"a pledge is of {KINDS} and shown as one of {DISPLAYS}")
        existing = self.session.scalars(select(Donation).where(Donation.source_key == key)).first()
        if existing is not None:
            return existing, False
        donation = Donation(openid=openid, household_id=household_id, donor_name=donor_name[:64],
                            description=description, kind=kind, display=display, status="pending",
                            photo_url=photo_url, photo_media_id=photo_media_id, source_key=key, created_at=now)
        self.session.add(donation)
        self.session.flush()
        return donation, True

    def get(self, donation_id: int, *, for_update: bool = False) -> Donation | None:
        query = select(Donation).where(Donation.id == donation_id)
        if for_update:
            query = query.execution_options(populate_existing=True)
            if locks_rows(self.session):
                query = query.with_for_update()
        return self.session.scalars(query).first()

    def find(self, status: str | None = None) -> list[Donation]:
        """For staff, oldest first (the queue: ``status="pending"``)."""
        query = select(Donation).order_by(Donation.id)
        if status is not None:
            query = query.where(Donation.status == status)
        return list(self.session.scalars(query))

    @staticmethod
    def confirm(donation: Donation, points: int, public_text: str, now: datetime) -> bool:
        """Staff received it; False (nothing changes) unless it was pending."""
        if donation.status != "pending":
            return False
        donation.status, donation.points, donation.decided_at = "confirmed", points, now
        donation.public_text = public_text[:200]
        return True

    @staticmethod
    def decline(donation: Donation, reason: str | None, now: datetime) -> bool:
        """Staff cannot take it; False (nothing changes) unless it was pending."""
        if donation.status != "pending":
            return False
        donation.status, donation.decline_reason, donation.decided_at = "declined", reason, now
        return True

    def thank_you_list(self, limit: int) -> list[Donation]:
        """Confirmed donations whose donors agreed to be listed, newest first."""
        query = (select(Donation).where(Donation.status == "confirmed", Donation.display != "none")
                 .order_by(Donation.decided_at.desc(), Donation.id.desc()).limit(limit))
        return list(self.session.scalars(query))

    def of_openid(self, openid: str) -> list[Donation]:
        return list(self.session.scalars(select(Donation).where(Donation.openid == openid).order_by(Donation.id)))

    def forget(self, openid: str, token: str) -> int:
        """The donation stays the community's record, without the person: no openid, no name on
        the thank-you list, no photo of theirs, and ``token`` in place of the openid in its key."""
        rows = rows_of_person(self.session, Donation, openid)
        for row in rows:
            if row.openid == openid:
                row.openid, row.donor_name, row.display = "", "", "none"
                row.photo_url = row.photo_media_id = None
            row.source_key = row.source_key.replace(openid, token)
        return len(rows)


__all__ = ["DISPLAYS", "KINDS", "STATUSES", "Donation", "DonationRepository", "masked_name"]
