"""Declared forms: slots filled from what residents say, validated by name, then submitted.

A form names its slots in the order they are asked. The engine fills slots from the
turn (``extract``), checks each with ``validate_<slot>``, asks for the first missing one
with its prompt from the responses file (``<responses_key>.ask_<slot>``) and the choices
from ``options_<slot>``, asks for confirmation when ``confirm`` is set, and calls
``submit`` once nothing is missing. A form keeps no state of its own: everything lives
in the slots, which the store keeps per resident.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from bot.dialogue.context import Context
from bot.dialogue.turn import Option, Reply, Turn

CONFIRM = "_confirm"
_NUMBERISH = re.compile(r"[\d\s\-+()（）]+")
#: How sure the NLU must be before a message that answers nothing interrupts an open form.
DIGRESSION_CONFIDENCE = 0.6


class Form:
    name: ClassVar[str]
    slots: ClassVar[tuple[str, ...]]
    #: Slots answered in the resident's own words: whatever they write is the value.
    free_text_slots: ClassVar[frozenset[str]] = frozenset()
    #: Slots whose answer may be a bare number, so a digit is not read as a menu choice.
    numeric_slots: ClassVar[frozenset[str]] = frozenset()
    #: Ask "please check and confirm" before submitting.
    confirm: ClassVar[bool] = False
    #: Keep a photo the resident sends while the form is open.
    accepts_photo: ClassVar[bool] = False
    #: Section of the responses file holding this form's prompts.
    responses_key: ClassVar[str] = ""

    @property
    def words(self) -> str:
        return self.responses_key or self.name

    # --- hooks a form may override --------------------------------------------------------
    def begin(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        """Prefill slots when the form starts; return a Reply to finish at once instead."""
        return None

    def extract(self, slot: str, turn: Turn, ctx: Context, *, requested: bool) -> Any:
        """The value this turn gives ``slot``, or None. By default the entity of that name;
        a requested free-text slot takes the whole message."""
        value = turn.entity(slot)
        if value is not None:
            return value
        words = turn.text.strip()
        if requested and words and (slot in self.free_text_slots
                                    or (slot in self.numeric_slots and _NUMBERISH.fullmatch(words))):
            return words  # validation decides; a wrong number is asked again, not misread
        return None

    def needs(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> bool:
        """Whether ``slot`` still has to be asked for."""
        return slot not in slots

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        options_for = getattr(self, f"options_{slot}", None)
        options = options_for(slots, ctx) if options_for else []
        return Reply.text(ctx.say(f"{self.words}.ask_{slot}"), options)

    def invalid(self, slot: str, ctx: Context) -> str:
        key = f"{self.words}.invalid_{slot}"
        return ctx.say(key) if ctx.responses.has(key) else ctx.say("form.not_understood")

    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        raise NotImplementedError(f"form {self.name} asks for confirmation but has no summary")

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        raise NotImplementedError

    # --- used by the engine ---------------------------------------------------------------
    def validate(self, slot: str, value: Any, turn: Turn, ctx: Context) -> Any:
        """The cleaned value, or None when it is not acceptable."""
        check = getattr(self, f"validate_{slot}", None)
        return check(value, turn, ctx) if check else value

    def next_slot(self, slots: Mapping[str, Any], ctx: Context) -> str | None:
        for slot in self.slots:
            if self.needs(slot, slots, ctx):
                return slot
        return None

    def owns_emergency(self, slots: Mapping[str, Any]) -> bool:
        """Whether this form, as it stands, is already dealing with an emergency (so that the
        resident's next words about it are answers, not a new alarm)."""
        return False

    def wants_confirmation(self, slots: Mapping[str, Any]) -> bool:
        return self.confirm

    def ask_confirmation(self, slots: Mapping[str, Any], ctx: Context) -> Reply:
        return Reply.text(self.summary(slots, ctx), [
            Option.answer(ctx.say("form.confirm_yes"), "yes"),
            Option.answer(ctx.say("form.confirm_redo"), "redo"),
            Option.answer(ctx.say("form.confirm_cancel"), "no"),
        ])
