"""The dialogue engine and what actions are written against.

Actions import from here: ``from bot.dialogue import Context, Form, Option, Reply, Turn, action, form``.
"""
from __future__ import annotations

from bot.dialogue.context import Context
from bot.dialogue.forms import CONFIRM, Form
from bot.dialogue.registry import Registry, action, form, load_actions, registry
from bot.dialogue.turn import Article, FormState, Location, Option, Photo, Reply, Turn

__all__ = [
    "CONFIRM", "Article", "Context", "Form", "FormState", "Location", "Option", "Photo", "Registry",
    "Reply", "Turn", "action", "form", "load_actions", "registry",
]
