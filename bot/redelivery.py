"""Messages taken again once the database is back.

When a message outlives the reply budget, WeChat is told ``success`` and will not send it
again; should the database then turn out to be unreachable, nothing of the message was kept.
Rather than lose it, the worker takes it again after a pause, and again with growing pauses,
until the database answers (the reply then goes out through the outbox) or ``give_up_after``
seconds have passed. A retry that finds the message already answered does nothing more:
taking a message is idempotent on its key.

While it waits, the message is also kept on disk, one file per message in the spool
directory (written when it starts waiting, removed once it is taken or given up): a worker
stopped or restarted during the outage takes the waiting messages again when it starts
(:meth:`Redelivery.resume`). Workers sharing a spool may each take a message;
the first to reach the database answers it, the others find it answered.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot import metrics
from bot.dialogue.turn import Location, Photo
from bot.privacy import mask_openid
from bot.wechat.inbound import Inbound
from store.repositories.processed import ClaimState

log = logging.getLogger(__name__)

#: Pauses between attempts (seconds); the last one repeats.
PAUSES = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class Redelivery:
    def __init__(self, take: Callable[[Inbound], object], *, spool: Path | None = None,
                 give_up_after: float = 900.0, pauses: tuple[float, ...] | None = None) -> None:
        self._take = take
        self.spool = spool
        self._give_up_after = give_up_after
        self._pauses = pauses or PAUSES
        self._lock = threading.Lock()
        self._waiting: dict[str, threading.Timer] = {}

    def later(self, inbound: Inbound) -> None:
        """Take ``inbound`` again after the first pause (once per message key)."""
        with self._lock:
            if inbound.key in self._waiting:
                return
        self._keep(inbound, time.time())
        self._schedule(inbound, attempt=0, started=time.monotonic())

    def resume(self) -> int:
        """Schedule the messages a stopped worker left in the spool; how many there were."""
        if self.spool is None or not self.spool.is_dir():
            return 0
        resumed = 0
        for path in sorted(self.spool.glob("*.json")):
            try:
                kept = json.loads(path.read_text(encoding="utf-8"))
                inbound, since = _inbound_of(kept["inbound"]), float(kept["since"])
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.error("redelivery spool: %s cannot be read (%s); left in place", path.name, error)
                continue
            with self._lock:
                if inbound.key in self._waiting:
                    continue
            self._schedule(inbound, attempt=0, started=time.monotonic() - max(0.0, time.time() - since))
            resumed += 1
        if resumed:
            log.warning("%d message(s) left waiting for the database by a stopped worker are taken again", resumed)
        return resumed

    def pending(self) -> int:
        with self._lock:
            return len(self._waiting)

    def stop(self) -> None:
        """Stop taking messages again; those waiting stay in the spool for the next start."""
        with self._lock:
            timers, self._waiting = list(self._waiting.values()), {}
        for timer in timers:
            timer.cancel()

    # --- the spool ------------------------------------------------------------------------------
    def _path(self, key: str) -> Path | None:
        if self.spool is None:
            return None
        return self.spool / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()}.json"

    def _keep(self, inbound: Inbound, since: float) -> None:
        path = self._path(inbound.key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            scratch = path.with_suffix(".tmp")
            with scratch.open("w", encoding="utf-8") as file:
                json.dump({"inbound": asdict(inbound), "since": since}, file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            scratch.replace(path)
        except OSError as error:  # it still waits in memory
            log.error("message %s from %s could not be kept on disk (%s): a restart would lose it",
                      inbound.key, mask_openid(inbound.openid), error)

    def _forget(self, key: str) -> None:
        path = self._path(key)
        if path is not None:
            path.unlink(missing_ok=True)

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
            self._forget(inbound.key)
            metrics.REDELIVERED.labels("taken").inc()
            log.info("message %s from %s taken after the database came back", inbound.key,
                     mask_openid(inbound.openid))
            return
        if time.monotonic() - started >= self._give_up_after:
            with self._lock:
                self._waiting.pop(inbound.key, None)
            self._forget(inbound.key)
            metrics.REDELIVERED.labels("lost").inc()
            log.error("message %s from %s is lost: the database stayed unavailable for %.0f s",
                      inbound.key, mask_openid(inbound.openid), self._give_up_after)
            return
        self._schedule(inbound, attempt + 1, started)


def _inbound_of(data: dict[str, Any]) -> Inbound:
    """The message a spool file holds (written from ``asdict``)."""
    photo, location = data.get("photo"), data.get("location")
    return Inbound(**{**data, "photo": Photo(**photo) if photo else None,
                      "location": Location(**location) if location else None})


def spool_for(database_url: str, root: Path) -> Path:
    """Where a worker keeps the messages waiting for ``database_url``: beside a SQLite file,
    else under ``root``/var/redelivery, one directory per database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).name + ".redelivery")
    name = "-".join(str(part) for part in (url.host or "local", url.port or "", url.database or "") if part != "")
    return root / "var" / "redelivery" / name
