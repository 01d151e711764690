"""The neighbourhood merchants directory (便民服务) that staff keep: who does what, how to call.

A merchant is one name at one phone number: adding the same pair again (a retried request)
finds the entry already there instead of listing it twice. Staff switch an entry off with
``active`` rather than deleting it, so residents simply stop being shown it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared


class Merchant(Base):
    __tablename__ = "merchants"
    __table_args__ = (UniqueConstraint("name", "phone", name="uq_merchant_name_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200), default="")
    hours: Mapped[str] = mapped_column(String(64), default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True, slots=True)
class NewMerchant:
    name: str
    category: str
    phone: str
    address: str = ""
    hours: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def same_as(self, merchant: Merchant) -> bool:
        return (merchant.category, merchant.address, merchant.hours, list(merchant.tags or [])) == (
            self.category, self.address, self.hours, list(self.tags))


# The neighbourhood services list is read on every such question: rows on the driver (see ByKey).
_LOADER = ByKey(Merchant)
_ALL = Prepared(_LOADER.select().order_by(Merchant.id))
_ACTIVE = Prepared(_LOADER.select().where(Merchant.active.is_(True)).order_by(Merchant.id))


class MerchantRepository(Repository):
    def add(self, new: NewMerchant, now: datetime) -> tuple[Merchant, bool]:
        """The entry for (name, phone), created when missing; returns (merchant, created)."""
        existing = self.named(new.name, new.phone)
        if existing is not None:
            return existing, False
        merchant = Merchant(name=new.name, category=new.category, phone=new.phone, address=new.address,
                            hours=new.hours, tags=list(new.tags), active=True, created_at=now, updated_at=now)
        try:
            with self.session.begin_nested():  # another request may add the same pair this instant
                self.session.add(merchant)
                self.session.flush()
        except IntegrityError:
            found = self.named(new.name, new.phone)
            if found is None:
                raise
            return found, False
        return merchant, True

    def named(self, name: str, phone: str) -> Merchant | None:
        return self.session.scalars(select(Merchant).where(Merchant.name == name, Merchant.phone == phone)).first()

    def get(self, merchant_id: int) -> Merchant | None:
        return self.session.get(Merchant, merchant_id)

    def list(self, *, active_only: bool = False) -> list[Merchant]:
        return _LOADER.all(self.session, _ACTIVE if active_only else _ALL, {})

    def change(self, merchant: Merchant, now: datetime, **values: Any) -> Merchant:
        """Change the given fields (staff correcting an entry, or switching it off)."""
        for name, value in values.items():
            if name not in ("name", "category", "phone", "address", "hours", "tags", "active"):
                raise ValueError(f"a merchant has no field {name!r}")
            setattr(merchant, name, list(value) if name == "tags" else value)
        merchant.updated_at = now
        self.session.flush()
        return merchant
