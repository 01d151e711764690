"""What a flow's scheduled job may use: the store (one transaction at a time), settings,
words and the clock. Jobs are declared by their flows (``@flow.job``) and run by
:mod:`bot.scheduler`."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.dialogue.turn import Said
from store import Store
from store.db import transaction

if TYPE_CHECKING:
    from bot.dialogue.flow import FlowSettings
    from bot.runtime import Runtime


@dataclass
class JobContext:
    runtime: Runtime
    now: datetime

    @property
    def sections(self) -> dict[str, FlowSettings]:
        return self.runtime.sections

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.runtime.settings.config.community.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.timezone).date()

    @contextmanager
    def store(self) -> Iterator[Store]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        with transaction(self.runtime.factory) as session:
            yield Store(session)

    def say(self, key: str, **values: Any) -> Said:
        community = self.runtime.settings.config.community
        defaults = {"community": community.name, "property_phone": community.property_phone,
                    "emergency_phone": community.emergency_phone, "office_hours": community.office_hours,
                    "property_office": community.property_office}
        return Said(self.runtime.responses.text(key, **{**defaults, **values}), key)
