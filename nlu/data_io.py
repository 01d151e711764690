"""Reading training and evaluation data: Rasa NLU YAML (3.x) with entity annotations, or TSV.

Rasa annotations understood: ``[明天](date)``, ``[管理费](bill_type:物业费)`` and
``[水管漏水]{"entity": "repair_category", "value": "water_leak"}``.  The annotated text
becomes plain text; each annotation keeps its entity, value (the text itself when none is
given) and offsets into the plain text.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.yamlio import safe_load


class DataError(ValueError):
    """Training or evaluation data that cannot be read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Annotation:
    entity: str
    value: str | int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[Annotation, ...] = ()
    source: str = ""


_ANNOTATION_RE = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<paren>[^()]+)\)|(?P<json>\{[^{}]*\}))")


def parse_annotated(line: str) -> tuple[str, tuple[Annotation, ...]]:
    """Plain text and entity annotations of one Rasa training example."""
    plain: list[str] = []
    annotations: list[Annotation] = []
    pos = 0
    length = 0
    for match in _ANNOTATION_RE.finditer(line):
        before = line[pos:match.start()]
        plain.append(before)
        length += len(before)
        mention = match.group("text")
        if match.group("paren") is not None:
            entity, _, value = match.group("paren").partition(":")
            entity, value = entity.strip(), value.strip()
        else:
            try:
                spec = json.loads(match.group("json"))
            except json.JSONDecodeError as exc:
                raise DataError(f"bad entity annotation {match.group()!r}: {exc}") from exc
            if not isinstance(spec, dict) or "entity" not in spec:
                raise DataError(f"entity annotation without an entity name: {match.group()!r}")
            entity, value = str(spec["entity"]), spec.get("value", "")
        annotations.append(Annotation(entity, value if value != "" else mention,
                                      length, length + len(mention), mention))
        plain.append(mention)
        length += len(mention)
        pos = match.end()
    plain.append(line[pos:])
    return "".join(plain), tuple(annotations)


def _example_lines(raw: Any, where: str) -> list[str]:
    if isinstance(raw, str):
        lines = []
        for line in raw.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("- "):
                stripped = stripped[2:].strip()
            elif stripped == "-":
                continue
            lines.append(stripped)
        return lines
    if isinstance(raw, list):  # the long form: a list of {text: ..., metadata: ...}
        lines = []
        for item in raw:
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, (str, int, float)):
                raise DataError(f"{where}: an example without text")
            if str(text).strip():
                lines.append(str(text).strip())
        return lines
    raise DataError(f"{where}: 'examples' must be a block of '- ' lines")


def read_rasa_yaml(path: Path) -> list[Example]:
    """The intent examples of one Rasa NLU YAML file (other sections are ignored)."""
    try:
        with path.open(encoding="utf-8") as handle:
            doc = safe_load(handle)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: malformed YAML ({str(exc).splitlines()[0]})") from exc
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise DataError(f"{path}: expected a mapping with an 'nlu:' list")
    blocks = doc.get("nlu") or []
    if not isinstance(blocks, list):
        raise DataError(f"{path}: 'nlu' must be a list")
    examples: list[Example] = []
    for number, block in enumerate(blocks, 1):
        if not isinstance(block, dict) or "intent" not in block:
            continue
        intent = str(block["intent"]).strip()
        where = f"{path.name}, block {number} ({intent})"
        for line in _example_lines(block.get("examples", ""), where):
            try:
                text, annotations = parse_annotated(line)
            except DataError as exc:
                raise DataError(f"{where}: {exc}") from exc
            if text.strip():
                examples.append(Example(text, intent, annotations, path.name))
    return examples


def read_tsv(path: Path) -> list[Example]:
    """``text<TAB>intent`` lines; a header line ``text<TAB>intent`` and ``#`` comments are skipped."""
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc
    examples = []
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise DataError(f"{path}:{number}: expected 'text<TAB>intent'")
        if number == 1 and parts[0].strip().lower() == "text" and parts[1].strip().lower() == "intent":
            continue
        text, _ = parse_annotated(parts[0].strip())
        examples.append(Example(text, parts[1].strip(), (), path.name))
    return examples


def read_examples(path: Path) -> list[Example]:
    """Examples of one evaluation or training file, by its suffix (.yml/.yaml or TSV)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix.lower() in (".yml", ".yaml"):
        return read_rasa_yaml(path)
    return read_tsv(path)


def training_files(data_dir: Path) -> list[Path]:
    """Every *.yml directly in the data folder, sorted; never the test/ subfolder."""
    return sorted(p for p in data_dir.glob("*.yml") if p.is_file())


def read_training_data(data_dir: Path) -> list[Example]:
    files = training_files(data_dir)
    if not files:
        raise DataError(f"{data_dir}: no training data (*.yml)")
    examples = [e for path in files for e in read_rasa_yaml(path)]
    if not examples:
        raise DataError(f"{data_dir}: the *.yml files hold no intent examples")
    return examples


def fingerprint_files(paths: Iterable[Path]) -> str:
    """A digest of the files' names and contents: equal digests mean equal training input."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
