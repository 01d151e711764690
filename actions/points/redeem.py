"""points_redeem (爱心换购): what the household's points can buy, one reward, a confirmation,
and a pickup code.

"积分能换什么" lists the rewards the household can afford now, numbered (those it cannot yet
are named under them); "我想用积分换毛巾" or "换 2" picks one; the confirmation says what it
costs and what is left. The reward's stock and the household's points are taken together in
one transaction when the resident confirms (store/rewards.py), keyed on the confirming
message: a WeChat retry of it redeems once, and two people of one flat confirming at once
cannot spend the same points twice. The reply gives the pickup code and where and when to
collect. Only a bound household redeems: binding first, then the request resumes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.bills.reading import lines_reply
from actions.points import flow
from actions.points.balance import pickup, waiting_reply
from bot.dialogue import Context, Form, Option, Reply, Turn
from bot.dialogue.text import is_noise, mentions, plain
from store.points import PointsRepository
from store.rewards import Redeemed, Reward, RewardRepository

_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
#: 换 2 / 换第三个 / 要2号 / 选第1件: a number of the list just shown.
_LIST_NUMBER = re.compile(
    r"^(?:我)?(?:要|想)?(?:换|兑换|换购|选|要)?第?(\d{1,2}|[一二两三四五六七八九])(?:个|号|件|样|种)?$")
#: Words of a request that say nothing about which reward is meant.
_FILLER = sorted(["我想", "我要", "想要", "用积分", "积分", "兑换", "换购", "换成", "换取", "换", "能", "可以", "一个",
                  "一条", "一袋", "一瓶", "一件", "一份", "个", "条", "件", "份", "点", "些", "吧", "呢", "啊", "的",
                  "爱心", "我", "想", "要", "给", "来", "拿"], key=len, reverse=True)


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMERALS[token]


#: How many of something (两袋, 3条): one reward is redeemed at a time, so it names nothing.
_HOW_MANY = re.compile(r"[\d一二两三四五六七八九十几]+(?:个|条|袋|瓶|件|份|包|块|盒|桶|样)")


def _how_many(turn: Turn) -> int:
    """How many the words ask for (换两条毛巾 → 2); 1 when they say no number (or were tapped)."""
    if turn.tapped:
        return 1
    for found in _HOW_MANY.finditer(turn.plain):
        token = found.group()[:-1]
        count = int(token) if token.isdigit() else _NUMERALS.get(token, 10 if token == "十" else 0)
        if count > 1:
            return count
    return 1


def _only_how_many(turn: Turn) -> bool:
    """两个 / 要两样: how many, with nothing about which (never the second of a list)."""
    return _how_many(turn) > 1 and not _rest_of(turn.text)


def _rest_of(text: str) -> str:
    """The words of a request once the request itself is taken away (我想用积分换毛巾 → 毛巾,
    换两袋大米 → 大米)."""
    rest = _HOW_MANY.sub("", plain(text))
    for word in _FILLER:
        rest = rest.replace(word, "")
    return rest


def named_reward(text: str, rewards: list[Reward]) -> Reward | None:
    """The one reward the words name: its whole name in them, or the words within its name."""
    said = plain(text)
    whole = [r for r in rewards if plain(r.name) and plain(r.name) in said]
    if whole:
        return max(whole, key=lambda r: len(r.name))
    rest = _rest_of(text)
    if len(rest) < 2:
        return None
    partial = [r for r in rewards if rest in plain(r.name)]
    return partial[0] if len(partial) == 1 else None


#: How many of the reward the resident asked for, when more than one (not a slot that is asked).
ASKED_COUNT = "asked_count"


@flow.form
class Redeem(Form):
    name = "points_redeem"
    slots = ("reward",)
    confirm = True
    words = "points"

    # --- start -----------------------------------------------------------------------------
    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        """A tapped reward (from a list shown earlier) is the one meant; more than one asked for
        (换两条毛巾) is remembered, for the confirmation to say that one is had at a time."""
        choice = ctx.dialog.slots.get("_choice") or {}
        slots: dict[str, Any] = {"reward": int(choice["reward"])} if choice.get("reward") else {}
        count = _how_many(turn)
        if count > 1:
            slots[ASKED_COUNT] = count
        return slots

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        household = ctx.require_household(turn)
        settings = flow.config(ctx)
        asks_for_own = [*settings.code_words, *settings.mine_words, *settings.pickup_words]
        if not turn.tapped and mentions(turn.text, asks_for_own):
            return waiting_reply(ctx)  # 换的东西在哪领: where, when, and the codes
        catalogue = ctx.store[RewardRepository].catalogue()
        if "reward" in slots:
            return self._refusal(ctx.store[RewardRepository].get(int(slots["reward"])), ctx)
        if not catalogue:
            return ctx.reply("points.nothing_to_redeem")
        balance = ctx.store[PointsRepository].balance(household.id)
        if not self._affordable(ctx):
            cheapest = catalogue[0]
            return Reply.text(ctx.say("points.too_few_points", balance=balance, least=cheapest.points,
                                      name=cheapest.name), self._elsewhere(ctx))
        return None

    def _affordable(self, ctx: Context) -> list[Reward]:
        household = ctx.household
        balance = ctx.store[PointsRepository].balance(household.id) if household is not None else 0
        return [r for r in ctx.store[RewardRepository].catalogue() if r.points <= balance][
            :flow.config(ctx).catalogue_size]

    def _refusal(self, reward: Reward | None, ctx: Context, *, balance: int | None = None) -> Reply | None:
        """Why this reward cannot be had now, with the ones that can; None when it can."""
        household = ctx.household
        assert household is not None
        if balance is None:
            balance = ctx.store[PointsRepository].balance(household.id)
        if reward is None or not reward.active:
            note = ctx.say("points.gone", reward=reward.name if reward else "")
        elif reward.stock <= 0:
            note = ctx.say("points.out_of_stock", reward=reward.name)
        elif reward.points > balance:
            note = ctx.say("points.not_enough", reward=reward.name, points=reward.points, balance=balance,
                           short=reward.points - balance)
        else:
            return None
        others = [r for r in self._affordable(ctx) if reward is None or r.id != reward.id]
        if not others:
            return Reply.text(note, self._elsewhere(ctx))
        options = [Option.intent(self._label(r, ctx), "points_redeem", slots={"reward": r.id}) for r in others]
        return Reply.text(ctx.say("points.other_rewards"), options).prefixed(note)

    def _elsewhere(self, ctx: Context) -> list[Option]:
        """Where a household without enough points can go next."""
        options = [Option.intent(ctx.label_of("points_balance"), "points_balance")]
        if ctx.registry.get("donate") is not None:
            options.append(Option.intent(ctx.label_of("donate"), "donate"))
        return options

    def aside(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> str | None:
        """两个 / 要两条: one is had at a time — before a reward is chosen, pick one first; once it
        is, how to get more (unless the confirmation already says so for that many)."""
        count = _how_many(turn)
        if count <= 1:
            return None
        if not slots.get("reward"):
            return ctx.say("points.pick_one_first")
        if int(slots.get(ASKED_COUNT) or 1) == count:
            return ctx.say("points.this_one_first")
        reward = ctx.store[RewardRepository].get(int(slots["reward"]))
        return ctx.say("points.one_at_a_time", count=count, reward=reward.name) if reward is not None else None

    # --- which reward ------------------------------------------------------------------------
    def extract_reward(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if turn.tapped or not turn.text or is_noise(turn):
            return None
        if requested:
            number = _LIST_NUMBER.match(turn.plain) if not _only_how_many(turn) else None
            if number:
                shown = self._affordable(ctx)
                index = _number(number.group(1))
                return shown[index - 1].id if 1 <= index <= len(shown) else -1
        found = named_reward(turn.text, ctx.store[RewardRepository].all())  # one taken off is named too: it says so
        return found.id if found is not None else None

    def validate_reward(self, value: Any, turn: Turn, ctx: Context) -> Any:
        """Any reward at the start (``begin`` says why one cannot be had); once the question is
        asked, only one the household can have now is an answer."""
        try:
            reward = ctx.store[RewardRepository].get(int(value))
        except (TypeError, ValueError):
            return None
        if reward is None:
            return None
        if ctx.dialog.requested_slot is not None and ctx.household is not None \
                and self._refusal(reward, ctx) is not None:
            return None
        return reward.id

    def options_reward(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(self._label(r, ctx), "reward", r.id) for r in self._affordable(ctx)]

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.household
        balance = ctx.store[PointsRepository].balance(household.id) if household is not None else 0
        lines = [ctx.say("points.ask_reward", balance=balance)]
        dearer = [r for r in ctx.store[RewardRepository].catalogue() if r.points > balance]
        if dearer:
            names = "、".join(ctx.say("points.dearer_item", name=r.name, points=r.points) for r in dearer[:5])
            lines.append(ctx.say("points.dearer", names=names))
        return lines_reply(lines, self.options(slot, slots, ctx))

    def invalid(self, slot: str, ctx: Context) -> str:
        return ctx.say("points.invalid_reward")

    @staticmethod
    def _label(reward: Reward, ctx: Context) -> str:
        return ctx.say("points.reward_option", name=reward.name, points=reward.points, stock=reward.stock)

    # --- confirm and submit --------------------------------------------------------------------
    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        reward = ctx.store[RewardRepository].get(int(slots["reward"]))
        household = ctx.household
        assert reward is not None and household is not None
        balance = ctx.store[PointsRepository].balance(household.id)
        place, hours = pickup(ctx)
        count = int(slots.get(ASKED_COUNT) or 1)
        note = "\n" + ctx.say("points.one_at_a_time", count=count, reward=reward.name) if count > 1 else ""
        return ctx.say("points.summary", reward=reward.name, points=reward.points, balance=balance,
                       left=balance - reward.points, place=place, hours=hours, note=note)

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.require_household(turn)
        repo = ctx.store[RewardRepository]
        reward = repo.get(int(slots["reward"]))
        name = reward.name if reward is not None else ""
        result = repo.redeem(household.id, int(slots["reward"]), openid=turn.openid, key=turn.msg_key, now=ctx.now,
                             reason=ctx.say("points.redeem_reason", reward=name))
        if result.outcome == "redeemed":
            return self._redeemed(result, ctx)
        return self._refusal(repo.get(int(slots["reward"])), ctx, balance=result.balance) or \
            ctx.reply("points.nothing_to_redeem")

    @staticmethod
    def _redeemed(result: Redeemed, ctx: Context) -> Reply:
        redemption = result.redemption
        assert redemption is not None
        place, hours = pickup(ctx)
        return ctx.reply("points.redeemed", reward=redemption.reward_name, code=redemption.code, place=place,
                         hours=hours, balance=result.balance)
