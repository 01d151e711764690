"""Declared forms: slots filled from what residents say, read by meaning, then submitted.

A form names its slots in the order they are asked. For every slot it may define

- ``extract_<slot>(turn, ctx, requested)`` — the value this message gives the slot, or None
  (default: the NLU entity of the slot's name). ``requested`` is True when the form just
  asked for this slot: an extractor may then read the whole message, but must still say no
  to what is not an answer (a question, a greeting, another request, a name where a place
  was asked);
- ``validate_<slot>(value, turn, ctx)`` — the cleaned value, or None to ask again;
- ``options_<slot>(slots, ctx)`` — numbered choices under the question (a slot listed in
  ``skippable`` also gets "skip" as its last choice, so digits alone always finish a form).

The engine asks for the first slot still needed with ``<words>.ask_<slot>`` from the
responses file, takes any other slot the message happens to answer, applies corrections
(不对，是…/改成…), asks for confirmation when ``confirm`` is set and calls ``submit`` once
nothing is missing. A form keeps no state of its own: the slots live in the store.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.context import Context
from bot.dialogue.turn import CONFIRM, SKIPPED, Option, Reply, Turn

__all__ = ["CONFIRM", "SKIPPED", "Form"]


class Form:
    name: ClassVar[str]
    slots: ClassVar[tuple[str, ...]]
    #: Slots whose answer may be a bare number: digits answer them, unless a choice offered is under that number.
    numeric_slots: ClassVar[frozenset[str]] = frozenset()
    #: Slots the resident may skip with a numbered choice.
    skippable: ClassVar[frozenset[str]] = frozenset()
    #: Ask "please check and confirm" before submitting.
    confirm: ClassVar[bool] = False
    #: Keep a photo the resident sends while the form is open (slot ``photo``).
    accepts_photo: ClassVar[bool] = False
    #: Section of the responses file holding this form's prompts (default: the form's name).
    words: ClassVar[str] = ""
    #: Slots a correction may change while another is asked (不对，名字是张三 while the phone is
    #: asked): tried in this order when the corrected words do not answer the open question.
    #: Only slots whose extractors say no to what is not theirs, even when asked.
    corrected_while_asking: ClassVar[tuple[str, ...]] = ()

    @property
    def section(self) -> str:
        return self.words or self.name

    # --- hooks a form may override --------------------------------------------------------
    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        """Slot values known before asking anything (the bound household's phone, say)."""
        return {}

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        """Return a Reply to finish at once instead of asking (the form is closed unless the
        reply asks for a slot)."""
        return None

    def needs(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> bool:
        """Whether ``slot`` still has to be asked for."""
        return slot not in slots

    def addition(self, turn: Turn, ctx: Context) -> tuple[str, str] | None:
        """More words for a slot already filled, given while another was asked ("按钮失灵了，
        按了没反应" while the place is asked): ``(slot, words)`` to add, or None."""
        return None

    def aside(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> str | None:
        """The answer to a question about what the form is doing, asked in passing (义诊在哪里
        while the head count is asked): its words, said before the open question again; or None."""
        return None

    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        raise NotImplementedError(f"form {self.name} asks for confirmation but has no summary")

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        raise NotImplementedError

    def wants_confirmation(self, slots: Mapping[str, Any], ctx: Context) -> bool:
        return self.confirm

    # --- per slot ----------------------------------------------------------------------------
    def extract(self, slot: str, turn: Turn, ctx: Context, *, requested: bool) -> Any:
        """The value this turn gives ``slot``, or None."""
        if turn.tapped:
            return None  # our own words (a tapped choice, a menu click) answer nothing
        method = getattr(self, f"extract_{slot}", None)
        if method is not None:
            return method(turn, ctx, requested)
        return turn.entity(slot)

    def validate(self, slot: str, value: Any, turn: Turn, ctx: Context) -> Any:
        """The cleaned value, or None when it is not acceptable. A skip is always acceptable
        for a skippable slot."""
        if value == SKIPPED and slot in self.skippable:
            return SKIPPED
        check = getattr(self, f"validate_{slot}", None)
        return check(value, turn, ctx) if check else value

    def options(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        options_for = getattr(self, f"options_{slot}", None)
        options: list[Option] = list(options_for(slots, ctx)) if options_for else []
        if slot in self.skippable:
            key = f"{self.section}.skip_{slot}"
            label = ctx.say(key) if ctx.responses.has(key) else ctx.say("form.skip")
            options.append(Option.slot(label, slot, SKIPPED))
        return options

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        return Reply.text(ctx.say(f"{self.section}.ask_{slot}"), self.options(slot, slots, ctx))

    def invalid(self, slot: str, ctx: Context) -> str:
        key = f"{self.section}.invalid_{slot}"
        return ctx.say(key) if ctx.responses.has(key) else ctx.say("form.not_understood")

    # --- used by the engine ---------------------------------------------------------------
    def next_slot(self, slots: Mapping[str, Any], ctx: Context) -> str | None:
        for slot in self.slots:
            if self.needs(slot, slots, ctx):
                return slot
        return None

    def ask_confirmation(self, slots: Mapping[str, Any], ctx: Context) -> Reply:
        return Reply.text(self.summary(slots, ctx), [
            Option.answer(ctx.say("form.confirm_yes"), "yes"),
            Option.answer(ctx.say("form.confirm_redo"), "redo"),
            Option.answer(ctx.say("form.confirm_cancel"), "no"),
        ])
