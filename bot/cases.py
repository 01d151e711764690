"""The staff side of a conversation: who is told about a case, staff answers, closing a case.

Used alike by the dialogue (``Context.notify_staff``), the staff API, staff's WeChat commands
and the console, so that a case behaves the same wherever staff handle it. Everything that
goes to a person goes through the outbox (retries, the 48-hour window, nothing lost).
"""
from __future__ import annotations

from datetime import datetime

from bot.dialogue.responses import Responses
from bot.dialogue.turn import Reply
from bot.notify import Template, push
from bot.settings import Config
from store import Store
from store.models import Escalation
from store.staff import StaffRepository

STAFF_NOTICE = "staff_notice"
STAFF_REPLY = "staff_reply"
#: Conversation memory: staff answered this case, so the resident's next words are for them.
LIVE_CASE = "_live_case"


def tell_staff(store: Store, config: Config, text: str, source_key: str, now: datetime, role: str = "staff") -> int:
    """Queue ``text`` for the staff who should hear about it (once per source and person);
    returns how many people it was queued for."""
    openids = {member.openid for member in store[StaffRepository].recipients(role) if member.openid}
    openids |= set(config.staff.on_duty_openids)
    for openid in sorted(openids):
        store.outbox.enqueue(openid, STAFF_NOTICE, {"content": text}, now, dedup_key=f"staff:{source_key}:{openid}")
    return len(openids)


def answer_case(store: Store, responses: Responses, escalation: Escalation, text: str, now: datetime,
                key: str) -> bool:
    """A staff answer to the resident (once per ``key``); the case is marked replied and stays
    open, so that what the resident writes next goes to the same case."""
    reply = Reply.text(responses.text("handoff.staff_answer", case=escalation.id, text=text))
    queued = store.outbox.enqueue(escalation.openid, STAFF_REPLY, reply.to_dict(), now, dedup_key=key,
                                  template=Template("staff_reply", {"first": text, "keyword1": str(escalation.id)})
                                  .to_dict())
    if queued:
        store.escalations.mark_replied(escalation, now)
        store.messages.record(escalation.openid, "staff", "text", text, now, msg_key=key)
        store.conversations.remember(escalation.openid, LIVE_CASE, {"id": escalation.id, "at": now.isoformat()}, now)
    return queued


def close_case(store: Store, responses: Responses, escalation: Escalation, now: datetime) -> bool:
    """Close the case and tell the resident (once); False when it was closed already."""
    if escalation.status == "closed":
        return False
    store.escalations.close(escalation, now)
    store.conversations.remember(escalation.openid, LIVE_CASE, None, now)
    push(store, escalation.openid, Reply.text(responses.text("handoff.closed", case=escalation.id)), now,
         key=f"case-closed:{escalation.id}", purpose=STAFF_REPLY)
    return True
