"""Scheduled jobs: declared by flows, listed by `python -m bot jobs`, run by exactly one worker."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from bot.dialogue import Flow
from bot.leader import Leadership
from bot.runtime import Runtime
from bot.scheduler import Scheduler, next_runs
from store.db import make_engine


def test_only_one_worker_leads_on_sqlite_and_the_next_takes_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lead.db'}"
    first, second = Leadership(make_engine(url)), Leadership(make_engine(url))
    assert first.held() and not second.held()
    assert first.held()  # still the leader
    first.release()
    assert second.held() and not first.held()
    second.release()


def test_only_one_worker_leads_on_postgres(postgres_url: str) -> None:
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    first, second = Leadership(engines[0]), Leadership(engines[1])
    assert first.held() and not second.held()
    first.release()
    assert second.held()
    second.release()
    for engine in engines:
        engine.dispose()


def test_a_flows_job_is_planned_listed_and_runs_only_in_the_leader(runtime: Runtime) -> None:
    ran: list[str] = []
    timed: Flow = Flow("timed_test")

    @timed.job("timed_test_job", "cron", hour=9, minute=30)
    def job(jobs) -> None:
        with jobs.store() as store:
            store.session.execute(text("SELECT 1"))
        ran.append(jobs.today.isoformat())

    runtime.registry.add(timed)
    listed = {job_id: (when, schedule) for job_id, when, schedule in next_runs(runtime)}
    when, schedule = listed["timed_test_job"]
    assert when is not None and "cron" in schedule
    local = when.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (9, 30)

    leader, follower = Scheduler(runtime, None), Scheduler(runtime, None)
    try:
        for scheduler in (leader, follower):  # run every planned job once, as the trigger would
            for planned in scheduler._scheduler.get_jobs():
                planned.func()
        assert len(ran) == 1  # the second scheduler is not the leader
    finally:
        leader.leadership.release()
        follower.leadership.release()


@pytest.mark.parametrize("extra", [[], ["--config", "config.yml"]])
def test_the_jobs_command_lists_jobs_and_next_runs(tmp_path: Path, extra: list[str]) -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}"}
    result = subprocess.run([sys.executable, "-m", "bot", "jobs", *extra], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("job") and any(line.startswith("purge_processed") for line in lines)
