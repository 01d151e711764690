"""Entities found by their words: bill types and repair categories (nlu/lexicon.yml and the
training data's lookup/synonym sections).  The longest word wins at each place, so 燃气费 is a
bill type while 燃气 alone is the gas repair category; neighbouring words of one repair
category form one mention (水管 + 漏水)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from nlu.entities._base import Found, Mention


class LookupFinder:
    """Finds lookup words of several entities in one pass; immutable after construction."""

    def __init__(self, lookups: dict[str, dict[str, tuple[str, ...]]],
                 fold: Callable[[str], str]) -> None:
        table: dict[str, list[tuple[str, str]]] = {}
        for entity in sorted(lookups):
            for word, values in sorted(lookups[entity].items()):
                key = fold(word)
                if not key:
                    continue
                for value in values:
                    pair = (entity, value)
                    if pair not in table.setdefault(key, []):
                        table[key].append(pair)
        self._table = table
        words = sorted(table, key=lambda w: (-len(w), w))
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def __call__(self, text: str) -> Iterator[Mention]:
        if self._pattern is None:
            return
        hits = [(m.start(), m.end(), self._table[m.group()]) for m in self._pattern.finditer(text)]
        merged: list[list] = []  # [start, end, pairs]
        for start, end, pairs in hits:
            if (merged and merged[-1][1] >= start and merged[-1][2] == pairs
                    and pairs[0][0] == "repair_category"):
                merged[-1][1] = max(merged[-1][1], end)
                continue
            merged.append([start, end, pairs])
        for start, end, pairs in merged:
            yield Mention(start, end, tuple(Found(e, v, start, end) for e, v in pairs))
