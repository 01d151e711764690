"""What a request said, kept in the conversation's memory while the resident binds first.

A form whose service needs a household asks to bind before anything else (the engine then
resumes the request by itself, but without its words). The form's ``prefill`` keeps what was
asked (the event, the head count, the words of a post) under a memory slot and reads it back
when the request resumes. The engine adds memory without replacing it, so a newer request is
kept under the other of two names while the older one is dropped: a stale request never
comes back in place of the latest one.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def keep(slots: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    """Prefill changes that keep ``value`` as the latest request under ``name``."""
    first, second = name, f"{name}_"
    old, new = (first, second) if first in slots else (second, first)
    return {old: None, new: value}


def recall(slots: Mapping[str, Any], name: str) -> tuple[Any, dict[str, Any]]:
    """The kept request (or None) and the prefill changes that forget it."""
    value = slots.get(name, slots.get(f"{name}_"))
    forget = {key: None for key in (name, f"{name}_") if key in slots}
    return value, forget
