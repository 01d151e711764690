"""A flow is one module: everything a resident-facing capability needs, declared where it lives.

A module in ``actions/`` declares ``flow = Flow("bills", settings=BillSettings)`` and then,
on that object:

- ``@flow.action("bill_query")`` — a function handling an intent;
- ``@flow.form`` — a :class:`~bot.dialogue.forms.Form` class handling the intent of its name;
- ``@flow.trigger(Stage.EMERGENCY)`` — a handler tried on every message at a point of the
  engine's order (staff commands → global words → emergency → commands → offered choices →
  active form → intent → fallback), for words that must win whatever the NLU says, or (at
  INTENT) for free words that belong elsewhere (a live conversation with staff);
- ``@flow.on_cancel`` — what 取消 means for this flow beyond closing its form;
- ``@flow.job("bill_reminders", trigger="cron", hour=9)`` — a scheduled job;
- ``flow.api`` — a FastAPI router mounted under ``/api`` (staff API, bearer token);
- ``menu=[MenuEntry("bill_query", order=30)]`` — its place in the number menu;
- ``@flow.demo`` — what ``python -m bot seed-demo`` loads for it;
- ``@flow.forget`` — how it forgets a resident who asks to be deleted (删除我的信息);
- ``@flow.describe`` — what it keeps about a resident, for 我的信息;
- ``@flow.prepare`` — slow work a message of its intents needs (an outbound call), done
  before the message's transaction so that it never holds the database for other residents.

Its config.yml section has the flow's name and is validated by ``settings`` (a pydantic
model whose fields all have defaults); its words are the responses.yml section of the same
name. The loader (:func:`bot.dialogue.registry.load_flows`) finds every module-level
``flow`` in ``actions/``: nothing central lists the flows.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:

    from fastapi import APIRouter

    from bot.dialogue.context import Context
    from bot.dialogue.forms import Form
    from bot.dialogue.turn import Reply, Turn
    from bot.jobs import JobContext
    from store import Store

ActionFn = Callable[["Turn", "Context"], "Reply"]
TriggerFn = Callable[["Turn", "Context"], "Reply | None"]
JobFn = Callable[["JobContext"], Any]
#: ``(store, today) -> rows added``: the flow's part of the demo community.
DemoFn = Callable[["Store", "date"], int]
#: ``(store, openid, now)``: remove or anonymise what the flow keeps about one resident.
ForgetFn = Callable[["Store", str, "datetime"], Any]
#: ``(ctx) -> lines``: what the flow keeps about the resident asking (for 我的信息).
DescribeFn = Callable[["Context"], list[str]]
#: ``(turn, ready) -> None``: warm what the flow's answer to ``turn`` will need (see Prepared).
PrepareFn = Callable[["Turn", "Prepared"], Any]
F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


class FlowSettings(BaseModel):
    """Base of a flow's config.yml section: unknown keys are refused, every field has a default."""

    model_config = ConfigDict(extra="forbid")

    #: An operator may switch a flow off; its intents then get the honest referral reply.
    enabled: bool = True


S = TypeVar("S", bound=FlowSettings)


class Stage(enum.IntEnum):
    """Where a trigger runs in the engine's order, first to last."""

    STAFF = 10       # staff members' commands (回复 12 …): never reach the resident dialogue
    GLOBAL = 20      # the engine's own words: 取消, 人工, 菜单
    EMERGENCY = 30   # gas, fire, flooding, someone trapped: whatever else is going on
    COMMAND = 40     # a command word that always means its intent (绑定 …, 点赞 3)
    CHOICE = 50      # one of the numbered options the last reply offered (the engine's)
    FORM = 60        # the open form (the engine's)
    INTENT = 70      # what the NLU understood (the engine's; triggers here run just before it)
    FALLBACK = 80    # nothing else took the message


_triggers_registered = 0


def triggers_registered() -> int:
    """How many triggers flows have registered so far (a registry's sorted lists go stale when it grows)."""
    return _triggers_registered


@dataclass(frozen=True, slots=True)
class Trigger:
    flow: str
    stage: Stage
    handle: TriggerFn
    kinds: frozenset[str]
    order: int = 50


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A flow's item in the number menu. ``order`` sorts items; the label is the intent's label."""

    intent: str
    order: int = 50


@dataclass(frozen=True, slots=True)
class Job:
    """A scheduled job: ``trigger`` and ``options`` are APScheduler's (``"cron", {"hour": 9}``)."""

    id: str
    run: JobFn
    trigger: str
    options: dict[str, Any]
    flow: str


@dataclass(frozen=True)
class Prepared:
    """What ``@flow.prepare`` hooks may use: settings, the community's config and the clock."""

    sections: dict[str, FlowSettings]
    config: Any
    now: datetime
    today: date


@dataclass
class Flow(Generic[S]):
    name: str
    settings: type[S] | None = None
    menu: list[MenuEntry] = field(default_factory=list)
    #: Words of this flow live in this responses.yml section (default: the flow's name).
    words: str = ""
    handlers: dict[str, ActionFn | Form] = field(default_factory=dict, init=False)
    triggers: list[Trigger] = field(default_factory=list, init=False)
    cancel_hooks: list[TriggerFn] = field(default_factory=list, init=False)
    jobs: list[Job] = field(default_factory=list, init=False)
    demos: list[DemoFn] = field(default_factory=list, init=False)
    forgets: list[ForgetFn] = field(default_factory=list, init=False)
    describes: list[DescribeFn] = field(default_factory=list, init=False)
    prepares: list[PrepareFn] = field(default_factory=list, init=False)
    _router: APIRouter | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.words = self.words or self.name

    # --- declaring ------------------------------------------------------------------------
    def action(self, *intents: str) -> Callable[[F], F]:
        """Register a function ``(turn, ctx) -> Reply`` as the handler of ``intents``."""

        def register(function: F) -> F:
            for intent in intents:
                self._add(intent, function)
            return function

        return register

    def form(self, cls: C) -> C:
        """Register a Form subclass as the handler of the intent of its ``name``."""
        instance = cls()
        self._add(instance.name, instance)
        return cls

    def trigger(self, stage: Stage, *, kinds: tuple[str, ...] = ("text", "voice"),
                order: int = 50) -> Callable[[F], F]:
        """Register ``(turn, ctx) -> Reply | None``, tried at ``stage`` for messages of ``kinds``."""

        def register(function: F) -> F:
            global _triggers_registered
            self.triggers.append(Trigger(self.name, stage, function, frozenset(kinds), order))
            _triggers_registered += 1
            return function

        return register

    def on_cancel(self, function: F) -> F:
        """Register ``(turn, ctx) -> Reply | None``: what 取消 means here (e.g. an urgent report
        that cannot be cancelled). Tried before the engine closes the open form."""
        self.cancel_hooks.append(function)
        return function

    def job(self, job_id: str, trigger: str, **options: Any) -> Callable[[F], F]:
        """Register ``(jobs: JobContext) -> Any`` to run on APScheduler's ``trigger``."""

        def register(function: F) -> F:
            self.jobs.append(Job(job_id, function, trigger, options, self.name))
            return function

        return register

    def demo(self, function: F) -> F:
        """Register ``(store, today) -> rows added``: this flow's demo data (idempotent)."""
        self.demos.append(function)
        return function

    def forget(self, function: F) -> F:
        """Register ``(store, openid, now)``: remove what this flow keeps about a person, keeping
        the community's own records (a ticket, a bill) without the person in them."""
        self.forgets.append(function)
        return function

    def describe(self, function: F) -> F:
        """Register ``(ctx) -> lines``: what this flow keeps about the resident, in their words."""
        self.describes.append(function)
        return function

    def prepare(self, function: F) -> F:
        """Register ``(turn, ready) -> None``, run for a message whose intent this flow handles
        before its transaction begins (fetch a forecast into a cache, say)."""
        self.prepares.append(function)
        return function

    @property
    def api(self) -> APIRouter:
        """This flow's staff API routes (mounted under ``/api`` with the bearer token)."""
        if self._router is None:
            from fastapi import APIRouter

            self._router = APIRouter()
        return self._router

    @property
    def has_api(self) -> bool:
        return self._router is not None

    # --- using ----------------------------------------------------------------------------
    def config(self, ctx: Any) -> S:
        """This flow's validated config.yml section (``ctx``: a Context, JobContext or Runtime)."""
        sections: dict[str, FlowSettings] = ctx.sections
        section = sections.get(self.name)
        if section is None:
            raise LookupError(f"flow {self.name!r} has no settings")
        return section  # type: ignore[return-value]

    def _add(self, intent: str, handler: ActionFn | Form) -> None:
        if intent in self.handlers:
            from bot.dialogue.registry import DuplicateHandler

            raise DuplicateHandler(f"intent {intent!r} already has a handler in flow {self.name!r}")
        self.handlers[intent] = handler
