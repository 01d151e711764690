"""个人信息: what the account holds about a resident, unbinding, deleting, the privacy notice.

- ``my_info`` (我的信息): the household, the phone (masked), the building of a QR code, open
  cases (escalations here, and whatever each flow says it keeps through ``@flow.describe``),
  how long the message log is kept;
- ``unbind_household`` (解除绑定): after a numbered confirmation, the account no longer speaks
  for the household; the household's records stay the household's;
- ``delete_data`` (删除我的信息): after a confirmation that says what goes, what stays and why,
  every flow forgets the person (``@flow.forget``) and the core's rows follow
  (:meth:`store.account.AccountRepository.forget`); the community's records stay without them;
- ``privacy_notice`` (隐私说明): what is kept, for what, for how long, and the three words.

These words always mean their request, whatever the NLU says (``AccountSettings``'s word lists).
A scheduled job keeps the message log no longer than ``message_log_days``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from actions.account import flow
from bot.dialogue import Context, Form, Option, Reply, Stage, Turn
from bot.dialogue.engine import DIGRESSION_CONFIDENCE
from bot.dialogue.registry import load_flows
from bot.dialogue.text import affirms, core_word, plain_set
from bot.jobs import JobContext
from bot.privacy import mask_phone
from bot.wechat.scene import building_of
from store.account import AccountRepository

#: A forgotten resident's last dedup key outlives WeChat's retries (about 15 seconds) by this much.
FORGOTTEN_GRACE = timedelta(minutes=2)


@flow.trigger(Stage.COMMAND, order=40)
def account_words(turn: Turn, ctx: Context) -> Reply | None:
    """我的信息 / 解除绑定 / 删除我的信息 / 隐私说明 always mean what they say."""
    settings = flow.config(ctx)
    for intent, words in (("my_info", settings.my_info_words), ("unbind_household", settings.unbind_words),
                          ("delete_data", settings.delete_words), ("privacy_notice", settings.privacy_words)):
        if turn.plain in plain_set(words):
            return Reply.route(intent)
    return None


def _choice(ctx: Context, intent: str) -> Option:
    return Option.intent(ctx.label_of(intent), intent)


def _answer(turn: Turn, ctx: Context) -> str | None:
    """"yes" or "no" to a confirmation, or None. A yes must be plain (是 / 确认 / 好的); anything
    that sounds like a no (不 / 不删 / 别解绑了) is one: keeping the data is the safe reading."""
    if turn.plain in plain_set(ctx.config.dialogue.keywords.agree) or affirms(turn, DIGRESSION_CONFIDENCE):
        return "yes"
    if (turn.intent in ("deny", "stop") and turn.confidence >= 0.45) or (
            turn.plain[:1] in ("不", "别") and len(turn.plain) <= 6):
        return "no"
    return None


# --- 我的信息 -----------------------------------------------------------------------------------
@flow.action("my_info")
def my_info(turn: Turn, ctx: Context) -> Reply:
    """What the account holds about the one asking, in their words, with the next steps a digit away."""
    repository = ctx.store[AccountRepository]
    lines: list[str] = [ctx.say("account.info_title")]
    household = ctx.household
    if household is not None:
        member = ctx.member
        lines.append(ctx.say("account.info_household", address=household.address,
                             name=member.name if member is not None else ""))
        phone = re.sub(r"\s", "", member.phone) if member is not None else ""
        if phone:
            lines.append(ctx.say("account.info_phone", phone=mask_phone(phone)))
    else:
        lines.append(ctx.say("account.info_unbound"))
        building = building_of(ctx.resident.scene)
        if building is not None:
            lines.append(ctx.say("account.info_building", place=building.place))
    cases = repository.open_escalations(turn.openid)
    if cases:
        lines.append(ctx.say("account.info_escalations", count=len(cases),
                             cases="、".join(str(case.id) for case in cases)))
    for describe in ctx.registry.describes:
        lines.extend(describe(ctx))
    lines.append(ctx.say("account.info_messages", count=repository.message_count(turn.openid),
                         days=flow.config(ctx).message_log_days))
    first = _choice(ctx, "unbind_household" if household is not None else "bind_household")
    reply = Reply.text("\n".join(lines), [first, _choice(ctx, "delete_data"), _choice(ctx, "privacy_notice")])
    return replace(reply, keys=tuple(key for line in lines if (key := getattr(line, "key", ""))))


@flow.action("privacy_notice")
def privacy_notice(turn: Turn, ctx: Context) -> Reply:
    return Reply.text(ctx.say("account.privacy", days=flow.config(ctx).message_log_days),
                      [_choice(ctx, "my_info"), _choice(ctx, "delete_data")])


# --- 解除绑定 -----------------------------------------------------------------------------------
@flow.form
class UnbindHousehold(Form):
    name = "unbind_household"
    slots = ("unbind",)
    words = "account"

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        if ctx.household is None:
            return Reply.text(ctx.say("account.not_bound"), [_choice(ctx, "bind_household"), _choice(ctx, "help")])
        return None

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.household
        address = household.address if household is not None else ""
        return Reply.text(ctx.say("account.ask_unbind", address=address), self.options(slot, slots, ctx))

    def options_unbind(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(ctx.say("account.unbind_yes"), "unbind", "yes"),
                Option.slot(ctx.say("account.unbind_no"), "unbind", "no")]

    def extract_unbind(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        return _answer(turn, ctx) if requested else None

    def validate_unbind(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if value in ("yes", "no") else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.household
        if household is None:
            return ctx.reply("account.not_bound")
        if slots["unbind"] != "yes":
            return ctx.reply("account.unbind_kept", address=household.address)
        ctx.store[AccountRepository].unbind(ctx.resident)
        return ctx.reply("account.unbound", address=household.address)


# --- 删除我的信息 -------------------------------------------------------------------------------
@flow.form
class DeleteData(Form):
    name = "delete_data"
    slots = ("erase",)
    words = "account"

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        return Reply.text(ctx.say("account.ask_erase", days=flow.config(ctx).message_log_days),
                          self.options(slot, slots, ctx))

    def options_erase(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(ctx.say("account.erase_yes"), "erase", "yes"),
                Option.slot(ctx.say("account.erase_no"), "erase", "no")]

    def extract_erase(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if not requested:
            return None
        said, settings = {turn.plain, core_word(turn.plain)}, flow.config(ctx)
        if said & plain_set(settings.erase_not_a_yes):
            return "unclear"  # cannot be undone: a murmur is asked again (invalid_erase), not taken as a yes
        if said & plain_set(settings.erase_yes):
            return "yes"
        return _answer(turn, ctx)

    def validate_erase(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if value in ("yes", "no") else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        """Every installed flow forgets the person (a flow switched off still holds their data),
        then the core's rows; after this turn nothing more is written about them."""
        if slots["erase"] != "yes":
            return ctx.reply("account.erase_kept")
        for forget in load_flows().forgets:
            forget(ctx.store, turn.openid, ctx.now)
        ctx.store[AccountRepository].forget(ctx.resident, ctx.now, redact=mask_phone)
        return ctx.reply("account.erased").forgetting_pending()


# --- keeping no more than needed ------------------------------------------------------------
@flow.job("privacy_purge", "interval", minutes=10)
def privacy_purge(jobs: JobContext) -> int:
    """The message log older than ``message_log_days`` goes, and what a forgotten resident's
    last message left behind once WeChat has stopped retrying it."""
    days = flow.config(jobs).message_log_days
    with jobs.store() as store:
        repository = store[AccountRepository]
        return (repository.purge_messages(jobs.now - timedelta(days=days))
                + repository.purge_forgotten(jobs.now - FORGOTTEN_GRACE))
