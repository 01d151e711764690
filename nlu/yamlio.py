"""The project's YAML reader: PyYAML's safe loader, on libyaml's C parser when PyYAML was built
with it (about ten times faster on responses.yml and the training data), else its own."""
from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """As ``yaml.safe_load``: plain data (dicts, lists, strings, numbers, dates), never objects."""
    return yaml.load(stream, Loader=_LOADER)  # noqa: S506 — a safe loader
