"""The whole demo community: the households of ``store/demo_community.yml`` and what every
installed flow adds to them (``@flow.demo``: bills, events, rewards …), so that a newcomer
can try every flow at once. Loading it twice adds nothing the second time."""
from __future__ import annotations

from datetime import date

from bot.dialogue.registry import Registry, load_flows
from store import Store
from store.demo import seed_demo


def seed_community(store: Store, today: date, registry: Registry | None = None) -> int:
    """Load the demo community; returns how many records were added."""
    added = seed_demo(store)
    for demo in (registry or load_flows()).demos:
        added += demo(store, today)
        store.session.flush()
    return added
