"""The community's records: models, repositories, migrations.

Everything else reaches the database through :class:`Store`, one per unit of work::

    with transaction(factory) as session:
        store = Store(session)
        store.residents.get(openid)
        store[RepairRepository].open_ticket(...)   # a flow's own repository

The core repositories are attributes; a repository a flow brings (any subclass of
:class:`store.repositories.Repository`, defined next to its models in ``store/<area>.py``)
is reached by its class, so adding one touches nothing here.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from store.repositories import Repository
from store.repositories.conversations import ConversationRepository
from store.repositories.escalations import EscalationRepository
from store.repositories.households import HouseholdRepository
from store.repositories.messages import MessageLogRepository
from store.repositories.outbox import OutboxRepository
from store.repositories.processed import ProcessedMessageRepository
from store.repositories.residents import ResidentRepository

R = TypeVar("R", bound=Repository)


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
        self._more: dict[type[Any], Any] = {}

    def __getitem__(self, repository: type[R]) -> R:
        """The flow repository of that class, bound to this unit of work."""
        found = self._more.get(repository)
        if found is None:
            found = self._more[repository] = repository(self.session)
        return found


__all__ = ["Store"]
