"""What the repair flow keeps about a resident (for 我的信息), and forgetting them (删除我的信息).

A ticket is the community's record of a fault and its repair: it stays, with its category,
place, description and history, but without the person — no openid, no phone, their phone
numbers masked in what they wrote (and in what staff were told about it), and the openid
taken out of its source key.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from actions.repair import flow
from bot.dialogue import Context
from bot.privacy import mask_phone
from store import Store
from store.account import anonymous_token, redacted, scrub
from store.models import OutboxMessage
from store.repairs import OPEN_STATUSES, RepairTicket


@flow.describe
def open_tickets(ctx: Context) -> list[str]:
    """The resident's own tickets not done yet."""
    query = (select(RepairTicket.id)
             .where(RepairTicket.openid == ctx.resident.openid, RepairTicket.status.in_(OPEN_STATUSES))
             .order_by(RepairTicket.id))
    ids = list(ctx.store.session.scalars(query))
    if not ids:
        return []
    return [ctx.say("repair.describe_open", count=len(ids), tickets="、".join(str(i) for i in ids))]


@flow.forget
def forget_reporter(store: Store, openid: str, now: datetime) -> None:
    token = anonymous_token()
    query = select(RepairTicket).where(
        (RepairTicket.openid == openid) | RepairTicket.source_key.contains(openid, autoescape=True))
    for ticket in list(store.session.scalars(query)):
        if ticket.openid == openid:
            ticket.openid = ""
            ticket.phone = ""
            ticket.description = mask_phone(ticket.description)
            ticket.updated_at = now
            _mask_staff_notices(store, ticket.id)
        ticket.source_key = scrub(ticket.source_key, openid, token) or ticket.source_key


def _mask_staff_notices(store: Store, ticket_id: int) -> None:
    """What staff were told about the ticket keeps no phone number of the person (the notices
    are keyed ``staff:repair:<ticket>:<staff>`` and ``staff:repair-cancel:<ticket>:<staff>``)."""
    prefixes = (f"staff:repair:{ticket_id}:", f"staff:repair-cancel:{ticket_id}:")
    query = select(OutboxMessage).where(or_(*(OutboxMessage.dedup_key.startswith(p, autoescape=True)
                                              for p in prefixes)))
    for notice in store.session.scalars(query):
        notice.payload = redacted(notice.payload, mask_phone)
