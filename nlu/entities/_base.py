"""What every entity extractor returns: a mention of the normalised text and its entities."""
from __future__ import annotations

from dataclasses import dataclass

from nlu.types import EntityValue


@dataclass(frozen=True, slots=True)
class Found:
    """One entity inside a mention; offsets index the normalised text."""

    entity: str
    value: EntityValue
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A stretch of text claimed by one extractor; overlapping mentions compete by length."""

    start: int
    end: int
    found: tuple[Found, ...]

    @property
    def length(self) -> int:
        return self.end - self.start
