"""Prometheus metrics at ``/metrics``: messages and how they ended, reply latency, what the NLU
understood and how sure it was, the outbox backlog, scheduled jobs. Nothing personal is in
them (no openids, no words). With several workers each worker reports its own numbers."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
MESSAGES = Counter("linli_messages", "WeChat messages by how they ended", ["outcome"], registry=REGISTRY)
REPLY_SECONDS = Histogram("linli_reply_seconds", "Time from a WeChat request to its answer",
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4.5, 10), registry=REGISTRY)
INTENTS = Counter("linli_intents", "Messages by the intent the NLU read", ["intent"], registry=REGISTRY)
CONFIDENCE = Histogram("linli_nlu_confidence", "The NLU's confidence in its intent",
                       buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0), registry=REGISTRY)
JOBS = Counter("linli_jobs", "Scheduled job runs by outcome", ["job", "outcome"], registry=REGISTRY)
REDELIVERED = Counter("linli_redelivered", "Messages taken again after the database was unavailable, by outcome",
                      ["outcome"], registry=REGISTRY)


class OutboxBacklog(Collector):
    """The outbox by status, read from the database when Prometheus scrapes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from store import Store
        from store.db import transaction

        family = GaugeMetricFamily("linli_outbox", "Outbox messages by status", labels=["status"])
        try:
            with transaction(self.runtime.read_factory) as session:
                counts = Store(session).outbox.count_by_status()
        except Exception as error:  # a scrape must answer whatever the database does
            log.warning("metrics: outbox unavailable: %s", error.__class__.__name__)
            return
        for status, count in sorted(counts.items()):
            family.add_metric([status], count)
        yield family


def watch(runtime: Runtime) -> None:
    """Add the collectors that read the runtime's database (once per runtime)."""
    if getattr(runtime, "_metrics_watched", False):
        return
    REGISTRY.register(OutboxBacklog(runtime))
    runtime._metrics_watched = True  # type: ignore[attr-defined]
