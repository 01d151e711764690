"""The installed flows, and what handles each intent, trigger, job and API route.

:func:`load_flows` imports every module of the ``actions`` package and collects the
module-level ``flow`` objects they declare (see :mod:`bot.dialogue.flow`). A test checks that
every intent of the training data either has exactly one handler or gets the referral reply.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Union

from pydantic import ValidationError

from bot.dialogue.flow import (
    ActionFn,
    DemoFn,
    DescribeFn,
    Flow,
    FlowSettings,
    ForgetFn,
    Job,
    MenuEntry,
    PrepareFn,
    Stage,
    Trigger,
    TriggerFn,
    triggers_registered,
)
from bot.errors import SettingsError

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.dialogue.forms import Form

Handler = Union[ActionFn, "Form"]  # noqa: UP007 (a forward reference)


class DuplicateHandler(RuntimeError):
    """Two handlers (or two flows) claimed one name."""


class Registry:
    def __init__(self, flows: Iterable[Flow[Any]] = ()) -> None:
        self.flows: dict[str, Flow[Any]] = {}
        self._handlers: dict[str, Handler] = {}
        self._owner: dict[str, str] = {}
        self._trigger_count = -1
        self._triggers_at: dict[tuple[Stage, str], tuple[Trigger, ...]] = {}
        for flow in flows:
            self.add(flow)

    def add(self, flow: Flow[Any]) -> None:
        if flow.name in self.flows:
            raise DuplicateHandler(f"two flows are called {flow.name!r}")
        for intent in flow.handlers:
            if intent in self._handlers:
                raise DuplicateHandler(f"intent {intent!r} is handled by {self._owner[intent]!r} and {flow.name!r}")
        self.flows[flow.name] = flow
        self._trigger_count = -1  # its triggers join the sorted lists
        for intent, handler in flow.handlers.items():
            self._handlers[intent] = handler
            self._owner[intent] = flow.name

    # --- switching flows off --------------------------------------------------------------
    def enabled(self, sections: Mapping[str, FlowSettings]) -> Registry:
        """The registry without the flows an operator switched off (``enabled: false``)."""
        on = [flow for name, flow in self.flows.items() if name not in sections or sections[name].enabled]
        return self if len(on) == len(self.flows) else Registry(on)

    # --- looking up -----------------------------------------------------------------------
    def get(self, intent: str) -> Handler | None:
        return self._handlers.get(intent)

    def form_named(self, name: str) -> Form | None:
        from bot.dialogue.forms import Form

        handler = self._handlers.get(name)
        return handler if isinstance(handler, Form) else None

    def flow_of(self, intent: str) -> Flow[Any] | None:
        owner = self._owner.get(intent)
        return self.flows.get(owner) if owner else None

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def triggers(self, kind: str) -> list[Trigger]:
        found = [t for flow in self.flows.values() for t in flow.triggers if kind in t.kinds]
        return sorted(found, key=lambda t: (t.stage, t.order))

    def triggers_at(self, stage: Stage, kind: str) -> list[Trigger]:
        """The triggers of one stage for one kind of message, in order (asked several times a
        message, so kept; a flow that gains a trigger later makes them be sorted again)."""
        count = triggers_registered()
        if count != self._trigger_count:
            self._trigger_count, self._triggers_at = count, {}
        found = self._triggers_at.get((stage, kind))
        if found is None:
            found = self._triggers_at[(stage, kind)] = tuple(t for t in self.triggers(kind) if t.stage == stage)
        return list(found)

    @property
    def cancel_hooks(self) -> list[TriggerFn]:
        return [hook for flow in self.flows.values() for hook in flow.cancel_hooks]

    @property
    def jobs(self) -> list[Job]:
        return [job for flow in self.flows.values() for job in flow.jobs]

    @property
    def demos(self) -> list[DemoFn]:
        return [demo for flow in self.flows.values() for demo in flow.demos]

    @property
    def forgets(self) -> list[ForgetFn]:
        return [forget for flow in self.flows.values() for forget in flow.forgets]

    @property
    def describes(self) -> list[DescribeFn]:
        return [describe for flow in self.flows.values() for describe in flow.describes]

    def prepares_for(self, intent: str | None) -> list[PrepareFn]:
        flow = self.flow_of(intent) if intent else None
        return list(flow.prepares) if flow is not None else []

    @property
    def routers(self) -> list[APIRouter]:
        return [flow.api for flow in self.flows.values() if flow.has_api]

    @property
    def menu(self) -> list[MenuEntry]:
        entries = [entry for flow in self.flows.values() for entry in flow.menu]
        return sorted(entries, key=lambda e: (e.order, e.intent))

    def words_of(self, intent: str) -> str | None:
        flow = self.flow_of(intent)
        return flow.words if flow else None

    # --- settings ---------------------------------------------------------------------------
    def sections(self, raw: Mapping[str, Any], where: str = "config.yml") -> dict[str, FlowSettings]:
        """Each flow's config section, validated by the flow's own settings model (defaults
        where the operator wrote nothing). A section no flow knows is a mistake worth saying."""
        sections: dict[str, FlowSettings] = {}
        for name, flow in self.flows.items():
            model = flow.settings or FlowSettings
            value = raw.get(name) or {}
            if not isinstance(value, dict):
                raise SettingsError(f"In {where}, the section {name} must be a mapping.")
            try:
                sections[name] = model.model_validate(value)
            except ValidationError as error:
                first = error.errors()[0]
                path = ".".join(str(part) for part in (name, *first["loc"]))
                raise SettingsError(f"In {where}, the setting {path} is wrong: {first['msg']}.") from None
        unknown = sorted(set(raw) - set(self.flows))
        if unknown:
            raise SettingsError(f"In {where}, the section {unknown[0]} belongs to no installed flow.")
        return sections


def load_flows(package: str = "actions") -> Registry:
    """Import every module of ``package`` and collect the flows they declare."""
    root = importlib.import_module(package)
    flows: list[Flow[Any]] = []
    seen: set[int] = set()
    modules = [root] + [importlib.import_module(info.name)
                        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")]
    for module in modules:
        flow = getattr(module, "flow", None)
        if isinstance(flow, Flow) and id(flow) not in seen:
            seen.add(id(flow))
            flows.append(flow)
    return Registry(flows)
