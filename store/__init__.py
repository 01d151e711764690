"""The community's records: models, repositories, migrations.

Everything else reaches the database through :class:`Store`, one per unit of work::

    with transaction(factory) as session:
        store = Store(session)
        store.repairs.open_ticket(...)
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from store.repositories.conversations import ConversationRepository
from store.repositories.escalations import EscalationRepository
from store.repositories.households import HouseholdRepository
from store.repositories.messages import MessageLogRepository
from store.repositories.outbox import OutboxRepository
from store.repositories.processed import ProcessedMessageRepository
from store.repositories.repairs import RepairRepository
from store.repositories.residents import ResidentRepository


class Store:
    """The repositories, bound to one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.households = HouseholdRepository(session)
        self.residents = ResidentRepository(session)
        self.conversations = ConversationRepository(session)
        self.messages = MessageLogRepository(session)
        self.processed = ProcessedMessageRepository(session)
        self.outbox = OutboxRepository(session)
        self.escalations = EscalationRepository(session)
        self.repairs = RepairRepository(session)


__all__ = ["Store"]
