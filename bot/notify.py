"""Messages to a resident that nobody asked for just now: a new bill, a reminder, a staff answer.

They go through the outbox (:mod:`bot.outbox`): a customer-service message inside WeChat's
48-hour window; outside it the template message given here, when the operator configured
one under ``wechat.templates``; otherwise the message waits and goes out when the resident
next writes. Nothing is queued for a resident who unfollowed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialogue.turn import Reply
from store import Store

PUSH = "push"


@dataclass(frozen=True, slots=True)
class Template:
    """A template message: ``name`` as configured in ``wechat.templates``; ``data`` the
    template's fields (first, keyword1…, remark); ``url`` where tapping it leads."""

    name: str
    data: dict[str, str] = field(default_factory=dict)
    url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.name, "data": dict(self.data), "url": self.url}


def push(store: Store, openid: str, reply: Reply, now: datetime, *, key: str,
         template: Template | None = None, purpose: str = PUSH) -> bool:
    """Queue ``reply`` for ``openid`` once per ``key``; False when it was not queued (already
    queued under that key, or the resident no longer follows the account)."""
    resident = store.residents.get(openid)
    if resident is None or not resident.subscribed:
        return False
    return store.outbox.enqueue(openid, purpose, reply.to_dict(), now, dedup_key=key,
                                template=template.to_dict() if template else None)
