"""Explicit registration of what handles each intent.

Actions are plain functions registered with ``@action("intent")``; forms are classes
registered with ``@form``. ``actions/__init__.py`` imports every action module in one
place, and a test checks that every intent in the training data has exactly one handler.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, Union

if TYPE_CHECKING:
    from bot.dialogue.context import Context
    from bot.dialogue.forms import Form
    from bot.dialogue.turn import Reply, Turn

ActionFn = Callable[["Turn", "Context"], "Reply"]
Handler = Union[ActionFn, "Form"]
F = TypeVar("F", bound=ActionFn)
C = TypeVar("C", bound=type)


class DuplicateHandler(RuntimeError):
    """Two handlers claimed one intent."""


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def action(self, *intents: str) -> Callable[[F], F]:
        """Register a function as the handler of one or more intents."""

        def register(function: F) -> F:
            for intent in intents:
                self._add(intent, function)
            return function

        return register

    def form(self, cls: C) -> C:
        """Register a Form subclass under its ``name``."""
        self._add(cls.name, cls())  # type: ignore[attr-defined]
        return cls

    def _add(self, intent: str, handler: Handler) -> None:
        if intent in self._handlers:
            raise DuplicateHandler(f"intent {intent!r} already has a handler")
        self._handlers[intent] = handler

    def get(self, intent: str) -> Handler | None:
        return self._handlers.get(intent)

    def form_named(self, name: str) -> Form | None:
        from bot.dialogue.forms import Form

        handler = self._handlers.get(name)
        return handler if isinstance(handler, Form) else None

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(self._handlers)


registry = Registry()
action = registry.action
form = registry.form


def load_actions() -> Registry:
    """Import the action modules (which registers them) and return the registry."""
    import actions  # noqa: F401  (registration happens on import)

    return registry
