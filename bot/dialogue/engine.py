"""The dialogue engine: from one understood message to one reply.

Order of precedence for a message with words, so that elderly residents never hit a dead
end:

1. global words (config ``dialogue.keywords``): 取消/算了 leave any flow, 人工 reaches a
   person, 0/菜单/帮助 show the number menu — in every state;
2. a choice among the numbered options the last reply offered (a digit, or the tapped text);
   a bare digit with nothing on offer picks from the main menu;
3. the active form: fill the slot it asked for (and any other slot the message fills),
   validate, ask for the next one, confirm, submit; an answer that does not fit is asked
   again, and after ``misses_before_handoff`` such misses a person is brought in as well;
4. the NLU's intent, run through its registered action or form;
5. otherwise a clarifying question with numbered guesses, and after
   ``misses_before_handoff`` misses in a row, a person.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from bot.dialogue.context import Context
from bot.dialogue.forms import CONFIRM, DIGRESSION_CONFIDENCE, Form
from bot.dialogue.menu import main_menu, menu_options
from bot.dialogue.registry import Registry
from bot.dialogue.text import mentioned_group, plain
from bot.dialogue.turn import Option, Reply, Turn
from bot.errors import BindingRequired
from bot.settings import Config
from nlu.types import OUT_OF_SCOPE, IntentPrediction, Parse

#: Intents a resident would never want offered as a guess.
CONTROL_INTENTS = frozenset({"affirm", "deny", "stop", "greet", "thanks", OUT_OF_SCOPE})
#: System notifications that expect no answer.
SILENT_EVENTS = frozenset({
    "unsubscribe", "view", "location", "templatesendjobfinish", "masssendjobfinish",
    "subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event",
    "kf_create_session", "kf_close_session", "kf_switch_session", "view_miniprogram",
})
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(r"^(?:选|第|回复)?\s*(\d{1,2}|[一二两三四五六七八九])\s*(?:个|号|项)?[.、。)）]?$")


class DialogueEngine:
    def __init__(self, registry: Registry, config: Config) -> None:
        self.registry = registry
        self.config = config
        keywords = config.dialogue.keywords
        self._cancel = {plain(w) for w in keywords.cancel}
        self._human = {plain(w) for w in keywords.human}
        self._menu = {plain(w) for w in keywords.menu}
        self._commands = [(plain(word), intent) for word, intent in config.dialogue.commands.items()]
        self._form_timeout = timedelta(minutes=config.dialogue.form_timeout_minutes)
        self.check_config()

    def check_config(self) -> None:
        """Every intent the configuration names must have a handler."""
        from bot.errors import SettingsError

        named = ([item.intent for item in self.config.menu] + list(self.config.click_keys.values())
                 + list(self.config.dialogue.commands.values()))
        for intent in named:
            if self.registry.get(intent) is None:
                raise SettingsError(f"config.yml names the intent {intent!r}, which has no handler.")

    # --- entry point ------------------------------------------------------------------------
    def respond(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        note = ""
        form = self._active_form(ctx)
        if state.form and (form is None or self._expired(ctx)):
            note = ctx.say("form.expired", form=self.config.label_of(state.form)) if form else ""
            state.clear_form()
        reply = self._route(turn, ctx).prefixed(note)
        state.options = list(reply.options)
        return reply

    def _active_form(self, ctx: Context) -> Form | None:
        return self.registry.form_named(ctx.state.form) if ctx.state.form else None

    def _expired(self, ctx: Context) -> bool:
        """An open form the resident has not touched for ``form_timeout_minutes``."""
        last = ctx.state.last_activity
        return last is not None and ctx.now - last > self._form_timeout

    # --- by kind of message -----------------------------------------------------------------
    def _route(self, turn: Turn, ctx: Context) -> Reply:
        if turn.kind == "event":
            return self._event(turn, ctx)
        if turn.kind == "image":
            return self._image(turn, ctx)
        if turn.kind == "location":
            return self._location(turn, ctx)
        if turn.kind == "link":
            return self._with_menu(ctx.say("channel.link", title=turn.link_title or ""), ctx)
        if turn.kind in ("text", "voice"):
            if not turn.text.strip():
                if turn.kind == "voice":
                    return self._again(ctx.say("channel.voice_unrecognized"), turn, ctx)
                return main_menu(ctx)
            return self._words(turn, ctx)
        return self._again(ctx.say("channel.unsupported"), turn, ctx)

    def _event(self, turn: Turn, ctx: Context) -> Reply:
        event = turn.event
        if event in ("subscribe", "subscribe_scan"):
            return self._with_menu(ctx.say("greet.subscribe"), ctx)
        if event == "scan":
            return self._with_menu(ctx.say("greet.scan"), ctx)
        if event == "click":
            intent = self.config.click_keys.get(turn.event_key)
            if intent is None:
                return main_menu(ctx)
            return self.run_intent(intent, self._as_intent(turn, intent, words=False), ctx)
        if event in SILENT_EVENTS:
            return Reply.nothing()
        return self._again(ctx.say("channel.unsupported"), turn, ctx)

    def _image(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        photo = turn.photo.to_dict() if turn.photo else {}
        form = self._active_form(ctx)
        if form is not None and form.accepts_photo:
            state.slots["photo"] = photo
            return self._ask_next(form, turn, ctx).prefixed(ctx.say(f"{form.words}.photo_received"))
        state.slots["_photo"] = photo
        return Reply.text(ctx.say("channel.image"), [
            Option.intent(ctx.say("channel.image_yes"), "repair_report"),
            Option.answer(ctx.say("channel.image_no"), "no"),
        ])

    def _location(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        form = self._active_form(ctx)
        loc = turn.location
        label = (loc.label if loc else "") or (f"{loc.latitude:.5f},{loc.longitude:.5f}" if loc else "")
        if form is not None and state.requested_slot == "location":
            return self._fill(form, "location", label, turn, ctx)
        return self._with_menu(ctx.say("channel.location", label=label), ctx)

    # --- words -------------------------------------------------------------------------------
    def _words(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        word = plain(turn.text)
        if word in self._cancel:
            return self.cancel(ctx)
        if word in self._human:
            return self.run_intent("human_handoff", self._as_intent(turn, "human_handoff"), ctx)
        if word in self._menu:
            return self.run_intent("help", self._as_intent(turn, "help"), ctx)
        form = self._active_form(ctx)
        # Emergencies (gas, flooding, someone trapped in a lift) reach the repair form whatever
        # the NLU makes of the message and whatever the resident was doing.
        alarm = mentioned_group(turn.text, self.config.repair.urgent_keywords) is not None
        if alarm and not (form is not None and form.owns_emergency(state.slots)):
            return self.run_intent("repair_report", self._as_intent(turn, "repair_report"), ctx)
        for prefix, intent in self._commands:
            if word.startswith(prefix):  # a command word always means its intent, whatever the NLU says
                return self.run_intent(intent, self._as_intent(turn, intent), ctx)
        numeric_answer = form is not None and state.requested_slot in form.numeric_slots
        if not numeric_answer:
            picked = self._pick(turn.text, state.options)
            if picked == "out_of_range":
                return self._out_of_range(turn, ctx)
            if isinstance(picked, Option):
                return self._choose(picked, turn, ctx)
            if picked is None and not state.options and form is None:
                number = self._number(turn.text)
                if number is not None:
                    items = menu_options(ctx)
                    if 1 <= number <= len(items):
                        return self._choose(items[number - 1], turn, ctx)
                    return self._out_of_range(turn, ctx)
        if form is not None:
            return self._continue(form, turn, ctx)
        return self._understand(turn, ctx)

    def _understand(self, turn: Turn, ctx: Context) -> Reply:
        intent = turn.intent
        if intent is None or intent == OUT_OF_SCOPE or self.registry.get(intent) is None:
            return self._fallback(turn, ctx)
        return self.run_intent(intent, turn, ctx)

    def run_intent(self, intent: str, turn: Turn, ctx: Context) -> Reply:
        """Hand the turn to the intent's action or start its form."""
        handler = self.registry.get(intent)
        if handler is None:
            return self._fallback(turn, ctx)
        ctx.state.misses = 0
        try:
            if isinstance(handler, Form):
                return self._start(handler, turn, ctx)
            return handler(turn, ctx)
        except BindingRequired:
            return self._bind_first(intent, turn, ctx)

    # --- choices -----------------------------------------------------------------------------
    @staticmethod
    def _number(text: str) -> int | None:
        match = _CHOICE.match(unicodedata.normalize("NFKC", text).strip())
        if not match:
            return None
        token = match.group(1)
        return int(token) if token.isdigit() else _CHINESE_DIGITS[token]

    def _pick(self, text: str, options: list[Option]) -> Option | str | None:
        if not options:
            return None
        stripped = text.strip()
        for option in options:
            if stripped in (option.message, option.label):
                return option
        number = self._number(text)
        if number is None:
            return None
        if 1 <= number <= len(options):
            return options[number - 1]
        return "out_of_range"

    def _choose(self, option: Option, turn: Turn, ctx: Context) -> Reply:
        value: dict[str, Any] = option.value
        state = ctx.state
        if "intent" in value:
            intent = str(value["intent"])
            return self.run_intent(intent, self._as_intent(turn, intent, words=False), ctx)
        form = self._active_form(ctx)
        if "slot" in value and form is not None:
            return self._fill(form, str(value["slot"]), value.get("value"), turn, ctx)
        if "answer" in value:
            if form is not None and state.requested_slot == CONFIRM:
                return self._confirmed(form, str(value["answer"]), turn, ctx)
            if value["answer"] == "no":
                state.slots.pop("_photo", None)  # "not a repair": forget the photo
            return Reply.text(ctx.say("acknowledge.deny" if value["answer"] == "no" else "acknowledge.affirm"),
                              footer=True)
        return main_menu(ctx)

    def _out_of_range(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        options = state.options or menu_options(ctx)
        note = ctx.say("menu.out_of_range", count=len(options))
        form = self._active_form(ctx)
        if form is not None and state.requested_slot:
            return self._reask(form, turn, ctx).prefixed(note)
        return Reply.text(note, options)

    @staticmethod
    def _as_intent(turn: Turn, intent: str, *, words: bool = True) -> Turn:
        """The turn re-read as a sure ``intent``: with the resident's own words (a global or
        command word, an emergency), or without them (a tapped choice, a menu click, a resumed
        request), so that a label of ours is never taken for something the resident said."""
        text = turn.text if words else ""
        parse = Parse(text=text, intent=IntentPrediction(intent, 1.0), entities=turn.entities if words else ())
        return Turn(openid=turn.openid, msg_key=turn.msg_key, kind="text", received_at=turn.received_at,
                    text=text, parse=parse, photo=turn.photo, location=turn.location)

    # --- forms -------------------------------------------------------------------------------
    def _start(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        note = ""
        if state.form and state.form != form.name:
            note = ctx.say("form.switched", form=self.config.label_of(state.form))
        photo = state.slots.get("_photo")
        state.clear_form()
        state.form, state.form_started_at = form.name, ctx.now
        slots: dict[str, Any] = {}
        if photo and form.accepts_photo:
            slots["photo"] = photo
            state.slots.pop("_photo", None)
        for slot in form.slots:
            value = form.extract(slot, turn, ctx, requested=False)
            if value is not None:
                checked = form.validate(slot, value, turn, ctx)
                if checked is not None:
                    slots[slot] = checked
        state.slots.update(slots)
        finished = form.begin(state.slots, turn, ctx)
        if finished is not None:
            if state.form == form.name and state.requested_slot is None:
                state.clear_form()
            return finished.prefixed(note)
        return self._ask_next(form, turn, ctx).prefixed(note)

    def _continue(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        slot = state.requested_slot
        if slot == CONFIRM:
            return self._confirm_turn(form, turn, ctx)
        filled = False
        if slot is not None:
            value = form.extract(slot, turn, ctx, requested=True)
            if value is not None:
                checked = form.validate(slot, value, turn, ctx)
                if checked is None:
                    return self._miss(form, turn, ctx, form.invalid(slot, ctx))
                state.slots[slot] = checked
                filled = True
        filled = self._fill_others(form, slot, turn, ctx) or filled
        if not filled:
            return self._digress(form, turn, ctx)
        state.misses = 0
        return self._ask_next(form, turn, ctx)

    def _fill_others(self, form: Form, requested: str | None, turn: Turn, ctx: Context) -> bool:
        """Take any other slot this message happens to answer too."""
        filled = False
        for other in form.slots:
            if other == requested or not form.needs(other, ctx.state.slots, ctx):
                continue
            value = form.extract(other, turn, ctx, requested=False)
            if value is None:
                continue
            checked = form.validate(other, value, turn, ctx)
            if checked is not None:
                ctx.state.slots[other] = checked
                filled = True
        return filled

    def _fill(self, form: Form, slot: str, value: Any, turn: Turn, ctx: Context) -> Reply:
        checked = form.validate(slot, value, turn, ctx)
        if checked is None:
            return self._miss(form, turn, ctx, form.invalid(slot, ctx))
        ctx.state.slots[slot] = checked
        ctx.state.misses = 0
        return self._ask_next(form, turn, ctx)

    def _miss(self, form: Form, turn: Turn, ctx: Context, note: str) -> Reply:
        """The answer did not fit the question: ask again; after repeated misses a person helps too."""
        state = ctx.state
        state.misses += 1
        question = self._reask(form, turn, ctx)
        if state.misses >= self.config.dialogue.misses_before_handoff:
            state.misses = 0
            ctx.escalate(turn, "fallback")
            return Reply.text(ctx.say("fallback.escalated")).followed_by(question)
        return question.prefixed(note)

    def _digress(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        """The message answers nothing the form asked: maybe the resident wants something else."""
        intent = turn.intent
        sure = turn.confidence >= DIGRESSION_CONFIDENCE
        if intent == "stop" and sure:
            return self.cancel(ctx)
        if (intent and sure and intent not in CONTROL_INTENTS and intent != form.name
                and self.registry.get(intent) is not None):
            handler = self.registry.get(intent)
            if isinstance(handler, Form) or intent == "human_handoff":
                return self.run_intent(intent, turn, ctx)
            answer = self.run_intent(intent, turn, ctx)
            if ctx.state.form != form.name:  # the action ended the form itself
                return answer
            resume = self._reask(form, turn, ctx).prefixed(
                ctx.say("form.resume", form=self.config.label_of(form.name)))
            return answer.followed_by(resume)
        if intent in ("greet", "thanks") and sure:  # pleasantries: just remind where we were
            return self._reask(form, turn, ctx).prefixed(ctx.say("form.resume", form=self.config.label_of(form.name)))
        return self._miss(form, turn, ctx, ctx.say("form.not_understood"))

    def _ask_next(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        slot = form.next_slot(state.slots, ctx)
        if slot is not None:
            state.requested_slot = slot
            return form.ask(slot, state.slots, turn, ctx)
        if form.wants_confirmation(state.slots):
            state.requested_slot = CONFIRM
            return form.ask_confirmation(state.slots, ctx)
        return self._submit(form, turn, ctx)

    def _reask(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        slot = ctx.state.requested_slot
        if slot == CONFIRM:
            return form.ask_confirmation(ctx.state.slots, ctx)
        if slot is None:
            return self._ask_next(form, turn, ctx)
        return form.ask(slot, ctx.state.slots, turn, ctx)

    def _confirm_turn(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        if turn.intent == "affirm":
            return self._confirmed(form, "yes", turn, ctx)
        if turn.intent in ("deny", "stop") and turn.confidence >= DIGRESSION_CONFIDENCE:
            return self._confirmed(form, "no", turn, ctx)
        if self._fill_others(form, None, turn, ctx):
            return form.ask_confirmation(ctx.state.slots, ctx)
        return self._digress(form, turn, ctx)

    def _confirmed(self, form: Form, answer: str, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        if answer == "yes":
            return self._submit(form, turn, ctx)
        if answer == "redo":
            state.slots = {k: v for k, v in state.slots.items() if k.startswith("_") or k == "photo"}
            state.requested_slot = None
            return self._ask_next(form, turn, ctx)
        return self.cancel(ctx)

    def _submit(self, form: Form, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        slots = dict(state.slots)
        state.clear_form()
        state.slots.pop("_photo", None)
        try:
            reply = form.submit(slots, turn, ctx)
        except BindingRequired:
            return self._bind_first(form.name, turn, ctx)
        pending = state.pending_intent
        if pending and state.form is None and ctx.resident.household_id is not None:
            state.pending_intent = None
            resumed = self.run_intent(pending, self._as_intent(turn, pending, words=False), ctx)
            return reply.followed_by(resumed.prefixed(ctx.say("binding.resume")))
        return reply

    def _bind_first(self, intent: str | None, turn: Turn, ctx: Context) -> Reply:
        """The intent needs a household: remember it, and start binding."""
        ctx.state.pending_intent = intent
        bind = self.registry.form_named("bind_household")
        if bind is None:
            return Reply.text(ctx.say("binding.required"), footer=True)
        ctx.state.clear_form()
        ctx.state.form, ctx.state.form_started_at = bind.name, ctx.now
        return self._ask_next(bind, turn, ctx).prefixed(ctx.say("binding.required"))

    def cancel(self, ctx: Context) -> Reply:
        """Leave whatever flow is open (取消 / 算了)."""
        state = ctx.state
        had_form = state.form is not None
        state.clear_form()
        state.slots.pop("_photo", None)
        state.pending_intent = None
        state.misses = 0
        return Reply.text(ctx.say("stop.cancelled" if had_form else "stop.nothing"), footer=True)

    # --- not understood ----------------------------------------------------------------------
    def _fallback(self, turn: Turn, ctx: Context) -> Reply:
        state = ctx.state
        state.misses += 1
        if state.misses >= self.config.dialogue.misses_before_handoff:
            state.misses = 0
            ctx.escalate(turn, "fallback")
            return Reply.text(ctx.say("fallback.escalated"), footer=True)
        ranking = turn.parse.ranking if turn.parse else ()
        offtopic = bool(ranking) and ranking[0].name == OUT_OF_SCOPE
        guesses = self._guesses(ranking)
        if offtopic or not guesses:
            return Reply.text(ctx.say("fallback.offtopic"), menu_options(ctx))
        options = [Option.intent(self.config.label_of(name), name) for name in guesses]
        options.append(Option.intent(self.config.label_of("human_handoff"), "human_handoff"))
        return Reply.text(ctx.say("fallback.clarify"), options)

    def _guesses(self, ranking: tuple[IntentPrediction, ...]) -> list[str]:
        guesses: list[str] = []
        for prediction in ranking:
            name = prediction.name
            if name in CONTROL_INTENTS or name in ("help", "human_handoff") or prediction.confidence < 0.05:
                continue
            if self.registry.get(name) is not None and name not in guesses:
                guesses.append(name)
            if len(guesses) == 3:
                break
        return guesses

    # --- menus -------------------------------------------------------------------------------
    def _with_menu(self, text: str, ctx: Context) -> Reply:
        return main_menu(ctx, text)

    def _again(self, text: str, turn: Turn, ctx: Context) -> Reply:
        """Say ``text`` and repeat the open question (or the menu when nothing is open)."""
        form = self._active_form(ctx)
        if form is not None:
            return self._reask(form, turn, ctx).prefixed(text)
        return self._with_menu(text, ctx)
