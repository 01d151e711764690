"""Toneless pinyin of Chinese characters, so a homophone typo looks like the word it stands for.

Speech recognition and the pinyin input method both write the right sound with the wrong
character (机分 for 积分, 无业 for 物业, 包名 for 报名).  The model therefore reads a character
pair the training data never contained as the known pair that sounds the same (see
:meth:`nlu.model.LinearModel.corrected`).  The table is built from pypinyin's single-character
dictionary (the first, most common reading of each character, tones removed, ü written ``v``)
when a model is trained, and stored in the model file: parsing needs neither pypinyin nor its
dictionaries (≈ 55 MB and 0.25 s to load), only a list of 27,648 references to 410 syllable
strings.

The emergency decision (:mod:`nlu.emergency`) needs the same table without a trained model, so
the table is also cached on its own next to the model (``var/nlu/pinyin-table.zip``): written by
every engine that loads or trains a model, read by :func:`load_table`, which builds it from
pypinyin only when no cached copy exists.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# CJK Unified Ideographs Extension A and the basic block: every character a resident types.
FIRST = 0x3400
LAST = 0x9FFF


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


class PinyinTable:
    """Character → toneless syllable; immutable after construction."""

    def __init__(self, syllables: Sequence[str], index: np.ndarray) -> None:
        if index.shape != (LAST - FIRST + 1,):
            raise ValueError(f"pinyin index of shape {index.shape}, expected ({LAST - FIRST + 1},)")
        if len(syllables) == 0 or syllables[0] != "" or int(index.max(initial=0)) >= len(syllables):
            raise ValueError("pinyin syllables do not match the index")
        self.syllables = tuple(syllables)
        self.index = np.ascontiguousarray(index, dtype=np.uint16)
        self._lookup = [self.syllables[i] for i in self.index.tolist()]

    def syllable(self, ch: str) -> str | None:
        """The toneless syllable of one character, or None when it is not a Chinese character."""
        code = ord(ch) - FIRST
        if 0 <= code <= LAST - FIRST:
            return self._lookup[code] or None
        return None

    @classmethod
    def build(cls) -> PinyinTable:
        """The table from pypinyin's dictionary (training time only; built once per process)."""
        return _built()

    @classmethod
    def _from_pypinyin(cls) -> PinyinTable:
        from pypinyin.pinyin_dict import pinyin_dict

        readings: dict[int, str] = {}
        for code in range(FIRST, LAST + 1):
            raw = pinyin_dict.get(code)
            if raw:
                readings[code] = _toneless(raw.split(",")[0])
        syllables = ["", *sorted(set(readings.values()))]
        position = {s: i for i, s in enumerate(syllables)}
        index = np.zeros(LAST - FIRST + 1, dtype=np.uint16)
        for code, syllable in readings.items():
            index[code - FIRST] = position[syllable]
        return cls(syllables, index)


@lru_cache(maxsize=1)
def _built() -> PinyinTable:
    return PinyinTable._from_pypinyin()


def pypinyin_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pypinyin")
    except metadata.PackageNotFoundError:
        return "absent"


TABLE_FILE = "pinyin-table.zip"
_TABLE_FORMAT = 1
_tables: dict[Path, PinyinTable] = {}
_tables_lock = threading.Lock()


def save_table(table: PinyinTable, cache_dir: Path) -> None:
    """Cache ``table`` in ``cache_dir`` unless an identical copy is already there."""
    from nlu.persist import ModelFileError, load, save

    path = Path(cache_dir) / TABLE_FILE
    try:
        arrays, meta = load(path)
        if (meta.get("format") == _TABLE_FORMAT and meta.get("syllables") == list(table.syllables)
                and np.array_equal(arrays.get("index", np.empty(0)), table.index)):
            return
    except ModelFileError:
        pass
    try:
        save(path, {"index": table.index}, {"format": _TABLE_FORMAT, "syllables": list(table.syllables),
                                            "pypinyin": pypinyin_version()})
    except OSError as exc:
        log.warning("nlu: cannot cache the pinyin table in %s (%s)", cache_dir, exc)


def load_table(cache_dir: Path) -> PinyinTable:
    """The pinyin table from ``cache_dir`` (one copy per folder and process); built from pypinyin
    and cached there only when no usable copy exists."""
    from nlu.persist import ModelFileError, load

    cache_dir = Path(cache_dir)
    with _tables_lock:
        if cache_dir in _tables:
            return _tables[cache_dir]
        table: PinyinTable | None = None
        try:
            arrays, meta = load(cache_dir / TABLE_FILE)
            if meta.get("format") == _TABLE_FORMAT:
                table = PinyinTable([str(s) for s in meta["syllables"]], arrays["index"])
        except (ModelFileError, KeyError, TypeError, ValueError) as exc:
            log.info("nlu: no cached pinyin table (%s); building it", exc)
        if table is None:
            table = PinyinTable.build()
            save_table(table, cache_dir)
        _tables[cache_dir] = table
        return table
