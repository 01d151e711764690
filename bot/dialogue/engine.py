"""The dialogue engine: from one understood message to one reply.

Handlers are tried in a fixed order, so that an elderly resident never hits a dead end and
safety always wins (stages of :class:`bot.dialogue.flow.Stage`):

1. staff commands (flows' triggers) — staff messages never reach the resident dialogue;
2. global words (config ``dialogue.keywords``): 取消/算了 leave any flow (flows may say what
   取消 cannot undo), 人工 reaches a person, 0/菜单/帮助 show the number menu;
3. emergencies and 4. command words (flows' triggers);
5. a choice among the numbered options the last reply offered (a digit or the tapped text);
6. the open form: its requested slot and any other slot the message answers, corrections,
   digressions answered with the form resumed, everyday ways of giving up;
7. the NLU's intent, run through its flow — or an honest referral when no flow is installed;
8. otherwise "not understood" with the number menu. Staff are brought in only when the
   resident chooses it; misses never escalate by themselves.

Handlers return a Reply carrying the changes they want (:class:`bot.dialogue.turn.Change`);
the engine applies them. It is the only code that edits the conversation state.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.dialogue.context import Context
from bot.dialogue.flow import Stage
from bot.dialogue.forms import CONFIRM, SKIPPED, Form
from bot.dialogue.menu import main_menu, menu_options
from bot.dialogue.registry import Registry
from bot.dialogue.text import Correction, affirms, asks, core_word, correction, is_noise, leaves_form, plain, plain_set
from bot.dialogue.turn import DialogView, FormState, Option, Reply, Turn
from bot.errors import BindingRequired, SettingsError
from bot.settings import Config
from bot.wechat.custom_menu import click_entries, click_intent
from nlu import extract_entities
from nlu.types import OUT_OF_SCOPE, Entity, IntentPrediction, Parse

#: Intents a resident would never want offered as a guess.
CONTROL_INTENTS = frozenset({"affirm", "deny", "stop", "greet", "thanks", "help", OUT_OF_SCOPE})
#: How sure the NLU must be before a message that answers nothing interrupts an open form.
DIGRESSION_CONFIDENCE = 0.6
#: Conversation memory: the words (and tapped choice) of a request waiting for a binding.
PENDING_REQUEST = "_pending_request"
#: System notifications that expect no answer.
SILENT_EVENTS = frozenset({
    "unsubscribe", "view", "location", "templatesendjobfinish", "masssendjobfinish",
    "subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event",
    "kf_create_session", "kf_close_session", "kf_switch_session", "view_miniprogram",
})
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(r"^(?:选|第|回复|选择)?\s*(\d{1,2}|[一二两三四五六七八九])\s*(?:个|号|项|条)?[.、。)）]?$")
#: A number picked with words (报名第一个, 我选2, 就第三个吧): read only against choices on screen,
#: never against the main menu, which the words are not about.
_CHOICE_SAID = re.compile(r"^我?就?(?:(?:选|选择|回复|报名|报|参加|要)?\s*第|选|选择|回复|报名|报)\s*"
                          r"(\d{1,2}|[一二两三四五六七八九])\s*(?:个|号|项|条)?(?:吧|呢|啊|哈)?[.、。)）!！]?$")

#: 两个 / 两件: how many, not which — inside a form (unless a number is asked) it does not pick
#: "2" (the second reward of a list, a confirmation's 重新填写).
_QUANTITY = re.compile(r"^(?:要|就)?两\s*(?:个|件|条|份|样|袋|瓶|包|盒)(?:吧|呢|啊)?[.。!！]?$")

Handler = Callable[[Turn, Context], "Reply | None"]


class DialogueEngine:
    def __init__(self, registry: Registry, config: Config, known_intents: frozenset[str] = frozenset()) -> None:
        self.registry = registry
        self.config = config
        self.known_intents = known_intents
        keywords = config.dialogue.keywords
        self._cancel = plain_set(keywords.cancel)
        self._human = plain_set(keywords.human)
        self._menu = plain_set(keywords.menu)
        self._leave = plain_set(keywords.leave_form)
        self._choose_again = plain_set(keywords.choose_again)
        self._yes = plain_set(keywords.agree)
        self._wait = plain_set(keywords.wait)
        self._wait_leads = tuple(sorted(self._wait | plain_set(keywords.wait_leads), key=len, reverse=True))
        self._global = self._cancel | self._human | self._menu | self._wait
        self._form_timeout = timedelta(minutes=config.dialogue.form_timeout_minutes)
        self.check_config()

    def check_config(self) -> None:
        """Every intent the menus name must be one the bot knows (installed or referred), and
        every CLICK key of the custom menu must start one."""
        named = list(self.config.menu) + list(self.config.click_keys.values())
        known = self.registry.intents | self.known_intents | set(self.config.intent_labels)
        for intent in named:
            if intent not in known:
                raise SettingsError(f"config.yml names the intent {intent!r}, which the bot does not know.")
        for entry in click_entries(self.config):
            if click_intent(self.config, entry.click) not in known:
                raise SettingsError(f"In config.yml, the custom menu entry {entry.name} has the click key "
                                    f"{entry.click!r}, which starts no intent the bot knows.")

    # --- entry point ------------------------------------------------------------------------
    def respond(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        note = ""
        form = self._form(state)
        if state.form and (form is None or self._expired(ctx, state)):
            if form is not None:
                note = ctx.say("form.expired", form=ctx.label_of(state.form))
            state.clear_form()
        reply = self._route(turn, ctx, state).prefixed(note)
        state.options = list(reply.options)
        return replace(reply, changes=())

    def _form(self, state: FormState) -> Form | None:
        return self.registry.form_named(state.form) if state.form else None

    def _expired(self, ctx: Context, state: FormState) -> bool:
        """An open form the resident has not touched for ``form_timeout_minutes``."""
        last = state.last_activity
        return last is not None and ctx.now - last > self._form_timeout

    # --- applying what handlers return --------------------------------------------------------
    def _call(self, handler: Handler, turn: Turn, ctx: Context, state: FormState,
              view: DialogView | None = None) -> Reply | None:
        """Run a handler with a fresh view of the conversation (``view``: one taken since the
        state last changed) and apply what it changes."""
        ctx.dialog = view or DialogView.of(state)
        reply = handler(turn, ctx)
        if reply is not None:
            self._apply(reply, ctx, state)
        return reply

    @staticmethod
    def _apply(reply: Reply, ctx: Context, state: FormState) -> None:
        for change in reply.changes:
            if change.op == "open":
                if state.form != change.name:
                    state.clear_form()
                    state.form, state.form_started_at = change.name, ctx.now
            elif change.op == "ask":
                state.requested_slot = change.name
            elif change.op == "close":
                state.clear_form()
            elif change.op == "set":
                if change.value is None:
                    state.slots.pop(change.name, None)
                else:
                    state.slots[change.name] = change.value
            elif change.op == "pending":
                state.pending_intent = change.name or None
        ctx.dialog = DialogView.of(state)

    # --- by kind of message -----------------------------------------------------------------
    def _route(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        for stage in (Stage.STAFF, Stage.GLOBAL, Stage.EMERGENCY, Stage.COMMAND):
            if stage is Stage.GLOBAL and turn.kind in ("text", "voice"):
                reply = self._global_words(turn, ctx, state)
            else:
                reply = self._triggers(stage, turn, ctx, state)
            if reply is not None:
                return reply
        if turn.kind == "event":
            return self._event(turn, ctx, state)
        if turn.kind == "image":
            return self._image(turn, ctx, state)
        if turn.kind == "location":
            return self._location(turn, ctx, state)
        if turn.kind == "link":
            return self._again(ctx.say("channel.link", title=turn.link_title or ""), turn, ctx, state)
        if turn.kind in ("text", "voice"):
            if not turn.text.strip():
                if turn.kind == "voice":
                    return self._again(ctx.say("channel.voice_unrecognized"), turn, ctx, state)
                return self._again("", turn, ctx, state)
            return self._words(turn, ctx, state)
        return self._again(ctx.say("channel.unsupported"), turn, ctx, state)

    def _triggers(self, stage: Stage, turn: Turn, ctx: Context, state: FormState) -> Reply | None:
        view = DialogView.of(state)  # a trigger that answers nothing changes nothing
        for trigger in self.registry.triggers_at(stage, turn.kind):
            try:
                reply = self._call(trigger.handle, turn, ctx, state, view)
            except BindingRequired as error:
                return self._bind_first(error, turn, ctx, state)
            if reply is None:
                continue
            route = next((change.name for change in reply.changes if change.op == "route"), None)
            if route is not None:
                return self.run_intent(route, self._as_intent(turn, route, words=True), ctx, state)
            return reply
        return None

    def _event(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        event = turn.event
        if event == "click":
            intent = self._click_intent(turn.event_key)
            if intent is None:
                return main_menu(ctx, self.registry)
            return self.run_intent(intent, self._as_intent(turn, intent), ctx, state)
        if event in ("subscribe", "subscribe_scan", "scan"):  # the account flow greets; without it, the menu
            return main_menu(ctx, self.registry)
        if event in SILENT_EVENTS:
            return Reply.nothing()
        return self._again(ctx.say("channel.unsupported"), turn, ctx, state)

    def intent_of(self, turn: Turn) -> str | None:
        """The intent a message is about before the dialogue runs: the NLU's, or a menu click's."""
        if turn.kind == "event" and turn.event == "click":
            return self._click_intent(turn.event_key)
        return turn.intent

    def _click_intent(self, key: str) -> str | None:
        """The intent a custom-menu CLICK key starts (a flow's, or one given the honest referral)."""
        intent = click_intent(self.config, key)
        known = self.registry.intents | self.known_intents | set(self.config.intent_labels)
        return intent if key in self.config.click_keys or intent in known else None

    def _image(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        form = self._form(state)
        photo = turn.photo.to_dict() if turn.photo else {}
        if form is not None and form.accepts_photo:
            state.slots["photo"] = photo
            return self._ask_next(form, turn, ctx, state).prefixed(ctx.say("form.photo_received"))
        return self._triggers(Stage.FALLBACK, turn, ctx, state) or self._again(
            ctx.say("channel.image_unused"), turn, ctx, state)

    def _location(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        form = self._form(state)
        loc = turn.location
        label = (loc.label if loc else "") or (f"{loc.latitude:.5f},{loc.longitude:.5f}" if loc else "")
        if form is not None and state.requested_slot == "location":
            return self._fill(form, "location", label, turn, ctx, state)
        return self._again(ctx.say("channel.location", label=label), turn, ctx, state)

    # --- words -------------------------------------------------------------------------------
    def _global_words(self, turn: Turn, ctx: Context, state: FormState) -> Reply | None:
        word = turn.plain if turn.plain in self._global else core_word(turn.plain)
        if word in self._cancel:
            offer = self._yes_and_no(state.options) if state.form is None else None
            if offer is not None and word in plain(offer[0].label):  # 取消 to "确定取消吗？": which one?
                return Reply.text(ctx.say("stop.which", yes=offer[0].label, no=offer[1].label), list(state.options))
            return self.cancel(turn, ctx, state)
        if word in self._human:
            return self.run_intent("human_handoff", self._as_intent(turn, "human_handoff", words=True), ctx, state)
        if word in self._menu:
            return self.run_intent("help", self._as_intent(turn, "help"), ctx, state)
        if word in self._wait or self._waits_in_more_words(turn):
            return self._wait_a_moment(turn, ctx, state)
        return None

    def _waits_in_more_words(self, turn: Turn) -> bool:
        """等一下我问问老伴 / 我问问家里人再说: a short message that begins by asking for a moment
        and asks for nothing else (no digits, no other request the NLU is sure of)."""
        said = turn.plain
        if len(said) > 14 or not said.startswith(self._wait_leads) or re.search(r"\d", said):
            return False
        return not (turn.confidence >= DIGRESSION_CONFIDENCE and turn.intent not in (None, OUT_OF_SCOPE))

    def _wait_a_moment(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """等一下: the open question, or the choices last offered (a list shown in the middle of
        a form), stay as they were; nothing counts as not understood."""
        note = ctx.say("acknowledge.wait")
        form = self._form(state)
        if form is not None:
            question = self._reask(form, turn, ctx, state)
            if not state.options or list(question.options) == state.options:
                return question.prefixed(note)
        return Reply.text(note, list(state.options)) if state.options else Reply.text(note, footer=True)

    def _words(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        form = self._form(state)
        numeric_answer = form is not None and state.requested_slot in form.numeric_slots
        if numeric_answer:  # digits answer the question, but a label or a number offered still picks its option
            picked: Option | str | None = self._labelled(turn, state.options) or self._under(
                self._number(turn.text, said=True), state.options)
        elif form is not None and _QUANTITY.match(turn.text.strip()):
            picked = None  # the form hears it (one at a time, say): never the second choice, nor 重新填写
        else:
            picked = self._pick(turn, state.options, words=form is None)
        if picked == "out_of_range":
            return self._out_of_range(turn, ctx, state)
        if isinstance(picked, Option):
            return self._choose(picked, turn, ctx, state)
        if picked is None and not state.options and form is None:
            number = self._number(turn.text)
            if number is not None:
                items = menu_options(ctx, self.registry)
                if 1 <= number <= len(items):
                    return self._choose(items[number - 1], turn, ctx, state)
                return self._out_of_range(turn, ctx, state)
        if form is not None:
            return self._continue(form, turn, ctx, state)
        return self._understand(turn, ctx, state)

    def _understand(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        if turn.parts is not None:
            return self._two_requests(turn.parts, ctx, state)
        taken = self._triggers(Stage.INTENT, turn, ctx, state)
        if taken is not None:
            return taken
        intent = turn.intent
        if intent is None or intent == OUT_OF_SCOPE or is_noise(turn):
            return self._fallback(turn, ctx, state)
        return self.run_intent(intent, turn, ctx, state)

    def _two_requests(self, parts: tuple[Turn, Turn], ctx: Context, state: FormState) -> Reply:
        """Two things asked in one message: an answer first and a form's question last (so that
        the next message answers it), or both answers; when the first part leaves a form open
        (two forms, or a binding asked first), the second is named so that the resident sends it
        again."""
        first, second = parts
        if self._is_form(first.intent) and not self._is_form(second.intent):
            first, second = second, first
        answer = self._understand(first, ctx, state)
        if state.form is not None:  # it asks something (a form, a binding first): the other waits
            return answer.prefixed(ctx.say("form.later", text=second.text))
        return answer.followed_by(self._understand(second, ctx, state))

    def _is_form(self, intent: str | None) -> bool:
        return intent is not None and self.registry.form_named(intent) is not None

    def run_intent(self, intent: str, turn: Turn, ctx: Context, state: FormState, *,
                   announce_switch: bool = True) -> Reply:
        """Hand the turn to the intent's action or start its form; an intent the bot knows
        but no installed flow handles gets the honest referral. ``announce_switch``: a form
        started while another is open says that the other is dropped."""
        handler = self.registry.get(intent)
        if handler is None:
            if intent in self.known_intents or intent in self.config.intent_labels:
                return self._referral(intent, ctx)
            return self._fallback(turn, ctx, state)
        state.misses = 0
        try:
            if isinstance(handler, Form):
                return self._start(handler, turn, ctx, state, announce_switch=announce_switch)
            reply = self._call(handler, turn, ctx, state)
            assert reply is not None, f"the action of {intent} returned no reply"
            return reply
        except BindingRequired as error:
            return self._bind_first(error, turn, ctx, state, intent)

    def _referral(self, intent: str, ctx: Context) -> Reply:
        return Reply.text(ctx.say("referral.offer", label=ctx.label_of(intent)),
                          [Option.intent(ctx.label_of("human_handoff"), "human_handoff")])

    # --- choices -----------------------------------------------------------------------------
    @staticmethod
    def _number(text: str, *, said: bool = False) -> int | None:
        """The choice a bare number picks (1, 第二个, 选3); ``said``: also one picked with words
        (报名第一个), for the choices on screen."""
        match = _CHOICE.match(text.strip()) or (_CHOICE_SAID.match(text.strip()) if said else None)
        if not match:
            return None
        token = match.group(1)
        return int(token) if token.isdigit() else _CHINESE_DIGITS[token]

    def _pick(self, turn: Turn, options: list[Option], *, words: bool = True) -> Option | str | None:
        """The offered option this message chooses (its digit, its label, or — with ``words``,
        outside a form, whose own questions read yes and no themselves — a plain yes or no)."""
        if not options:
            return None
        labelled = self._labelled(turn, options)
        if labelled is not None:
            return labelled
        number = self._number(turn.text, said=True)
        if number is None:
            return self._yes_or_no(turn, options) if words else None
        return self._under(number, options) or "out_of_range"

    @staticmethod
    def _under(number: int | None, options: list[Option]) -> Option | None:
        """The option numbered ``number``, if there is one (1 under "1. 不换了"; a head count's
        options are numbered by the count they stand for)."""
        return options[number - 1] if number is not None and 1 <= number <= len(options) else None

    @staticmethod
    def _labelled(turn: Turn, options: list[Option]) -> Option | None:
        """The option whose label (or what its tap sends) these words are."""
        stripped = turn.text.strip()
        for option in options:
            if stripped in (option.message, option.label) or turn.plain in (plain(option.message), plain(option.label)):
                return option
        return None

    @staticmethod
    def _yes_and_no(options: list[Option]) -> tuple[Option, Option] | None:
        """The yes and the no of a yes-or-no offer (确定取消 / 不取消), or None for other choices."""
        yes = next((o for o in options if o.value.get("yes") or o.value.get("answer") == "yes"), None)
        no = next((o for o in options if o.value.get("answer") == "no"), None)
        return (yes, no) if yes is not None and no is not None else None

    def _yes_or_no(self, turn: Turn, options: list[Option]) -> Option | None:
        """是的 / 不用了 typed to a yes-or-no offer picks its yes or its no."""
        offer = self._yes_and_no(options)
        if offer is None:
            return None
        yes, no = offer
        sure = turn.confidence >= DIGRESSION_CONFIDENCE
        if turn.plain in self._yes or affirms(turn, DIGRESSION_CONFIDENCE):
            return yes
        if turn.intent in ("deny", "stop") and sure or leaves_form(turn, self._leave):
            return no
        return None

    def _choose(self, option: Option, turn: Turn, ctx: Context, state: FormState) -> Reply:
        value: dict[str, Any] = option.value
        form = self._form(state)
        if "menu" in value:
            return main_menu(ctx, self.registry, group=str(value["menu"]))
        if "intent" in value:
            intent = str(value["intent"])
            chosen = self._as_intent(turn, intent)
            if value.get("said"):  # a guess at what earlier words meant: they are the resident's
                said = str(value["said"])
                parse = Parse(said, IntentPrediction(intent, 1.0), tuple(extract_entities(said, ctx.today)))
                chosen = replace(turn, kind="text", text=said, plain=plain(said), parse=parse, tapped=False)
            if value.get("slots"):  # a choice that carries what it is about (event 3, post 12)
                chosen = replace(chosen, parse=replace(chosen.parse, entities=()) if chosen.parse else None)
                return self._call_with_memory(intent, dict(value["slots"]), chosen, ctx, state)
            return self.run_intent(intent, chosen, ctx, state)
        if "slot" in value and form is not None:
            return self._fill(form, str(value["slot"]), value.get("value"), turn, ctx, state)
        if "answer" in value:
            if form is not None and state.requested_slot == CONFIRM:
                return self._confirmed(form, str(value["answer"]), turn, ctx, state)
            if value["answer"] == "no":
                if form is not None:
                    return self.cancel(turn, ctx, state)
                state.slots = {}  # "no" to an offer: forget what was kept for it (a photo)
                return Reply.text(ctx.say("acknowledge.deny"), footer=True)
            return Reply.text(ctx.say("acknowledge.affirm"), footer=True)
        return main_menu(ctx, self.registry)

    def _call_with_memory(self, intent: str, slots: dict[str, Any], turn: Turn, ctx: Context,
                          state: FormState) -> Reply:
        """A choice that says what it is about: its values are remembered as ``_choice`` for
        the intent's handler (a list number stays meaningful after the list was shown)."""
        state.slots["_choice"] = slots
        try:
            return self.run_intent(intent, turn, ctx, state)
        finally:
            state.slots.pop("_choice", None)

    def _out_of_range(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        options = state.options or menu_options(ctx, self.registry)
        note = ctx.say("menu.out_of_range", count=len(options)) if len(options) > 1 else ctx.say("menu.one_choice")
        form = self._form(state)
        if form is not None and state.requested_slot:
            return self._reask(form, turn, ctx, state).prefixed(note)
        return Reply.text(note, options)

    @staticmethod
    def _as_intent(turn: Turn, intent: str, *, words: bool = False) -> Turn:
        """The turn re-read as a sure ``intent``: with the resident's own words (a global word,
        an emergency), or without them (a tapped choice, a menu click, a resumed request), so
        that a label of ours is never taken for something the resident said."""
        text = turn.text if words else ""
        parse = Parse(text=text, intent=IntentPrediction(intent, 1.0), entities=turn.entities if words else ())
        return replace(turn, kind="text", text=text, plain=plain(text) if text else "", parse=parse,
                       tapped=not words)

    # --- forms -------------------------------------------------------------------------------
    def _start(self, form: Form, turn: Turn, ctx: Context, state: FormState, *,
               announce_switch: bool = True) -> Reply:
        note = ""
        if announce_switch and state.form and state.form != form.name:
            note = ctx.say("form.switched", form=ctx.label_of(state.form))
        state.clear_form()
        state.form, state.form_started_at = form.name, ctx.now
        ctx.dialog = DialogView.of(state)
        for slot, value in form.prefill(turn, ctx).items():
            if value is None:
                state.slots.pop(slot, None)
            else:
                state.slots.setdefault(slot, value)
        for slot in form.slots:
            value = form.extract(slot, turn, ctx, requested=False)
            if value is not None:
                checked = form.validate(slot, value, turn, ctx)
                if checked is not None:
                    state.slots[slot] = checked
        begun = self._call(lambda t, c: form.begin(dict(state.slots), t, c), turn, ctx, state)
        if begun is not None:
            if state.form == form.name and not begun.changes_op("ask"):
                state.clear_form()
            return self._resume_pending(begun, turn, ctx, state).prefixed(note)
        return self._ask_next(form, turn, ctx, state).prefixed(note)

    def _continue(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        slot = state.requested_slot
        corrected = correction(turn)
        if corrected is not None and corrected.turn.text:
            return self._correct(form, corrected, turn, ctx, state)
        if slot == CONFIRM:
            return self._confirm_turn(form, turn, ctx, state)
        answered = rejected = False
        if slot is not None:
            value = form.extract(slot, turn, ctx, requested=True)
            if value is not None:
                checked = form.validate(slot, value, turn, ctx)
                if checked is not None:
                    state.slots[slot] = checked
                    answered = True
                else:
                    rejected = True
        filled = self._fill_others(form, slot, turn, ctx, state) or answered
        if filled:
            state.misses = 0
            following = self._ask_next(form, turn, ctx, state)
            if state.requested_slot == slot and not answered:  # the question itself is still unanswered
                if rejected:  # say why
                    return following.prefixed(form.invalid(str(slot), ctx))
                return following.prefixed(ctx.say("form.noted"))  # what they said is kept, then asked again
            return following
        if rejected:  # an answer to the question, but not a good one (a phone of five digits)
            return self._miss(form, turn, ctx, state, form.invalid(str(slot), ctx))
        if leaves_form(turn, self._leave):
            return self.cancel(turn, ctx, state)
        if self._add(form, turn, ctx, state):
            return self._reask(form, turn, ctx, state).prefixed(ctx.say("form.noted"))
        return self._aside(form, turn, ctx, state) or self._digress(form, turn, ctx, state)

    @staticmethod
    def _add(form: Form, turn: Turn, ctx: Context, state: FormState) -> bool:
        """More words for a slot already answered (``Form.addition``), kept beside what it has
        (or instead of a skip)."""
        addition = form.addition(turn, ctx)
        if addition is None or addition[0] not in state.slots:
            return False
        name, words = addition
        before = state.slots[name]
        if before == SKIPPED:
            state.slots[name] = words
        elif words not in str(before):
            state.slots[name] = f"{before}；{words}"
        return True

    def _aside(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply | None:
        """A question about the form's own subject is answered, and its question asked again."""
        said = form.aside(dict(state.slots), turn, ctx) if not turn.tapped else None
        return self._reask(form, turn, ctx, state).prefixed(said) if said else None

    def _fill_others(self, form: Form, requested: str | None, turn: Turn, ctx: Context, state: FormState,
                     *, refill: bool = False) -> bool:
        """Take any other slot this message answers too (``refill``: even one already filled)."""
        filled = False
        for other in form.slots:
            if other == requested or (not refill and not form.needs(other, state.slots, ctx)):
                continue
            value = form.extract(other, turn, ctx, requested=False)
            if value is None:
                continue
            checked = form.validate(other, value, turn, ctx)
            if checked is not None and state.slots.get(other) != checked:
                state.slots[other] = checked
                filled = True
        return filled

    def _correct(self, form: Form, fix: Correction, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """不对，是… / 改成… / 是X不是Y: the slots the corrected words answer are replaced (Y by X
        inside a value that has Y); when they name none, they answer the question asked (or
        else the slot filled last), or one of the answers the form lets be corrected meanwhile
        (``Form.corrected_while_asking``)."""
        corrected = fix.turn
        changed = self._substitute(form, fix, turn, ctx, state) or self._fill_others(
            form, None, corrected, ctx, state, refill=True)
        if not changed:
            asked = state.requested_slot if state.requested_slot not in (None, CONFIRM) else self._last_filled(
                form, state)
            targets = [asked] if asked is not None else []
            targets += [slot for slot in form.corrected_while_asking if slot in state.slots and slot != asked]
            for target in targets:
                value = form.extract(target, corrected, ctx, requested=True)
                checked = form.validate(target, value, corrected, ctx) if value is not None else None
                if checked is not None:
                    state.slots[target] = checked
                    changed = True
                    break
        if not changed:
            if state.requested_slot == CONFIRM:
                return form.ask_confirmation(state.slots, ctx).prefixed(ctx.say("form.what_to_change"))
            return self._miss(form, turn, ctx, state, form.invalid(state.requested_slot or "", ctx))
        state.misses = 0
        return self._ask_next(form, turn, ctx, state).prefixed(ctx.say("form.corrected"))

    @staticmethod
    def _substitute(form: Form, fix: Correction, turn: Turn, ctx: Context, state: FormState) -> bool:
        if not fix.wrong:
            return False
        changed = False
        for slot in form.slots:
            value = state.slots.get(slot)
            if isinstance(value, str) and fix.wrong in value:
                checked = form.validate(slot, value.replace(fix.wrong, fix.turn.text), turn, ctx)
                if checked is not None:
                    state.slots[slot] = checked
                    changed = True
        return changed

    @staticmethod
    def _last_filled(form: Form, state: FormState) -> str | None:
        filled = [slot for slot in form.slots if slot in state.slots]
        return filled[-1] if filled else None

    def _fill(self, form: Form, slot: str, value: Any, turn: Turn, ctx: Context, state: FormState) -> Reply:
        checked = form.validate(slot, value, turn, ctx)
        if checked is None:
            return self._miss(form, turn, ctx, state, form.invalid(slot, ctx))
        state.slots[slot] = checked
        state.misses = 0
        return self._ask_next(form, turn, ctx, state)

    def _miss(self, form: Form, turn: Turn, ctx: Context, state: FormState, note: str) -> Reply:
        """The answer did not fit the question: ask again; after repeated misses offer a person
        as one more numbered choice (never brought in uninvited)."""
        state.misses += 1
        question = self._reask(form, turn, ctx, state)
        if state.misses >= self.config.dialogue.misses_before_handoff:
            offer = Option.intent(ctx.label_of("human_handoff"), "human_handoff")
            question = replace(question, options=(*question.options, offer))
            return question.prefixed(ctx.say("form.still_not_understood"))
        return question.prefixed(note)

    def _digress(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """The message answers nothing the form asked: maybe the resident wants something else
        (never for a bare 两个, which says how many of something, not what)."""
        intent = turn.intent
        sure = turn.confidence >= DIGRESSION_CONFIDENCE and not is_noise(turn) \
            and not _QUANTITY.match(turn.text.strip())
        if intent == "stop" and sure:
            return self.cancel(turn, ctx, state)
        if intent and sure and intent not in CONTROL_INTENTS and intent != form.name:
            handler = self.registry.get(intent)
            if intent == "human_handoff":
                return self.run_intent(intent, turn, ctx, state)
            if isinstance(handler, Form):
                return self._other_form(handler, form, turn, ctx, state)
            answer = self.run_intent(intent, turn, ctx, state)
            if state.form != form.name:  # the action ended the form itself
                return answer
            return self._then_resume(answer, form, turn, ctx, state)
        if intent in ("greet", "thanks", "help") and sure or intent == form.name and sure:
            # pleasantries, or asking again for what is being done (我要报名 while signing up): where we were
            return self._reask(form, turn, ctx, state).prefixed(
                ctx.say("form.resume", form=ctx.label_of(form.name)))
        return self._miss(form, turn, ctx, state, ctx.say("form.not_understood"))

    def _other_form(self, other: Form, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """Another form's request in the middle of this one. When it has something to ask, it
        takes over, and the resident is told this one is dropped; when it is answered at once
        (积分能换什么 with too few points: nothing to ask), this form goes on where it was."""
        kept = replace(state, slots=dict(state.slots), options=list(state.options))
        answer = self.run_intent(other.name, turn, ctx, state, announce_switch=False)
        if state.form is not None or state.pending_intent != kept.pending_intent:
            return answer.prefixed(ctx.say("form.switched", form=ctx.label_of(form.name)))
        for name in ("form", "slots", "requested_slot", "misses", "pending_intent", "form_started_at"):
            setattr(state, name, getattr(kept, name))
        return self._then_resume(answer, form, turn, ctx, state)

    def _then_resume(self, answer: Reply, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """An answer given in the middle of a form, then the form's question again; when the
        answer offers choices of its own, they stay, and the form waits for them."""
        if answer.options:
            note = ctx.say("form.still_open", form=ctx.label_of(form.name))
            return replace(answer, content=f"{answer.content}\n\n{note}" if answer.content else note)
        resume = self._reask(form, turn, ctx, state).prefixed(
            ctx.say("form.resume", form=ctx.label_of(form.name)))
        return answer.followed_by(resume)

    def _ask_next(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        ctx.dialog = DialogView.of(state)
        slot = form.next_slot(state.slots, ctx)
        if slot is not None:
            state.requested_slot = slot
            return form.ask(slot, state.slots, turn, ctx)
        if form.wants_confirmation(state.slots, ctx):
            state.requested_slot = CONFIRM
            return form.ask_confirmation(state.slots, ctx)
        return self._submit(form, turn, ctx, state)

    def _reask(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        slot = state.requested_slot
        if slot == CONFIRM:
            return form.ask_confirmation(state.slots, ctx)
        if slot is None:
            return self._ask_next(form, turn, ctx, state)
        return form.ask(slot, state.slots, turn, ctx)

    def _confirm_turn(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        if turn.plain in self._choose_again:
            return self._confirmed(form, "redo", turn, ctx, state)
        if turn.plain in self._yes or affirms(turn, DIGRESSION_CONFIDENCE):
            return self._confirmed(form, "yes", turn, ctx, state)
        if turn.intent == "stop" and turn.confidence >= DIGRESSION_CONFIDENCE or leaves_form(turn, self._leave):
            return self._confirmed(form, "no", turn, ctx, state)
        if turn.intent == "deny" and turn.confidence >= DIGRESSION_CONFIDENCE:
            return form.ask_confirmation(state.slots, ctx).prefixed(ctx.say("form.what_to_change"))
        if not asks(turn.text) and self._fill_others(form, None, turn, ctx, state, refill=True):
            return form.ask_confirmation(state.slots, ctx).prefixed(ctx.say("form.corrected"))
        if self._add(form, turn, ctx, state):
            return form.ask_confirmation(state.slots, ctx).prefixed(ctx.say("form.noted"))
        return self._aside(form, turn, ctx, state) or self._digress(form, turn, ctx, state)

    def _confirmed(self, form: Form, answer: str, turn: Turn, ctx: Context, state: FormState) -> Reply:
        if answer == "yes":
            return self._submit(form, turn, ctx, state)
        if answer == "redo":
            state.slots = {k: v for k, v in state.slots.items() if k.startswith("_") or k == "photo"}
            for slot, value in form.prefill(turn, ctx).items():
                state.slots.setdefault(slot, value)
            state.requested_slot = None
            return self._ask_next(form, turn, ctx, state)
        return self.cancel(turn, ctx, state)

    def _submit(self, form: Form, turn: Turn, ctx: Context, state: FormState) -> Reply:
        slots = {k: v for k, v in state.slots.items() if not k.startswith("_")}
        try:
            reply = self._call(lambda t, c: form.submit(slots, t, c), turn, ctx, state)
        except BindingRequired as error:
            return self._bind_first(error, turn, ctx, state, form.name, request=False)
        assert reply is not None
        if state.form == form.name and not reply.changes_op("ask") and not reply.changes_op("open"):
            state.clear_form()
        return self._resume_pending(reply, turn, ctx, state)

    def _resume_pending(self, reply: Reply, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """Once the resident has bound a household, the request that waited for it runs, read
        from the words it was asked in (上个月水费 is answered, not asked again)."""
        pending = state.pending_intent
        if not pending or state.form is not None or ctx.resident.household_id is None:
            return reply
        state.pending_intent = None
        request = state.slots.pop(PENDING_REQUEST, None)
        request = request if isinstance(request, dict) else {}
        resumed_turn = self._as_intent(turn, pending)
        if request.get("text"):
            text = str(request["text"])
            entities = tuple(Entity(str(e["entity"]), e["value"], int(e["start"]), int(e["end"]))
                             for e in request.get("entities", []))
            resumed_turn = replace(turn, kind="text", text=text, plain=plain(text), tapped=False,
                                   parse=Parse(text=text, intent=IntentPrediction(pending, 1.0), entities=entities))
        if request.get("choice"):
            resumed = self._call_with_memory(pending, dict(request["choice"]), resumed_turn, ctx, state)
        else:
            resumed = self.run_intent(pending, resumed_turn, ctx, state)
        return reply.followed_by(resumed.prefixed(ctx.say("binding.resume")))

    def _bind_first(self, error: BindingRequired, turn: Turn, ctx: Context, state: FormState,
                    intent: str | None = None, *, request: bool = True) -> Reply:
        """The request needs a household: remember it (with its words and any choice it came
        from, unless ``request`` is False: the turn only finished a form), and start binding."""
        state.pending_intent = intent or error.intent
        words = turn.text if request and not turn.tapped else ""
        choice = state.slots.get("_choice") if request else None
        if words or choice:
            state.slots[PENDING_REQUEST] = {"text": words, "choice": choice,
                                            "entities": [e.to_dict() for e in turn.entities] if words else []}
        else:
            state.slots.pop(PENDING_REQUEST, None)
        binding = self.registry.form_named(error.form)
        if binding is None:
            return Reply.text(ctx.say("binding.required"), footer=True)
        if state.form == (intent or error.intent):
            state.clear_form()  # the request that needs binding waits for it; it is not being dropped
        return self._start(binding, self._as_intent(turn, error.form), ctx, state).prefixed(
            ctx.say("binding.required"))

    def cancel(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """Leave whatever flow is open (取消 / 算了 / 不修了). A flow may say what cannot be
        undone (an urgent report stays with the duty staff)."""
        for hook in self.registry.cancel_hooks:
            reply = self._call(hook, turn, ctx, state)
            if reply is not None:
                state.clear_form()
                state.pending_intent = None
                return reply
        had_form = state.form is not None
        state.clear_form()
        state.slots = {}  # and whatever was kept for it (a photo sent before the form)
        state.pending_intent = None
        state.misses = 0
        return main_menu(ctx, self.registry, ctx.say("stop.cancelled" if had_form else "stop.nothing"))

    # --- not understood ----------------------------------------------------------------------
    def _fallback(self, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """Not understood: say so briefly with the number menu (a person is one of its choices).
        A message with real words gets numbered guesses at what it may have meant."""
        if turn.kind in ("text", "voice"):
            taken = self._triggers(Stage.FALLBACK, turn, ctx, state)
            if taken is not None:
                return taken
        state.misses += 1
        again = state.misses >= self.config.dialogue.misses_before_handoff
        if self._yes_and_no(state.options) is not None:  # a yes-or-no question stays asked (确定取消吗？)
            options = ctx.with_a_person(state.options) if again else state.options
            return Reply.text(ctx.say("fallback.yes_or_no"), options)
        ranking = turn.parse.ranking if turn.parse and not is_noise(turn) else ()
        guesses = self._guesses(ranking)
        if not guesses or again:
            return main_menu(ctx, self.registry, ctx.say("fallback.again" if again else "fallback.offtopic"))
        # A guess chosen goes on with the resident's own words (a suggestion is not typed twice).
        said = turn.text[:500] if turn.kind == "text" and not turn.tapped else ""
        options = [Option.intent(ctx.label_of(name), name, **({"said": said} if said else {})) for name in guesses]
        options.append(Option.intent(ctx.label_of("help"), "help"))
        return Reply.text(ctx.say("fallback.clarify"), options)

    def _guesses(self, ranking: tuple[IntentPrediction, ...]) -> list[str]:
        guesses: list[str] = []
        for prediction in ranking:
            name = prediction.name
            if name in CONTROL_INTENTS or name == "human_handoff" or prediction.confidence < 0.15:
                continue
            if self.registry.get(name) is not None and name not in guesses:
                guesses.append(name)
            if len(guesses) == 2:
                break
        return guesses

    # --- menus -------------------------------------------------------------------------------
    def _again(self, text: str, turn: Turn, ctx: Context, state: FormState) -> Reply:
        """Say ``text`` and repeat the open question (or the menu when nothing is open)."""
        form = self._form(state)
        if form is not None:
            return self._reask(form, turn, ctx, state).prefixed(text)
        return main_menu(ctx, self.registry, text or None)


__all__ = ["SKIPPED", "DialogueEngine"]
