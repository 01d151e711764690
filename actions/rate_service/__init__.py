"""rate_service (打分点评): a resident scores the property service from 1 to 5.

At any time ("给物业打个分", "打分点评"), or after a repair is finished: staff marking a
ticket done push the question to the reporter (:func:`ask_after_repair`) with five numbered
choices, and leave those choices in the resident's conversation, so that "5" — or a tap,
or "很满意" — answers it whenever they read it. The score is stored as soon as it is given
(once per message; once per ticket), then the resident may add a few words, or not.

Digits 1–5 are the score itself (1 很不满意 … 5 很满意); words are read by
``score_words`` in config.yml (很满意 = 5, 满意 = 4, 一般 = 3, 不满意 = 2, 很不满意 / 太差了 = 1).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from bot.dialogue import SKIPPED, Context, Flow, FlowSettings, Form, MenuEntry, Option, Reply, Stage, Turn
from bot.dialogue.engine import CONTROL_INTENTS, DIGRESSION_CONFIDENCE
from bot.dialogue.text import is_noise, plain, plain_set
from nlu.types import OUT_OF_SCOPE
from store import Store
from store.ratings import SCORES, NewRating, RatingRepository, ServiceRating
from store.repairs import RepairRepository, RepairTicket


class RatingSettings(FlowSettings):
    #: Words that give a score; the longest word found in a message wins (很不满意 before 满意).
    score_words: dict[int, list[str]] = Field(default_factory=lambda: {
        5: ["很满意", "非常满意", "特别满意", "十分满意", "满分", "五星好评", "好评", "非常好", "太好了", "很好"],
        4: ["满意", "比较满意", "还不错", "挺好", "蛮好", "不错"],
        3: ["一般", "一般般", "还行", "马马虎虎", "凑合", "还可以"],
        2: ["不满意", "不太满意", "不大满意", "较差"],
        1: ["很不满意", "非常不满意", "太差了", "很差", "差评", "太差", "极差", "非常差"],
    })
    #: How long after a repair is finished the resident's score still rates that repair.
    repair_days: int = Field(7, ge=1)
    #: A second score this soon after the last is taken for the same one said again.
    repeat_minutes: int = Field(30, ge=0)
    #: Words that mean "nothing to add" when a comment is asked.
    nothing_more: list[str] = Field(default_factory=lambda: [
        "没有", "没有了", "没了", "不用", "不用了", "没什么", "没啥", "没事", "没事了", "就这样", "不说了", "好的",
        "好", "谢谢", "谢谢你", "谢谢了", "无"])


flow: Flow[RatingSettings] = Flow("rate_service", settings=RatingSettings,
                                  menu=[MenuEntry("rate_service", order=70)])

_LEADING_NUMBER = re.compile(r"^\s*(?:我|就|那)?(?:打|给|评)?\s*(?P<n>\d{1,3}|[零一二两三四五六七八九十])\s*"
                             r"(?P<unit>分(?!钟)|星|颗星|个星)?(?P<after>.*)$", re.S)
_NUMBER = re.compile(r"(\d{1,3}|[零一二两三四五六七八九十])\s*(?:分(?!钟)|星|颗星|个星)")
_CHINESE = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
            "十": 10}
_SEPARATORS = " \t\n,，。.!！;；、:：~～"
#: What may follow a score word for the word to be the whole answer (满意了, 一般吧).
_PARTICLES = "了的吧啊呀哦噢嘛"


@dataclass(frozen=True, slots=True)
class Score:
    """A score read from words: ``value`` (maybe out of 1–5: 七分), ``rest`` the words after it
    when the score opens the message (很满意，师傅很专业 → 师傅很专业), ``bare`` for a number
    alone, ``trailing`` when the score ends the message (师傅修得很好 / 这次我给4分)."""

    value: int
    rest: str
    leading: bool
    bare: bool
    trailing: bool = False


def read_score(text: str, settings: RatingSettings) -> Score | None:
    """The score these words give, if any: "5", "5分，很及时", "打五星", "很满意", "太差了".
    A number opening the message is a score when it stands alone, carries 分/星, or is set off
    by punctuation ("5，很及时") — "5 号楼" and "3-502" are not scores."""
    words = re.sub(r"十分(?=不?满意)", "很", text.strip())
    if not words:
        return None
    match = _LEADING_NUMBER.match(words)
    if match:
        after = match.group("after")
        punctuated = bool(after) and after.lstrip(" \t")[:1] in _SEPARATORS.strip()
        if not after.strip() or match.group("unit") or punctuated:
            rest = after.strip(_SEPARATORS)
            bare = not rest and not match.group("unit") and bool(re.fullmatch(r"\s*\d{1,3}\s*", words))
            return Score(_number(match.group("n")), rest, True, bare)
    match = _NUMBER.search(words)
    if match:
        ending = not words[match.end():].strip(_SEPARATORS + _PARTICLES)
        return Score(_number(match.group(1)), "", match.start() <= 3, False, ending)
    return _score_word(words, settings)


def _score_word(words: str, settings: RatingSettings) -> Score | None:
    """The longest score word in the message; it opens the answer only when nothing but
    punctuation or a particle follows it directly (很满意，… yes; 不好意思 no)."""
    reduced = plain(words)
    found = [(len(plain(word)), score, word) for score, members in settings.score_words.items()
             for word in members if plain(word) and plain(word) in reduced]
    if not found:
        return None
    _, score, word = max(found)
    rest = ""
    leading = False
    if reduced.startswith(plain(word)):
        at = words.find(word)
        after = words[at + len(word):] if at >= 0 else ""
        leading = not after or after[0] in _SEPARATORS or after[0] in _PARTICLES
        rest = after.lstrip(_PARTICLES).strip(_SEPARATORS) if leading else ""
    trailing = reduced.rstrip(_PARTICLES).endswith(plain(word))
    return Score(score, rest, leading, False, trailing)


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _CHINESE[token]


def comment_of(score: Score | None) -> str | None:
    """The resident's own words after a score that opens the message, when they say something."""
    if score is None or not score.leading or len(plain(score.rest)) < 2:
        return None
    return score.rest[:1000]


def score_label(score: int, ctx: Context | Any) -> str:
    """How a score is shown: 很满意（5分）."""
    return str(ctx.say(f"rate_service.scores.{score}"))


# --- after a repair ------------------------------------------------------------------------

def awaiting(store: Store, openid: str, now: datetime, settings: RatingSettings) -> RepairTicket | None:
    """The resident's finished repair still waiting for their score, if any."""
    return store[RepairRepository].awaiting_rating(openid, now - timedelta(days=settings.repair_days))


def repair_choices(ticket_id: int, say: Callable[..., str]) -> list[Option]:
    """The five numbered scores for a finished repair: digit n is score n."""
    return [Option.intent(say(f"rate_service.scores.{score}"), "rate_service",
                          slots={"ticket": ticket_id, "score": score}) for score in SCORES]


def ask_after_repair(store: Store, ticket: RepairTicket, say: Callable[..., str], now: datetime,
                     form_timeout: timedelta) -> Reply:
    """The rating question for a finished repair, to push to its reporter. It is remembered on
    the ticket, and its choices are left in the resident's conversation (unless they are in
    the middle of something else), so the answer is understood whenever it comes."""
    store[RepairRepository].ask_rating(ticket, now)
    options = repair_choices(ticket.id, say)
    expect_answer(store, ticket.openid, options, now, form_timeout)
    return Reply.text(say("rate_service.ask_repair", ticket=ticket.id), options)


def expect_answer(store: Store, openid: str, options: list[Option], now: datetime, form_timeout: timedelta) -> bool:
    """Offer ``options`` as the resident's next numbered choices; False when they are busy
    with a form (their digits belong to it), which is left alone."""
    if store.residents.get(openid) is None:
        return False
    conversation = store.conversations.load_for_update(openid, now)
    if conversation.form is not None and now - conversation.updated_at <= form_timeout:
        return False
    if conversation.form is not None:  # a form left unfinished long ago: it has lapsed anyway
        conversation.form = None
        conversation.requested_slot = None
        conversation.form_started_at = None
        conversation.slots = {k: v for k, v in (conversation.slots or {}).items() if k.startswith("_")}
    conversation.options = [option.to_dict() for option in options]
    return True


# --- the resident's words ----------------------------------------------------------------

@flow.trigger(Stage.COMMAND)
def score_for_a_repair(turn: Turn, ctx: Context) -> Reply | None:
    """"很满意" / "5分，师傅很准时" from a resident whose finished repair awaits a score: it is
    that score, whatever else the words might mean. (A bare digit is left to the numbered
    choices, which stay in the conversation.)"""
    if ctx.dialog.form is not None or turn.tapped or not turn.text:
        return None
    score = read_score(turn.text, flow.config(ctx))
    if score is None or score.bare or not (score.leading or (score.trailing and len(turn.plain) <= 12)):
        return None
    if awaiting(ctx.store, turn.openid, ctx.now, flow.config(ctx)) is None:
        return None
    return Reply.route("rate_service")


@flow.form
class RateService(Form):
    name = "rate_service"
    slots = ("score",)
    words = "rate_service"

    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        """A tapped score carries its ticket; otherwise a finished repair awaiting a score is
        the one being rated."""
        choice = ctx.dialog.slots.get("_choice") or {}
        known: dict[str, Any] = {}
        if "ticket" in choice:
            known["ticket"] = int(choice["ticket"])
        else:
            ticket = awaiting(ctx.store, turn.openid, ctx.now, flow.config(ctx))
            if ticket is not None:
                known["ticket"] = ticket.id
        if choice.get("score") in SCORES:
            known["score"] = int(choice["score"])
        return known

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        """A score out of 1–5 in the words that started the form (我给七分): say why it is asked."""
        score = read_score(turn.text, flow.config(ctx)) if turn.text and not turn.tapped else None
        if "score" not in slots and score is not None and not score.bare and score.value not in SCORES:
            return self.ask("score", slots, turn, ctx).prefixed(self.invalid("score", ctx)).asking("score")
        return None

    def extract_score(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        score = read_score(turn.text, flow.config(ctx))
        if score is None:
            return None
        if not requested and score.bare:
            return None  # "给物业打分" started this; a lone number then is not said yet
        return score.value

    def validate_score(self, value: Any, turn: Turn, ctx: Context) -> Any:
        try:
            score = int(value)
        except (TypeError, ValueError):
            return None
        return score if score in SCORES else None

    def options_score(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(score_label(score, ctx), "score", score) for score in SCORES]

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        ticket = _ticket(slots.get("ticket"), turn, ctx)
        if slot == "score" and ticket is not None:
            return Reply.text(ctx.say("rate_service.ask_repair", ticket=ticket.id),
                              self.options("score", slots, ctx))
        return super().ask(slot, slots, turn, ctx)

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        score = int(slots["score"])
        comment = comment_of(read_score(turn.text, flow.config(ctx))) if not turn.tapped else None
        household = ctx.household
        ratings = ctx.store[RatingRepository]
        ticket = _ticket(slots.get("ticket"), turn, ctx)
        if ticket is not None:
            if ticket.rating is not None:
                return ctx.reply("rate_service.already_rated", ticket=ticket.id,
                                 label=score_label(ticket.rating, ctx))
            ctx.store[RepairRepository].rate(ticket, score, comment, ctx.now)
            rating, _ = ratings.record(
                NewRating(turn.openid, score, household_id=ticket.household_id, comment=comment, source="repair",
                          ticket_id=ticket.id), source_key=f"repair:{ticket.id}", now=ctx.now)
            if score <= 2:  # a poor repair is worth a person's attention
                ctx.notify_staff(ctx.say("rate_service.staff_notice_poor", ticket=ticket.id, score=score,
                                         comment=comment or "—", who=ctx.who()),
                                 source_key=f"rating:{rating.id}", role="property")
        else:
            last = ratings.latest_of(turn.openid)
            repeat = timedelta(minutes=flow.config(ctx).repeat_minutes)
            if last is not None and ctx.now - last.created_at < repeat:
                return ctx.reply("rate_service.just_rated", label=score_label(last.score, ctx))
            rating, _ = ratings.record(
                NewRating(turn.openid, score, household_id=household.id if household else None, comment=comment),
                source_key=turn.msg_key, now=ctx.now)
        thanks = ctx.say("rate_service.thanks", label=score_label(score, ctx))
        if comment:
            return Reply.text(f"{thanks}{ctx.say('rate_service.comment_kept')}", footer=True)
        question = ctx.say("rate_service.ask_comment")
        skip = Option.slot(ctx.say("rate_service.skip_comment"), "comment", SKIPPED)
        return Reply.text(f"{thanks}{question}", [skip]).opening("rating_comment", "comment", rating=rating.id)


def _ticket(ticket_id: Any, turn: Turn, ctx: Context) -> RepairTicket | None:
    """The finished repair being rated — only the resident's own."""
    if ticket_id is None:
        return None
    ticket = ctx.store[RepairRepository].get(int(ticket_id))
    if ticket is None or ticket.openid != turn.openid or ticket.status != "done":
        return None
    return ticket


@flow.form
class RatingComment(Form):
    """A few words after the score, if the resident has any."""

    name = "rating_comment"
    slots = ("comment",)
    skippable = frozenset({"comment"})
    words = "rate_service"

    def extract_comment(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if not requested or is_noise(turn):
            return None
        if turn.plain in plain_set(flow.config(ctx).nothing_more):
            return SKIPPED
        intent, sure = turn.intent, turn.confidence >= DIGRESSION_CONFIDENCE
        if sure and intent in ("thanks", "deny", "affirm", "greet") and len(turn.plain) <= 4:
            return SKIPPED  # 谢谢 / 没了 / 好的呀: nothing to add (longer words are words about it)
        if sure and intent not in CONTROL_INTENTS and intent not in (OUT_OF_SCOPE, "complaint", "rate_service"):
            return None  # another request: the engine answers it
        return turn.text.strip()

    def validate_comment(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        return text[:1000] if len(plain(text)) >= 2 else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        comment = str(slots.get("comment") or "")
        rating = ctx.store[RatingRepository].get(int(slots["rating"])) if slots.get("rating") else None
        if not comment or rating is None or rating.openid != turn.openid:
            return ctx.reply("rate_service.no_comment")
        _add_comment(rating, comment, ctx)
        return ctx.reply("rate_service.comment_kept")


def _add_comment(rating: ServiceRating, comment: str, ctx: Context) -> None:
    ctx.store[RatingRepository].add_comment(rating, comment)
    if rating.ticket_id is not None:
        ticket = ctx.store[RepairRepository].get(rating.ticket_id)
        if ticket is not None:
            ctx.store[RepairRepository].add_comment(ticket, comment)


@flow.forget
def forget_rater(store: Store, openid: str, now: datetime) -> None:
    """The scores still count for their months; who gave them is forgotten."""
    store[RatingRepository].forget(openid)


@flow.describe
def describe_ratings(ctx: Context) -> list[str]:
    count = ctx.store[RatingRepository].count_by(ctx.resident.openid)
    return [ctx.say("rate_service.kept", count=count)] if count else []


@flow.on_cancel
def no_comment(turn: Turn, ctx: Context) -> Reply | None:
    """不用了 when asked for a comment: the score is kept; there is just nothing to add."""
    if ctx.dialog.form == RatingComment.name:
        return ctx.reply("rate_service.no_comment")
    return None


from actions.rate_service import staff  # noqa: E402,F401  (the staff routes and demo register on the flow)
