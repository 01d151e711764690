"""Background jobs of the server process (APScheduler): outbox delivery, housekeeping and the
jobs flows declare (``@flow.job``)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.dialogue.flow import Job
from bot.jobs import JobContext
from bot.leader import Leadership
from store import Store
from store.clock import utcnow
from store.db import transaction

if TYPE_CHECKING:
    from bot.outbox import OutboxWorker
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

#: Dedup keys are kept this long: WeChat retries for about 15 seconds, audits like a day.
KEEP_PROCESSED = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PlannedJob:
    id: str
    trigger: BaseTrigger
    leader_only: bool
    run: Callable[[], Any]


class Scheduler:
    """The jobs of one worker. The outbox runs in every worker (its leases keep two workers off
    one message); housekeeping and the flows' jobs run only in the leader (:mod:`bot.leader`)."""

    def __init__(self, runtime: Runtime, outbox: OutboxWorker | None) -> None:
        self.runtime = runtime
        self.leadership = Leadership(runtime.database)
        self._scheduler = BackgroundScheduler(timezone="UTC")
        for planned in plan(runtime, outbox):
            run = self._leader_only(planned) if planned.leader_only else planned.run
            self._scheduler.add_job(run, planned.trigger, id=planned.id, max_instances=1, coalesce=True,
                                    misfire_grace_time=300)

    def _leader_only(self, planned: PlannedJob) -> Callable[[], None]:
        def run() -> None:
            if not self.leadership.held():
                return
            try:
                planned.run()
            except Exception:  # one failing job must not stop the scheduler
                log.exception("job %s failed", planned.id)
                metrics.JOBS.labels(planned.id, "failed").inc()
            else:
                metrics.JOBS.labels(planned.id, "done").inc()

        return run

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        self._scheduler.shutdown(wait=False)
        self.leadership.release()



def purge_processed(runtime: Runtime) -> int:
    """Forget dedup keys WeChat can no longer retry."""
    with transaction(runtime.factory) as session:
        purged = Store(session).processed.purge(utcnow() - KEEP_PROCESSED)
    if purged:
        log.info("purged %s old dedup keys", purged)
    return purged


def plan(runtime: Runtime, outbox: OutboxWorker | None) -> list[PlannedJob]:
    """Every job a worker schedules: the outbox, housekeeping and each flow's jobs."""
    config = runtime.settings.config
    zone = config.community.timezone
    planned = [PlannedJob("purge_processed", IntervalTrigger(minutes=10), True, lambda: purge_processed(runtime))]
    if outbox is not None:
        planned.insert(0, PlannedJob("outbox", IntervalTrigger(seconds=config.outbox.poll_seconds), False,
                                     outbox.run_once))
    for job in runtime.registry.jobs:
        trigger: BaseTrigger
        if job.trigger == "cron":
            trigger = CronTrigger(timezone=zone, **job.options)
        elif job.trigger == "interval":
            trigger = IntervalTrigger(**job.options)
        else:
            raise ValueError(f"job {job.id}: unknown trigger {job.trigger!r}")
        planned.append(PlannedJob(job.id, trigger, True, _job_runner(runtime, job)))
    return planned


def _job_runner(runtime: Runtime, job: Job) -> Callable[[], Any]:
    return lambda: job.run(JobContext(runtime, utcnow()))


def next_runs(runtime: Runtime, now: datetime | None = None) -> list[tuple[str, datetime | None, str]]:
    """Each job, when it runs next and on what schedule (``python -m bot jobs``)."""
    moment = now or utcnow()
    rows = [(job.id, job.trigger.get_next_fire_time(None, moment), str(job.trigger)) for job in plan(runtime, None)]
    secrets = runtime.settings.wechat
    if secrets.appid and secrets.secret:
        every = IntervalTrigger(seconds=runtime.settings.config.outbox.poll_seconds)
        rows.insert(0, ("outbox", every.get_next_fire_time(None, moment), str(every)))
    return rows
