"""The message log: what residents said and what the bot answered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from store.models import MessageLog
from store.repositories._prepared import Prepared

# Built once: every message logs what was said and answered with it.
_INSERT = Prepared(insert(MessageLog.__table__))  # type: ignore[arg-type]


class MessageLogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, openid: str, direction: str, kind: str, text: str, now: datetime,
               msg_key: str | None = None, intent: str | None = None) -> None:
        self.session.add(MessageLog(openid=openid, direction=direction, kind=kind, text=text,
                                    msg_key=msg_key, intent=intent, created_at=now))

    def record_many(self, openid: str, rows: list[tuple[str, str, str, str | None]], now: datetime,
                    msg_key: str | None = None) -> None:
        """Log several messages of one turn in one statement: ``(kind, direction, text, intent)``."""
        _INSERT.run(self.session.connection(), [
            {"openid": openid, "direction": direction, "kind": kind, "text": text, "intent": intent,
             "msg_key": msg_key, "created_at": now}
            for kind, direction, text, intent in rows])

    def since(self, openid: str, start: datetime, limit: int = 100) -> list[MessageLog]:
        """The resident's messages in and out from ``start`` on, oldest first (the newest ``limit``)."""
        query = (select(MessageLog).where(MessageLog.openid == openid, MessageLog.created_at >= start)
                 .order_by(MessageLog.created_at.desc(), MessageLog.id.desc()).limit(limit))
        return list(reversed(self.session.scalars(query).all()))

    def recent(self, openid: str, limit: int = 10) -> list[MessageLog]:
        query = (select(MessageLog).where(MessageLog.openid == openid)
                 .order_by(MessageLog.created_at.desc(), MessageLog.id.desc()).limit(limit))
        return list(reversed(self.session.scalars(query).all()))
