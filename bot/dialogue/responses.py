"""The bot's words, from the responses file config.yml names (responses.yml)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import SettingsError
from nlu.yamlio import safe_load


class Responses:
    """Look up a text by dotted key and fill its {placeholders}.

    Missing placeholders are left visible rather than crashing a reply: a community worker
    who edits a text should see their mistake, not silence the bot.
    """

    def __init__(self, texts: dict[str, Any], defaults: dict[str, Any] | None = None) -> None:
        self._texts = texts
        self._defaults = defaults or {}

    @classmethod
    def load(cls, path: Path, defaults: dict[str, Any] | None = None) -> Responses:
        try:
            texts = safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise SettingsError(f"The responses file {path} cannot be read: {error}.") from None
        if not isinstance(texts, dict):
            raise SettingsError(f"The responses file {path} must be a YAML mapping.")
        return cls(texts, defaults)

    def raw(self, key: str) -> Any:
        node: Any = self._texts
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"no response text {key!r}")
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        try:
            self.raw(key)
        except KeyError:
            return False
        return True

    def text(self, key: str, **values: Any) -> str:
        template = self.raw(key)
        if not isinstance(template, str):
            raise KeyError(f"response {key!r} is not a text")
        return template.format_map(_Lenient({**self._defaults, **values}))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
