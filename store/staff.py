"""Staff members (居委会, 物业, 党总支): who they are, their role, their WeChat binding, the rota.

A staff member is created with a role and a one-time bind code; sending ``工作人员绑定 <code>``
to the official account binds their openid. Who hears about a new case is decided here:
the on-duty members of the role the case belongs to, or — when nobody of that role is on
duty — every bound member of it, and committee staff and admins when the role has nobody.
"""
from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

from sqlalchemy import Boolean, String, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared

ROLES = ("admin", "staff", "property", "party")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    openid: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    bind_code: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Console login (set by an admin in the console).
    username: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


#: How long a worker trusts its list of staff openids (a newly bound member is recognised by
#: every worker within this time; the worker that bound them at once).
STAFF_CACHE_SECONDS = 5.0
_staff_cache: dict[str, tuple[float, frozenset[str]]] = {}
_staff_cache_lock = threading.Lock()


def new_bind_code() -> str:
    return "S" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7))


# Who to tell is read on every hand-off: rows on the driver (see ByKey).
_LOADER = ByKey(Staff)
_BOUND = Prepared(_LOADER.select().where(Staff.active.is_(True), Staff.openid.is_not(None)).order_by(Staff.id))


class StaffRepository(Repository):
    def create(self, name: str, role: str, now: datetime) -> Staff:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        member = Staff(name=name, role=role, bind_code=new_bind_code(), created_at=now, active=True, on_duty=False)
        self.session.add(member)
        self.session.flush()
        return member

    def get(self, staff_id: int) -> Staff | None:
        return self.session.get(Staff, staff_id)

    def is_staff(self, openid: str) -> bool:
        """Whether ``openid`` is a bound, active staff member — asked on every message, so the
        answer comes from a short-lived list of staff openids, not a query each time."""
        key = str(self.session.get_bind().engine.url)
        now = time.monotonic()
        with _staff_cache_lock:
            cached = _staff_cache.get(key)
        if cached is None or cached[0] < now:
            openids = frozenset(o for o in self.session.scalars(
                select(Staff.openid).where(Staff.active.is_(True), Staff.openid.is_not(None))) if o)
            cached = (now + STAFF_CACHE_SECONDS, openids)
            with _staff_cache_lock:
                _staff_cache[key] = cached
        return openid in cached[1]

    def forget_cached(self) -> None:
        with _staff_cache_lock:
            _staff_cache.pop(str(self.session.get_bind().engine.url), None)

    def by_openid(self, openid: str) -> Staff | None:
        return self.session.scalars(select(Staff).where(Staff.openid == openid, Staff.active.is_(True))).first()

    def by_username(self, username: str) -> Staff | None:
        return self.session.scalars(select(Staff).where(Staff.username == username, Staff.active.is_(True))).first()

    def with_username(self, username: str) -> Staff | None:
        """The member who has this console login, active or not."""
        return self.session.scalars(select(Staff).where(Staff.username == username)).first()

    def bind(self, code: str, openid: str, now: datetime) -> Staff | None:
        """Bind ``openid`` with a one-time code; None when the code is unknown or used."""
        member = self.session.scalars(
            select(Staff).where(Staff.bind_code == code.upper(), Staff.active.is_(True))).first()
        if member is None:
            return None
        for other in self.session.scalars(select(Staff).where(Staff.openid == openid)):
            other.openid = None  # one WeChat account is one staff member
        self.session.flush()
        member.openid, member.bind_code, member.bound_at = openid, None, now
        self.forget_cached()
        return member

    def recipients(self, role: str) -> list[Staff]:
        """Who is told about something of ``role``'s business (see the module docstring)."""
        bound = _LOADER.all(self.session, _BOUND, {})
        for roles in ((role,), ("staff", "admin")):
            candidates = [m for m in bound if m.role in roles]
            on_duty = [m for m in candidates if m.on_duty]
            if on_duty or candidates:
                return on_duty or candidates
        return []

    def list(self) -> list[Staff]:
        return list(self.session.scalars(select(Staff).order_by(Staff.id)))
