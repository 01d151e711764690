"""The dialogue engine and what flows are written against.

Flows import from here: ``from bot.dialogue import Context, Flow, Form, Option, Reply, Stage, Turn``.
"""
from __future__ import annotations

from bot.dialogue.context import Context, Escalated
from bot.dialogue.flow import Flow, FlowSettings, MenuEntry, Stage
from bot.dialogue.forms import CONFIRM, SKIPPED, Form
from bot.dialogue.registry import Registry, load_flows
from bot.dialogue.turn import Article, Change, DialogView, FormState, Location, Option, Photo, Reply, Turn

__all__ = [
    "CONFIRM", "SKIPPED", "Article", "Change", "Context", "DialogView", "Escalated", "Flow", "FlowSettings",
    "Form", "FormState", "Location", "MenuEntry", "Option", "Photo", "Registry", "Reply", "Stage", "Turn",
    "load_flows",
]
