"""The custom menu at the bottom of the chat, from config.yml's ``custom_menu`` to WeChat's JSON.

:func:`menu_json` builds the body of ``cgi-bin/menu/create`` exactly: ``{"button": [...]}``, a
button with items as ``{"name", "sub_button": [...]}``, an entry as ``{"type": "click", "name",
"key"}`` or ``{"type": "view", "name", "url"}``. :func:`describe` reads back what
``cgi-bin/menu/get`` answers, one line per entry, for an operator to check.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.settings import Config, CustomMenuButton, CustomMenuEntry


def menu_json(buttons: list[CustomMenuButton]) -> dict[str, Any]:
    """The body of menu/create for these buttons."""
    return {"button": [_button(button) for button in buttons]}


def _button(button: CustomMenuButton) -> dict[str, Any]:
    if button.items:
        return {"name": button.name, "sub_button": [_entry(item) for item in button.items]}
    return _entry(button)


def _entry(entry: CustomMenuEntry) -> dict[str, Any]:
    if entry.click:
        return {"type": "click", "name": entry.name, "key": entry.click}
    return {"type": "view", "name": entry.name, "url": entry.view}


def click_entries(config: Config) -> Iterator[CustomMenuEntry]:
    """Every entry of the custom menu that sends a CLICK event."""
    for button in config.custom_menu:
        entries: list[CustomMenuEntry] = list(button.items) or [button]
        for entry in entries:
            if entry.click:
                yield entry


def click_intent(config: Config, key: str) -> str:
    """The intent a CLICK key starts: its ``click_keys`` entry, or the key itself (an intent's name)."""
    return config.click_keys.get(key) or key.lower()


def describe(live: dict[str, Any] | None) -> list[str]:
    """What menu/get answered, one line per button and entry (an empty list: no menu is live)."""
    buttons = ((live or {}).get("menu") or {}).get("button") or []
    lines: list[str] = []
    for button in buttons:
        subs = button.get("sub_button") or []
        if isinstance(subs, dict):  # menu/get nests them as {"list": [...]} for some accounts
            subs = subs.get("list") or []
        if subs:
            lines.append(str(button.get("name", "")))
            lines.extend(f"  {_line(sub)}" for sub in subs)
        else:
            lines.append(_line(button))
    return lines


def _line(entry: dict[str, Any]) -> str:
    kind = str(entry.get("type", ""))
    target = entry.get("key") if kind == "click" else entry.get("url") or entry.get("key") or ""
    return f"{entry.get('name', '')}  [{kind}] {target}"
