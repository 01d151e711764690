"""Delivering the outbox through the customer-service message API, with retries.

Replies that missed the 5-second budget, staff notifications, staff answers and pushes
(:mod:`bot.notify`) wait in the ``outbox`` table, so nothing is lost when the WeChat API is
down or the server restarts. Each round leases due rows (two workers never send one row),
checks WeChat's 48-hour window and per-window quota, sends outside any transaction (a
template message instead, outside the window, when one is configured), then records the
outcome: sent, retry later (with back-off), or held until the resident next writes — and
staff are told when an answer someone waits for is held. Nothing goes to a resident who
unfollowed: what is still queued for them is dropped, not held.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.cases import tell_staff
from bot.dialogue.responses import Responses
from bot.dialogue.turn import Reply
from bot.errors import DeliveryError, WindowClosed
from bot.privacy import mask_openid
from bot.settings import Config
from bot.wechat.api import WeChatApi
from bot.wechat.render import render_custom
from store import Store
from store.clock import utcnow
from store.db import transaction

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
#: Purposes whose hold is reported to staff (someone is waiting for that answer); pushes
#: (bills, reminders) simply wait for the resident's next message.
RESIDENT_PURPOSES = frozenset({"reply", "staff_reply"})


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    openid: str
    purpose: str
    body: dict[str, Any] | None
    #: "custom" (inside the window), "template" (outside it, with a template), "hold".
    mode: str
    template: dict[str, Any] | None = None


class OutboxWorker:
    def __init__(self, factory: sessionmaker[Session], api: WeChatApi, config: Config,
                 responses: Responses) -> None:
        self.factory = factory
        self.api = api
        self.config = config
        self.responses = responses
        self.window = timedelta(hours=config.wechat.customer_service_window_hours)
        self.quota = config.wechat.customer_service_quota

    def run_once(self, now: datetime | None = None, limit: int = 20) -> int:
        """Deliver what is due; returns how many rows were handled."""
        jobs = self._lease(now or utcnow(), limit)
        for job in jobs:
            self._deliver(job)
        return len(jobs)

    def _lease(self, now: datetime, limit: int) -> list[_Job]:
        footer = self.responses.text("menu.footer")
        jobs = []
        with transaction(self.factory) as session:
            store = Store(session)
            for row in store.outbox.claim_due(now, LEASE, limit):
                resident = store.residents.get(row.openid)
                if resident is not None and not resident.subscribed:
                    store.outbox.mark_dropped(row, "the resident unfollowed the account")
                    continue
                allowed = resident is not None and store.residents.in_customer_service_window(
                    resident, now, self.window, self.quota)
                template = self._template(row.template)
                if allowed and resident is not None:
                    resident.window_sends += 1  # reserve the quota before sending
                    mode = "custom"
                else:
                    mode = "template" if template is not None else "hold"
                body = render_custom(Reply.from_dict(row.payload), footer)
                jobs.append(_Job(row.id, row.openid, row.purpose, body, mode, template))
        return jobs

    def _template(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """The template message to send instead, when its template is configured."""
        if not stored:
            return None
        template_id = self.config.wechat.templates.get(str(stored.get("template", "")))
        return {**stored, "template_id": template_id} if template_id else None

    def _deliver(self, job: _Job) -> None:
        if job.body is None:
            self._record(job, "sent", None)
            return
        if job.mode == "hold":
            self._record(job, "held", "outside the 48-hour customer-service window or over its quota")
            return
        try:
            if job.mode == "template" and job.template is not None:
                self.api.send_template(job.openid, str(job.template["template_id"]),
                                       dict(job.template.get("data") or {}), str(job.template.get("url") or ""))
            else:
                self.api.send(job.openid, job.body)
        except WindowClosed as error:
            self._record(job, "held", str(error))
        except DeliveryError as error:
            self._record(job, "retry", str(error))
        except Exception as error:  # a worker must survive anything one message does
            log.exception("outbox %s: unexpected failure", job.id)
            self._record(job, "retry", error.__class__.__name__)
        else:
            self._record(job, "sent", None)

    def _record(self, job: _Job, outcome: str, error: str | None) -> None:
        now = utcnow()
        with transaction(self.factory) as session:
            store = Store(session)
            row = store.outbox.get(job.id)
            if row is None:
                return
            if outcome == "sent":
                store.outbox.mark_sent(row, now)
                return
            if outcome == "retry":
                backoff = self.config.outbox.retry_backoff_seconds
                delay = backoff[min(row.attempts, len(backoff) - 1)] if backoff else 60
                store.outbox.mark_retry(row, error or "", now + timedelta(seconds=delay),
                                        self.config.outbox.max_attempts)
                log.warning("outbox %s to %s: %s (attempt %s)", row.id, mask_openid(job.openid), error,
                            row.attempts)
                if row.status == "failed" and job.purpose in RESIDENT_PURPOSES:
                    self._tell_staff(store, job, now)
                return
            resident = store.residents.get(job.openid)
            if resident is not None and not resident.subscribed:  # unfollowed while this was on its way
                store.outbox.mark_dropped(row, error or "the resident unfollowed the account")
                return
            store.outbox.mark_held(row, error or "")
            log.warning("outbox %s to %s held: %s", row.id, mask_openid(job.openid), error)
            if job.purpose in RESIDENT_PURPOSES:
                self._tell_staff(store, job, now)

    def _tell_staff(self, store: Store, job: _Job, now: datetime) -> None:
        """A resident could not be reached: the staff on duty hear about it instead."""
        body = job.body or {}
        text = body.get("text", {}).get("content") or body.get("news", {}).get("articles", [{}])[0].get("title", "")
        notice = self.responses.text("outbox.undelivered", who=mask_openid(job.openid), text=text[:200])
        tell_staff(store, self.config, notice, f"undelivered:{job.id}", now)
