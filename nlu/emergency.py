"""The emergency decision: is a message about gas, fire, flooding or someone trapped?

An urgent case must be recognised however it is written: with a homophone typo of the input
method or of speech recognition (煤气危很重 for 煤气味, 水管包了 for 爆了), in other words
(电梯里关人了, 家里水漫金山了, 闻到一股臭鸡蛋味), in traditional characters, with spaces and
full-width forms; and it must not be raised by ordinary matters that share a word (燃气费,
煤气灶打不着火, 电梯坏了 with nobody inside, 火车票, 上火了).  A plain keyword list does neither,
so the decision reads the message the way the rest of the NLU does:

* the engine's normalisation (OpenCC, full-width → half-width, the typo map of nlu/lexicon.yml),
  then spaces, punctuation and fillers dropped;
* every word of nlu/emergency.yml matched on toneless pinyin (the table of :mod:`nlu.pinyin`,
  with the sounds southern accents and voice input confuse taken as one), as long as most of
  the word is written exactly;
* paraphrase through words that must come together (a lift + someone inside + not moving),
  longer words that contain a word without meaning it (燃气费, 打不着火), and negation.

The word lists live in nlu/emergency.yml, which operators may edit; nothing is trained.  A
detector is immutable once built and safe to share between threads; one message takes well
under a millisecond.

    detect_emergency("煤气危很重")     # "gas"
    detect_emergency("电梯不动了")     # None: nobody is said to be inside
"""
from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.pinyin import PinyinTable
from nlu.yamlio import safe_load

#: Texts up to this length have their answer kept (4,096 of them at most).
_REMEMBERED_CHARS = 200

PACKAGE_DIR = Path(__file__).resolve().parent
WORDS_PATH = PACKAGE_DIR / "emergency.yml"
KINDS = ("gas", "fire", "flooding", "trapped")
_DROP_RE = re.compile(r"[\s\W_]+", re.UNICODE)
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
             "z", "c", "s", "y", "w")


class EmergencyWordsError(ValueError):
    """nlu/emergency.yml (or another words file) that cannot be used; says where and why."""


@dataclass(frozen=True, slots=True)
class _Word:
    """One word of the lists: its kind, where it belongs (rule -1 = enough on its own), its
    normalised characters and their fuzzy syllables."""

    kind: str
    rule: int
    group: int
    chars: str
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """A word found in the compacted message (offsets index that text)."""

    kind: str
    rule: int
    group: int
    word: str
    start: int
    end: int
    exact: bool


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise EmergencyWordsError(f"{where}: expected a list of words")
    return [str(v).strip() for v in value if str(v).strip()]


class EmergencyDetector:
    """Gas / fire / flooding / trapped, or None; built from a words file and a pinyin table."""

    def __init__(self, doc: Mapping[str, Any], table: PinyinTable, normalize: Callable[[str], str],
                 where: str = "emergency words") -> None:
        self._table = table
        self._normalize = normalize
        self._detect_remembered = lru_cache(maxsize=4096)(self._detect)
        self._keys: dict[str, str] = {}
        initials = doc.get("fuzzy_initials") or {}
        finals = doc.get("fuzzy_finals") or {}
        if not isinstance(initials, dict) or not isinstance(finals, dict):
            raise EmergencyWordsError(f"{where}: fuzzy_initials and fuzzy_finals map a sound to another")
        self._initials = {str(k): str(v) for k, v in initials.items()}
        self._finals = sorted(((str(k), str(v)) for k, v in finals.items()), key=lambda kv: -len(kv[0]))
        try:
            self._window = int(doc.get("window", 12))
        except (TypeError, ValueError) as exc:
            raise EmergencyWordsError(f"{where}: window must be a number of characters") from exc
        fillers = [self._compact_plain(w) for w in _str_list(doc.get("fillers"), f"{where}: fillers")]
        fillers = sorted({f for f in fillers if f}, key=lambda w: (-len(w), w))
        self._fillers = re.compile("|".join(map(re.escape, fillers))) if fillers else None
        self._light = frozenset(self._compact_plain(w) for w in _str_list(doc.get("light"), f"{where}: light"))
        negations = [self._compact(w) for w in _str_list(doc.get("negations"), f"{where}: negations")]
        self._negations = tuple(sorted({n for n in negations if n}, key=len, reverse=True))
        self._not_now = self._index_of([self._word("", -1, 0, w)
                                        for w in _str_list(doc.get("not_now"), f"{where}: not_now")])

        kinds = doc.get("kinds")
        if not isinstance(kinds, dict) or not kinds:
            raise EmergencyWordsError(f"{where}: no kinds")
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise EmergencyWordsError(f"{where}: unknown kinds {unknown} (known: {', '.join(KINDS)})")
        self._order = tuple(str(k) for k in kinds)
        self._rules: dict[str, list[int]] = {}        # kind → number of groups of each rule
        self._windows: dict[str, list[int]] = {}      # kind → the window of each rule
        excepts: list[_Word] = []
        words: list[_Word] = []
        for kind, spec in kinds.items():
            if not isinstance(spec, dict):
                raise EmergencyWordsError(f"{where}: {kind} must have words / together / except")
            for word in _str_list(spec.get("words"), f"{where}: {kind}.words"):
                words.append(self._word(kind, -1, 0, word))
            sizes = []
            windows = []
            for r, rule in enumerate(spec.get("together") or []):
                within = self._window
                if isinstance(rule, dict):
                    try:
                        within = int(rule.get("within", self._window))
                    except (TypeError, ValueError) as exc:
                        raise EmergencyWordsError(f"{where}: {kind}.together[{r}].within is not a number") from exc
                    rule = rule.get("lists")
                if not isinstance(rule, list) or len(rule) < 2:
                    raise EmergencyWordsError(f"{where}: {kind}.together[{r}] needs two or more lists")
                for g, group in enumerate(rule):
                    for word in _str_list(group, f"{where}: {kind}.together[{r}][{g}]"):
                        words.append(self._word(kind, r, g, word))
                sizes.append(len(rule))
                windows.append(within)
            self._rules[kind] = sizes
            self._windows[kind] = windows
            excepts += [self._word(kind, -1, 0, w) for w in _str_list(spec.get("except"), f"{where}: {kind}.except")]
        self._index = self._index_of(words)
        self._excepts = self._index_of(excepts)

    @staticmethod
    def _index_of(words: list[_Word]) -> dict[str, list[_Word]]:
        """Words by the sound of their first character, for one pass over a message."""
        index: dict[str, list[_Word]] = {}
        for word in words:
            if word.chars:
                index.setdefault(word.keys[0], []).append(word)
        return index

    # -- reading a message ------------------------------------------------------------------

    def _compact_plain(self, text: str) -> str:
        return _DROP_RE.sub("", self._normalize(text))

    def _compact(self, text: str) -> str:
        """The message as the words are matched against: normalised, no spaces, punctuation or
        fillers."""
        plain = self._compact_plain(text)
        if self._fillers is not None:
            stripped = self._fillers.sub("", plain)
            plain = stripped or plain
        return plain

    def _fuzzy(self, syllable: str) -> str:
        initial = next((i for i in _INITIALS if syllable.startswith(i)), "")
        final = syllable[len(initial):]
        for written, heard in self._finals:
            if final.endswith(written):
                final = final[: len(final) - len(written)] + heard
                break
        return self._initials.get(initial, initial) + final

    def _key(self, ch: str) -> str:
        """The sound of one character as the words are compared (the character itself when it
        has none: digits, letters)."""
        key = self._keys.get(ch)
        if key is None:
            syllable = self._table.syllable(ch)
            key = self._fuzzy(syllable) if syllable else ch
            self._keys[ch] = key   # a cache: two threads may both fill it, with the same value
        return key

    def _word(self, kind: str, rule: int, group: int, word: str) -> _Word:
        chars = self._compact_plain(word)
        return _Word(kind, rule, group, chars, tuple(self._key(c) for c in chars))

    def _sounds_like(self, word: _Word, text: str, keys: Sequence[str], start: int) -> bool | None:
        """True when ``word`` is written at ``start``, False when it only sounds the same there
        (and enough of it is written exactly), None when it is not there."""
        n = len(word.chars)
        if text.startswith(word.chars, start):
            return True
        if n < 2 or start + n > len(text) or tuple(keys[start:start + n]) != word.keys:
            return None
        content = exact = 0
        for written, typed in zip(word.chars, text[start:start + n], strict=True):
            if written not in self._light:
                content += 1
                exact += written == typed
        differ = sum(a != b for a, b in zip(word.chars, text[start:start + n], strict=True))
        if differ > 1 or exact < max(1, math.ceil(content / 2)):
            return None
        return False

    def _found(self, index: Mapping[str, list[_Word]], text: str, keys: Sequence[str], by_sound: bool = True
               ) -> list[tuple[_Word, int, int, bool]]:
        """Every word of ``index`` written (or, ``by_sound``, sounding the same) in ``text``:
        (word, start, end, written exactly)."""
        out = []
        for start, key in enumerate(keys):
            for word in index.get(key, ()):
                if by_sound:
                    exact = self._sounds_like(word, text, keys, start)
                else:
                    exact = True if text.startswith(word.chars, start) else None
                if exact is not None:
                    out.append((word, start, start + len(word.chars), exact))
        return out

    def matches(self, text: str) -> list[Match]:
        """Every word of the lists found in ``text`` and not cancelled by an exception or a
        negation (for tests and for explaining a decision)."""
        compact = self._compact(text)
        if not compact:
            return []
        keys = [self._key(c) for c in compact]
        # exceptions and drills only as written: their homophones are too often the real thing
        # (没气味 sounds like 煤气味, 点着火 like 电着火, 知识 like 只是)
        if self._found(self._not_now, compact, keys, by_sound=False):
            return []
        excepted: dict[str, list[tuple[int, int]]] = {}
        for word, start, end, _ in self._found(self._excepts, compact, keys, by_sound=False):
            excepted.setdefault(word.kind, []).append((start, end))
        found: list[Match] = []
        denied: list[tuple[int, int]] = []   # a negation and the word it negates (没有煤气味)
        for word, start, end, exact in self._found(self._index, compact, keys):
            if any(start < b and end > a for a, b in excepted.get(word.kind, ())):
                continue
            negation = self._negation_before(compact, start)
            if negation:
                denied.append((start - negation, end))
                continue
            found.append(Match(word.kind, word.rule, word.group, word.chars, start, end, exact))
        # the parts of a negated word are negated too: 没有煤气味 says nothing of 煤气 or 味
        return [m for m in found if not any(m.start < b and m.end > a for a, b in denied)]

    def _negation_before(self, text: str, start: int) -> int:
        """The length of the negation right before ``start`` (0: none)."""
        return next((len(n) for n in self._negations if text.endswith(n, 0, start)), 0)

    def detect(self, text: str) -> str | None:
        """The kind of emergency ``text`` is about (gas, fire, flooding, trapped), or None.

        Every message is read for an emergency, and many are the same few words (1, 0, 你好,
        报修进度): the answer depends on the text alone, so recent short ones are kept."""
        if len(text) > _REMEMBERED_CHARS:
            return self._detect(text)
        return self._detect_remembered(text)

    def _detect(self, text: str) -> str | None:
        found = self.matches(text)
        if not found:
            return None
        for kind in self._order:
            mine = [m for m in found if m.kind == kind]
            if any(m.rule < 0 for m in mine):
                return kind
            for rule, size in enumerate(self._rules[kind]):
                groups = [[m for m in mine if m.rule == rule and m.group == g] for g in range(size)]
                if all(groups) and self._together(groups, self._windows[kind][rule]):
                    return kind
        return None

    @staticmethod
    def _together(groups: Sequence[Sequence[Match]], window: int) -> bool:
        """One match of each group, all within ``window`` characters (and not the same ones)."""
        def search(i: int, low: int, high: int, used: list[Match]) -> bool:
            if i == len(groups):
                return True
            for m in groups[i]:
                lo, hi = min(low, m.start), max(high, m.end)
                if hi - lo <= window and all(m.end <= u.start or m.start >= u.end for u in used):
                    if search(i + 1, lo, hi, [*used, m]):
                        return True
            return False

        return search(0, 10**9, -1, [])


def read_words(path: Path | None = None) -> dict[str, Any]:
    """The words file as a mapping (nlu/emergency.yml unless ``path`` is given)."""
    path = path or WORDS_PATH
    try:
        doc = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EmergencyWordsError(f"{path}: cannot read ({exc})") from exc
    if not isinstance(doc, dict):
        raise EmergencyWordsError(f"{path}: expected a mapping at the top")
    return doc


_default: EmergencyDetector | None = None
_default_lock = threading.Lock()


def default_detector() -> EmergencyDetector:
    """The detector for nlu/emergency.yml, built once per process (the pinyin table comes from
    the model folder's cache, see :func:`nlu.pinyin.load_table`)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from nlu.normalize import normalize_text
                from nlu.persist import DEFAULT_MODEL_DIR
                from nlu.pinyin import load_table

                _default = EmergencyDetector(read_words(), load_table(DEFAULT_MODEL_DIR), normalize_text,
                                             str(WORDS_PATH))
    return _default


def detect_emergency(text: str) -> str | None:
    """``gas``, ``fire``, ``flooding`` or ``trapped`` when ``text`` reports that emergency,
    otherwise None (see the module docstring for how it reads a message)."""
    return default_detector().detect(text)

