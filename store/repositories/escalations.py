"""The escalation inbox: conversations handed to staff."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from store.models import Escalation
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared

# Every hand-off and every message while a case is open look the case up: on the driver (see ByKey).
_LOADER = ByKey(Escalation)
_BY_SOURCE = Prepared(_LOADER.select().where(Escalation.source_key == bindparam("source_key")))
_OPEN_FOR = Prepared(_LOADER.select().where(Escalation.openid == bindparam("openid"),
                                            or_(Escalation.status == "open", Escalation.status == "replied"))
                     .order_by(Escalation.id.desc()).limit(1))


class EscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, openid: str, reason: str, text: str, now: datetime,
             household_id: int | None = None, source_key: str | None = None) -> Escalation:
        """Open an escalation (one per source message, whatever the retries)."""
        if source_key is not None:
            existing = self.by_source(source_key)
            if existing is not None:
                return existing
        return _LOADER.add(self.session, {
            "openid": openid, "reason": reason, "text": text, "household_id": household_id,
            "source_key": source_key, "status": "open", "created_at": now, "updated_at": now})

    def by_source(self, source_key: str) -> Escalation | None:
        """The case opened for ``source_key`` (a message, a ticket's day), if there is one."""
        return _LOADER.first(self.session, _BY_SOURCE, {"source_key": source_key})

    def open_for(self, openid: str) -> Escalation | None:
        """The resident's case that staff have not closed yet (waiting, or answered), if any."""
        return _LOADER.first(self.session, _OPEN_FOR, {"openid": openid})

    def append(self, escalation: Escalation, text: str, now: datetime) -> None:
        escalation.text = f"{escalation.text}\n{text}" if escalation.text else text
        escalation.updated_at = now

    def get(self, escalation_id: int) -> Escalation | None:
        return self.session.get(Escalation, escalation_id)

    def open_cases(self, limit: int = 20) -> list[Escalation]:
        """Cases not closed yet, oldest first."""
        query = (select(Escalation).where(Escalation.status.in_(("open", "replied")))
                 .order_by(Escalation.id).limit(limit))
        return list(self.session.scalars(query))

    def list(self, status: str | None = None) -> list[Escalation]:
        query = select(Escalation).order_by(Escalation.id)
        if status:
            query = query.where(Escalation.status == status)
        return list(self.session.scalars(query))

    def mark_replied(self, escalation: Escalation, now: datetime) -> None:
        """Staff answered; a closed case stays closed."""
        if escalation.status != "closed":
            escalation.status = "replied"
        escalation.updated_at = now

    def close(self, escalation: Escalation, now: datetime) -> None:
        """Close the case; closing it again keeps the first closing time."""
        if escalation.status == "closed":
            return
        escalation.status = "closed"
        escalation.closed_at = now
        escalation.updated_at = now
