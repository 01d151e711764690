"""Messages taken again once the database is back.

When a message outlives the reply budget, WeChat is told ``success`` and will not send it
again; should the database then turn out to be unreachable, nothing of the message was kept.
Rather than lose it, the worker takes it again after a pause, and again with growing pauses,
until the database answers (the reply then goes out through the outbox) or ``give_up_after``
seconds have passed. A retry that finds the message already answered does nothing more:
taking a message is idempotent on its key.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot import metrics
from bot.privacy import mask_openid
from bot.wechat.inbound import Inbound
from store.repositories.processed import ClaimState

log = logging.getLogger(__name__)

#: Pauses between attempts (seconds); the last one repeats.
PAUSES = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class Redelivery:
    def __init__(self, take: Callable[[Inbound], object], *, give_up_after: float = 900.0,
                 pauses: tuple[float, ...] | None = None) -> None:
        self._take = take
        self._give_up_after = give_up_after
        self._pauses = pauses or PAUSES
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Timer] = {}

    def later(self, inbound: Inbound) -> None:
        """Take ``inbound`` again after the first pause (once per message key)."""
        with self._lock:
            if inbound.key in self._waiting:
                return
        self._schedule(inbound, attempt=0, started=time.monotonic())

    def pending(self) -> int:
        with self._lock:
            return len(self._waiting)

    def stop(self) -> None:
        with self._lock:
            timers, self._waiting = list(self._waiting.values()), {}
        for timer in timers:
            timer.cancel()

    def _schedule(self, inbound: Inbound, attempt: int, started: float) -> None:
        pause = self._pauses[min(attempt, len(self._pauses) - 1)]
        timer = threading.Timer(pause, self._attempt, args=(inbound, attempt, started))
        timer.daemon = True
        with self._lock:
            self._waiting[inbound.key] = timer
        timer.start()

    def _attempt(self, inbound: Inbound, attempt: int, started: float) -> None:
        try:
            outcome = self._take(inbound)
        except Exception:  # take() answers for itself; this is only a last guard for the timer thread
            log.exception("message %s could not be taken again", inbound.key)
            outcome = ClaimState.UNAVAILABLE
        if outcome is not ClaimState.UNAVAILABLE:
            with self._lock:
                self._waiting.pop(inbound.key, None)
            metrics.REDELIVERED.labels("taken").inc()
            log.info("message %s from %s taken after the database came back", inbound.key,
                     mask_openid(inbound.openid))
            return
        if time.monotonic() - started >= self._give_up_after:
            with self._lock:
                self._waiting.pop(inbound.key, None)
            metrics.REDELIVERED.labels("lost").inc()
            log.error("message %s from %s is lost: the database stayed unavailable for %.0f s",
                      inbound.key, mask_openid(inbound.openid), self._give_up_after)
            return
        self._schedule(inbound, attempt + 1, started)
