"""Background jobs of the server process (APScheduler): outbox delivery, housekeeping and the
jobs flows declare (``@flow.job``)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from bot.dialogue.flow import Job
from bot.jobs import JobContext
from store import Store
from store.clock import utcnow
from store.db import transaction

if TYPE_CHECKING:
    from bot.outbox import OutboxWorker
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

#: Dedup keys are kept this long: WeChat retries for about 15 seconds, audits like a day.
KEEP_PROCESSED = timedelta(days=1)


class Scheduler:
    def __init__(self, runtime: Runtime, outbox: OutboxWorker | None) -> None:
        self.runtime = runtime
        self._scheduler = BackgroundScheduler(timezone="UTC")
        if outbox is not None:
            self._scheduler.add_job(
                outbox.run_once, "interval", seconds=runtime.settings.config.outbox.poll_seconds,
                id="outbox", max_instances=1, coalesce=True)
        self._scheduler.add_job(self.purge_processed, "interval", minutes=10, id="purge_processed",
                                max_instances=1, coalesce=True)
        zone = runtime.settings.config.community.timezone
        for job in runtime.registry.jobs:
            options = {"timezone": zone, **job.options} if job.trigger == "cron" else dict(job.options)
            self._scheduler.add_job(self._runner(job), job.trigger, id=job.id, max_instances=1, coalesce=True,
                                    misfire_grace_time=300, **options)

    def _runner(self, job: Job) -> Callable[[], None]:
        def run() -> None:
            try:
                job.run(JobContext(self.runtime, utcnow()))
            except Exception:  # one failing job must not stop the scheduler
                log.exception("job %s failed", job.id)

        return run

    def jobs(self) -> list[tuple[str, datetime | None]]:
        """Every scheduled job and its next run."""
        return [(job.id, job.next_run_time) for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.shutdown(wait=False)

    def purge_processed(self) -> int:
        """Forget dedup keys WeChat can no longer retry."""
        with transaction(self.runtime.factory) as session:
            purged = Store(session).processed.purge(utcnow() - KEEP_PROCESSED)
        if purged:
            log.info("purged %s old dedup keys", purged)
        return purged
