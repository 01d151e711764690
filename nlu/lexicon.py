"""The editable word lists the NLU uses, read from nlu/lexicon.yml and nlu/data/entities.yml.

Words that operators may want to change live in data files, not in code: the typo and
dialect map, filler words, the phrases that count people, the words emoji stand for, and the
lookup words for bill types and repair categories.  Rasa's ``lookup:`` and ``synonym:`` sections of the training
data's entities.yml add to the lookup words, so one edit serves both engines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.yamlio import safe_load

PACKAGE_DIR = Path(__file__).resolve().parent
LEXICON_PATH = PACKAGE_DIR / "lexicon.yml"
DEFAULT_DATA_DIR = PACKAGE_DIR / "data"

BILL_TYPES: tuple[str, ...] = ("物业费", "停车费", "水费", "电费", "燃气费")
REPAIR_CATEGORIES: tuple[str, ...] = (
    "water_leak", "drain_blocked", "water_supply", "electrical", "gas", "elevator",
    "lighting", "door_window", "wall_roof", "public_facility", "other",
)


class LexiconError(ValueError):
    """A lexicon or entities file that cannot be used."""


@dataclass(frozen=True)
class CountWords:
    self_words: tuple[str, ...] = ()
    joiners: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    alone: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    # whole phrases that name a head count by themselves (老两口 → 2)
    phrases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    """Everything rule-based extraction and normalisation need, already validated."""

    replacements: tuple[tuple[str, str], ...] = ()
    fillers: tuple[str, ...] = ()
    count: CountWords = field(default_factory=CountWords)
    # surface word → normalised values, per lookup entity
    lookups: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # emoji → the word it stands for, which the classifier reads in its place
    emoji: dict[str, str] = field(default_factory=dict)


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise LexiconError(f"{where}: expected a list of words")
    return tuple(str(v) for v in value)


def _examples(block: dict[str, Any]) -> list[str]:
    raw = block.get("examples", "")
    if isinstance(raw, list):
        return [str(x).strip() for x in raw if str(x).strip()]
    words = []
    for line in str(raw).splitlines():
        line = line.strip()
        if line.startswith("- "):
            line = line[2:].strip()
        elif line == "-":
            continue
        if line:
            words.append(line)
    return words


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return safe_load(handle)
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML ({exc})") from exc


def _rasa_lookups(data_dir: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Lookup words from the ``lookup:``/``synonym:`` sections of the training data."""
    synonyms: dict[str, str] = {}
    lookups: dict[str, list[str]] = {}
    for path in sorted(data_dir.glob("*.yml")):
        doc = _read_yaml(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
            continue
        for block in doc["nlu"]:
            if not isinstance(block, dict):
                continue
            if "synonym" in block:
                for word in _examples(block):
                    synonyms[word] = str(block["synonym"])
            elif "lookup" in block:
                lookups.setdefault(str(block["lookup"]), []).extend(_examples(block))
    result: dict[str, dict[str, tuple[str, ...]]] = {"bill_type": {}, "repair_category": {}}
    known = {"bill_type": set(BILL_TYPES), "repair_category": set(REPAIR_CATEGORIES)}
    for entity, words in lookups.items():
        if entity not in result:
            continue
        for word in words:
            value = synonyms.get(word, word)
            if value in known[entity]:
                result[entity][word] = (value,)
    for word, value in synonyms.items():
        for entity, values in known.items():
            if value in values:
                result[entity].setdefault(word, (value,))
    return result


def _count_phrases(value: Any, path: Path) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LexiconError(f"{path}: count.phrases must map a phrase to a number of people")
    out = {}
    for phrase, number in value.items():
        if not str(phrase).strip() or isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise LexiconError(f"{path}: count.phrases {phrase!r} needs a positive number")
        out[str(phrase).strip()] = number
    return out


def load_lexicon(data_dir: Path | None = None, lexicon_path: Path | None = None) -> Lexicon:
    """Read nlu/lexicon.yml plus the training data's lookup and synonym sections."""
    path = lexicon_path or LEXICON_PATH
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise LexiconError(f"{path}: expected a mapping at the top")
    replacements = []
    for wrong, right in (doc.get("replacements") or {}).items():
        if not str(wrong) or str(wrong) == str(right):
            continue
        replacements.append((str(wrong), str(right)))
    count_doc = doc.get("count") or {}
    count = CountWords(
        self_words=_str_list(count_doc.get("self_words"), "count.self_words"),
        joiners=_str_list(count_doc.get("joiners"), "count.joiners"),
        members=_str_list(count_doc.get("members"), "count.members"),
        alone=_str_list(count_doc.get("alone"), "count.alone"),
        units=_str_list(count_doc.get("units"), "count.units"),
        phrases=_count_phrases(count_doc.get("phrases"), path),
    )
    lookups: dict[str, dict[str, tuple[str, ...]]] = {"bill_type": {}, "repair_category": {}}
    for word, value in (doc.get("bill_type") or {}).items():
        values = _str_list(value, f"bill_type.{word}")
        bad = [v for v in values if v not in BILL_TYPES]
        if bad:
            raise LexiconError(f"{path}: bill_type {word!r} maps to unknown {bad}")
        lookups["bill_type"][str(word)] = values
    for code, words in (doc.get("repair_category") or {}).items():
        if code not in REPAIR_CATEGORIES:
            raise LexiconError(f"{path}: unknown repair category {code!r}")
        for word in _str_list(words, f"repair_category.{code}"):
            lookups["repair_category"][word] = (str(code),)
    emoji: dict[str, str] = {}
    for symbol, word in (doc.get("emoji") or {}).items():
        if not str(symbol).strip() or not isinstance(word, (str, int)) or not str(word).strip():
            raise LexiconError(f"{path}: emoji {symbol!r} needs a word")
        emoji[str(symbol).strip()] = str(word).strip()
    data = data_dir if data_dir is not None else DEFAULT_DATA_DIR
    if data.is_dir():
        for entity, words in _rasa_lookups(data).items():
            for word, values in words.items():
                lookups[entity][word] = values  # the training data has the last word
    return Lexicon(
        replacements=tuple(sorted(replacements, key=lambda p: (-len(p[0]), p[0]))),
        fillers=tuple(sorted(_str_list(doc.get("fillers"), "fillers"), key=lambda w: (-len(w), w))),
        count=count,
        lookups=lookups,
        emoji=emoji,
    )


@lru_cache(maxsize=8)
def cached_lexicon(data_dir: Path | None = None) -> Lexicon:
    return load_lexicon(data_dir)
