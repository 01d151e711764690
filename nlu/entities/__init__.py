"""Rule-based entity extraction with normalised values (nlu/README.md's entity table).

Extraction runs on the normalised text (so 報修, 三號樓 and １３９… are understood) and maps
every span back to the original text.  Mentions of numbers and times (dates, periods,
building/unit/room, phone, head count) compete with each other: where two overlap the
longer wins (12月3号 is a date, not the period 12月; 3号楼 is a building, not the 3rd).  Lookup
words (bill types, repair categories) compete only among themselves.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path

from nlu.entities._base import Found, Mention
from nlu.entities.count import CountFinder
from nlu.entities.dates import find_dates, find_periods
from nlu.entities.location import find_locations
from nlu.entities.lookup import LookupFinder
from nlu.entities.phone import find_phones
from nlu.lexicon import Lexicon, cached_lexicon
from nlu.normalize import Normalized, Normalizer
from nlu.types import Entity

__all__ = ["EntityExtractor", "extract_entities", "default_extractor"]

_ORDER = ("date", "period", "building", "unit", "room", "phone", "count", "bill_type", "repair_category")


def _select(mentions: Iterable[Mention]) -> list[Mention]:
    """Non-overlapping mentions, the longest first (ties: the earlier)."""
    chosen: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (-m.length, m.start)):
        if all(mention.end <= c.start or mention.start >= c.end for c in chosen):
            chosen.append(mention)
    return chosen


class EntityExtractor:
    """Extracts entities from one utterance; immutable after construction, so thread-safe."""

    def __init__(self, lexicon: Lexicon, normalizer: Normalizer | None = None) -> None:
        self.normalizer = normalizer or Normalizer(lexicon)
        fold = lambda word: self.normalizer(word).text  # noqa: E731
        self._count = CountFinder(lexicon.count)
        self._lookup = LookupFinder(lexicon.lookups, fold)

    def extract(self, text: str, today: date | None = None,
                normalized: Normalized | None = None) -> list[Entity]:
        """Entities of ``text``, sorted by position, values normalised relative to ``today``."""
        today = today or date.today()
        norm = normalized if normalized is not None else self.normalizer(text)
        folded = norm.text
        numeric = _select([
            *find_phones(folded), *find_locations(folded), *find_dates(folded, today),
            *find_periods(folded, today), *self._count(folded),
        ])
        words = _select(self._lookup(folded))
        found: list[Found] = [f for m in (*numeric, *words) for f in m.found]
        found.sort(key=lambda f: (f.start, _ORDER.index(f.entity), f.end))
        entities: list[Entity] = []
        seen: set[tuple[str, object, int, int]] = set()
        for item in found:  # every mention, also a repeated one (明天 明天天气; 煤气味 … 漏气)
            start, end = norm.original_span(item.start, item.end)
            key = (item.entity, item.value, start, end)
            if key in seen:
                continue
            seen.add(key)
            entities.append(Entity(item.entity, item.value, start, end, text[start:end]))
        return entities

    def warm_up(self) -> None:
        """Load the lazily imported libraries now (jionlp's first parse takes ~0.1 s)."""
        from nlu import numerals
        from nlu.entities import dates

        dates.warm_up()
        numerals.warm_up()
        self.extract("明天下周三3号楼502室两个人", date(2000, 1, 1))


@lru_cache(maxsize=8)
def default_extractor(data_dir: Path | None = None) -> EntityExtractor:
    from nlu.normalize import default_normalizer

    lexicon = cached_lexicon(data_dir)
    return EntityExtractor(lexicon, default_normalizer() if data_dir is None else None)


def extract_entities(text: str, today: date | None = None) -> list[Entity]:
    """Rule-based extraction alone (no classifier): what forms use to fill their slots."""
    return default_extractor().extract(text, today)
