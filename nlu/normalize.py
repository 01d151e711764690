"""Text normalisation: one spelling for the many ways residents write the same thing.

Traditional characters become simplified (報修 → 报修), full-width forms half-width
(１２３ → 123), Latin letters lower case, dash variants a plain ``-``, and the typo and
dialect map of nlu/lexicon.yml is applied (保修 → 报修, 积份 → 积分, 阿拉 → 我们).  The map
may change the length of the text, so :class:`Normalized` keeps, for every normalised
character, the span of the original text it came from: entity offsets always index what the
resident actually wrote.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nlu.lexicon import Lexicon, cached_lexicon

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―－~～〜"), "-")
_converter_lock = threading.Lock()
_converter: Any = None


def _opencc() -> Any:
    """The OpenCC traditional → simplified converter, created once (its config load is slow)."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


@lru_cache(maxsize=4096)
def _char_form(ch: str) -> str:
    """Half-width, lower-case, simplified form of one character (always one character)."""
    if ch in "\u3000\t\r\n\xa0":
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    folded = folded.translate(_DASHES).lower()
    if ord(folded) > 0x2E80:
        simplified = _opencc().convert(folded)
        if len(simplified) == 1:
            folded = simplified
    return folded


def _fold(text: str) -> str:
    """Character-by-character folding; phrase-level OpenCC first when it keeps the length."""
    if any(ord(c) > 0x2E80 for c in text):
        converted = _opencc().convert(text)
        if len(converted) == len(text):
            text = converted
    return "".join(_char_form(c) for c in text)


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised text with, for each of its characters, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of :attr:`text` to the span of :attr:`original` it covers."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


class Normalizer:
    """Applies the folding and the lexicon's replacement map; immutable, thread-safe."""

    def __init__(self, lexicon: Lexicon) -> None:
        pairs = [(_fold(w), _fold(r)) for w, r in lexicon.replacements]
        self._map = {w: r for w, r in pairs if w and w != r}
        words = sorted(self._map, key=lambda w: (-len(w), w))
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def __call__(self, text: str) -> Normalized:
        folded = _fold(text)
        if self._pattern is None:
            idx = tuple(range(len(text)))
            return Normalized(text, folded, idx, tuple(i + 1 for i in idx))
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for match in self._pattern.finditer(folded):
            a, b = match.span()
            for i in range(pos, a):
                out.append(folded[i])
                starts.append(i)
                ends.append(i + 1)
            replacement = self._map[match.group()]
            out.append(replacement)
            if len(replacement) == b - a:
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
            else:
                starts.extend([a] * len(replacement))
                ends.extend([b] * len(replacement))
            pos = b
        for i in range(pos, len(folded)):
            out.append(folded[i])
            starts.append(i)
            ends.append(i + 1)
        return Normalized(text, "".join(out), tuple(starts), tuple(ends))


@lru_cache(maxsize=1)
def default_normalizer() -> Normalizer:
    return Normalizer(cached_lexicon(None))


def normalize(text: str) -> Normalized:
    """Normalise with the package's lexicon, keeping the map back to the original text."""
    return default_normalizer()(text)


def normalize_text(text: str) -> str:
    """The text the engine actually reads: simplified, half-width, typos and dialect mapped."""
    return default_normalizer()(text).text
