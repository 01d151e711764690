"""What the account keeps about a resident, and forgetting it (个人信息: 我的信息, 解除绑定, 删除我的信息).

The rows are the core's (residents, conversations, the message log, the outbox, escalations,
dedup keys); this repository is what the account flow does with them. Forgetting a resident
removes the person and keeps the community's records: their message log, conversation, resident
row and deliveries go; the escalations they opened stay for staff, without their openid (and
closed: nothing more can reach them); any key that embedded their openid (a dedup key, a source
key) has it replaced by a random token that leads nowhere.

One record cannot go in the same unit of work: the dedup key of the very message that asked to
be forgotten, which lets WeChat's retry of it get the same answer instead of running it again.
:meth:`AccountRepository.purge_forgotten` removes it once WeChat has stopped retrying.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select

from store.models import Conversation, Escalation, MessageLog, OutboxMessage, ProcessedMessage, Resident
from store.repositories import Repository
from store.repositories._sql import rowcount

#: Deliveries that are finished: kept as message history, purged with the message log.
FINISHED_DELIVERIES = ("sent", "dropped")


def anonymous_token() -> str:
    """What replaces a forgotten openid inside a key: unique, and linked to nobody."""
    return f"gone-{secrets.token_hex(6)}"


def scrub(value: str | None, openid: str, token: str) -> str | None:
    """``value`` with ``openid`` replaced by ``token`` (keys like ``msg:<openid>:<MsgId>``)."""
    return value.replace(openid, token) if value and openid in value else value


def redacted(payload: dict[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    """A delivery's payload with its words cleaned (a new dict, so the change is saved)."""
    content = payload.get("content")
    return {**payload, "content": redact(content)} if isinstance(content, str) else payload


class AccountRepository(Repository):
    # --- what is kept ----------------------------------------------------------------------
    def message_count(self, openid: str) -> int:
        query = select(func.count()).select_from(MessageLog).where(MessageLog.openid == openid)
        return self.session.scalar(query) or 0

    def open_escalations(self, openid: str) -> list[Escalation]:
        query = (select(Escalation).where(Escalation.openid == openid, Escalation.status != "closed")
                 .order_by(Escalation.id))
        return list(self.session.scalars(query))

    # --- where they came from ------------------------------------------------------------------
    @staticmethod
    def remember_scene(resident: Resident, scene: str) -> None:
        """The QR code they followed or scanned by (``b3``: building 3), kept on the resident."""
        resident.scene = scene

    # --- unbinding -------------------------------------------------------------------------
    @staticmethod
    def unbind(resident: Resident) -> None:
        """The account no longer speaks for the household (its records stay the household's)."""
        resident.household_id = None
        resident.member_id = None
        resident.bound_at = None

    # --- forgetting ------------------------------------------------------------------------
    def forget(self, resident: Resident, now: datetime, redact: Callable[[str], str] = str) -> None:
        """Remove the person from the core's records (see the module docstring); ``redact``
        cleans what they wrote that stays with staff (their phone numbers masked). The resident
        row goes last, so that the unit of work can tell the resident was forgotten."""
        openid = resident.openid
        token = anonymous_token()
        session = self.session
        session.execute(delete(MessageLog).where(MessageLog.openid == openid))
        session.execute(delete(Conversation).where(Conversation.openid == openid))
        session.execute(delete(OutboxMessage).where(OutboxMessage.openid == openid))
        for row in session.scalars(select(OutboxMessage).where(
                OutboxMessage.dedup_key.contains(openid, autoescape=True))):  # staff told about them
            row.dedup_key = scrub(row.dedup_key, openid, token)
            row.payload = redacted(row.payload, redact)
        for escalation in session.scalars(select(Escalation).where(
                (Escalation.openid == openid) | Escalation.source_key.contains(openid, autoescape=True))):
            if escalation.openid == openid:
                escalation.openid = ""
                escalation.text = redact(escalation.text)
                if escalation.status != "closed":
                    escalation.status, escalation.closed_at, escalation.updated_at = "closed", now, now
            escalation.source_key = scrub(escalation.source_key, openid, token)
        # Dedup keys of messages being answered right now stay until that answer is stored.
        session.execute(delete(ProcessedMessage).where(ProcessedMessage.openid == openid,
                                                       ProcessedMessage.status != "processing"))
        session.delete(resident)
        session.flush()

    # --- keeping no more than needed -----------------------------------------------------------
    def purge_messages(self, older_than: datetime) -> int:
        """The message log, and finished deliveries, older than the retention period."""
        logs = rowcount(self.session.execute(delete(MessageLog).where(MessageLog.created_at < older_than)))
        sent = rowcount(self.session.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_(FINISHED_DELIVERIES), OutboxMessage.created_at < older_than)))
        return logs + sent

    def purge_forgotten(self, older_than: datetime) -> int:
        """What a forgotten resident's last message left behind once WeChat stopped retrying it:
        its dedup key (and the reply, when it went out through the outbox)."""
        no_resident = ~exists().where(Resident.openid == ProcessedMessage.openid)
        keys = rowcount(self.session.execute(delete(ProcessedMessage).where(
            no_resident, ProcessedMessage.status != "processing", ProcessedMessage.claimed_at < older_than)))
        nobody = ~exists().where(Resident.openid == OutboxMessage.openid)
        replies = rowcount(self.session.execute(delete(OutboxMessage).where(
            nobody, OutboxMessage.purpose == "reply", OutboxMessage.created_at < older_than)))
        return keys + replies
