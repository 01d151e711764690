"""The staff console's records: who is logged in (server-side sessions), failed logins, and the
audit log of what staff did (who, what, which object, when).

A session row is keyed by the SHA-256 of the token in the staff member's cookie, so the
database never holds a usable token; logging out deletes the row, and changing a member's
password deletes all of theirs. Failed logins are counted per username and address for the
login rate limit. The audit log is append-only: nothing here updates or deletes an entry.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginFailure(Base):
    __tablename__ = "console_login_failures"
    __table_args__ = (Index("ix_console_login_failures_who", "username", "ip", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditEntry(Base):
    """One thing a staff member did in the console."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: Who, as they were called then (the member may be renamed or deactivated later).
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def token_key(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ConsoleSessionRepository(Repository):
    def open(self, token: str, staff_id: int, csrf: str, ip: str, now: datetime, expires_at: datetime) -> None:
        self.session.add(ConsoleSession(id=token_key(token), staff_id=staff_id, csrf=csrf, ip=ip[:64],
                                        created_at=now, expires_at=expires_at))
        self.session.flush()

    def find(self, token: str, now: datetime) -> ConsoleSession | None:
        """The live session of ``token``; None when it is unknown, ended or expired."""
        found = self.session.get(ConsoleSession, token_key(token))
        if found is None or found.expires_at <= now:
            return None
        return found

    def close(self, token: str) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.id == token_key(token)))

    def close_all_of(self, staff_id: int) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == staff_id))

    def purge_expired(self, now: datetime) -> None:
        self.session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))


class LoginFailureRepository(Repository):
    def record(self, username: str, ip: str, now: datetime) -> None:
        self.session.add(LoginFailure(username=username[:64], ip=ip[:64], created_at=now))
        self.session.flush()

    def count_since(self, username: str, ip: str, since: datetime) -> int:
        query = (select(func.count()).select_from(LoginFailure)
                 .where(LoginFailure.username == username[:64], LoginFailure.ip == ip[:64],
                        LoginFailure.created_at >= since))
        return int(self.session.scalar(query) or 0)

    def purge_before(self, moment: datetime) -> None:
        """Failures too old to count any more (so the table does not grow for ever)."""
        self.session.execute(delete(LoginFailure).where(LoginFailure.created_at < moment))

    def clear(self, username: str, ip: str) -> None:
        """A successful login starts the count again."""
        self.session.execute(delete(LoginFailure).where(LoginFailure.username == username[:64],
                                                        LoginFailure.ip == ip[:64]))


class AuditRepository(Repository):
    def record(self, *, staff_id: int | None, actor: str, action: str, object_type: str = "",
               object_id: object = "", detail: str = "", ip: str = "", now: datetime) -> AuditEntry:
        entry = AuditEntry(staff_id=staff_id, actor=actor[:64], action=action[:64], object_type=object_type[:32],
                           object_id=str(object_id)[:64], detail=detail, ip=ip[:64], created_at=now)
        self.session.add(entry)
        self.session.flush()
        return entry

    def recent(self, limit: int = 200, offset: int = 0, action: str | None = None,
               staff_id: int | None = None) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if action:
            query = query.where(AuditEntry.action == action)
        if staff_id is not None:
            query = query.where(AuditEntry.staff_id == staff_id)
        return list(self.session.scalars(query.limit(limit).offset(offset)))

    def of(self, object_type: str, object_id: object) -> list[AuditEntry]:
        query = (select(AuditEntry).where(AuditEntry.object_type == object_type,
                                          AuditEntry.object_id == str(object_id)).order_by(AuditEntry.id))
        return list(self.session.scalars(query))
