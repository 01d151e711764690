"""donate (爱心捐赠): a pledge in the resident's own words → how to be thanked → waits for staff.

"家里有十几本旧书想捐给社区" is the pledge; a bare "我想捐东西" / "捐款" asks what first. A
photo sent while the form is open goes with it. The resident chooses how the public thank-you
list shows them: full name, the family name only (冯**), or not at all. After the confirmation
the pledge is recorded (once per message) and staff are told; they confirm it with points or
decline it politely (actions/donations/api.py). Points go to a household, so a pledge needs a
bound household (binding first, then the pledge resumes with what was said). Questions about
volunteering (怎么当志愿者) are answered with where to sign up, not taken as a pledge.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.bills.reading import lines_reply
from actions.donations import flow
from bot.dialogue import CONFIRM, Context, Form, Option, Reply, Stage, Turn
from bot.dialogue.engine import DIGRESSION_CONFIDENCE
from bot.dialogue.text import asks, chinese_punctuation, is_noise, mentions, plain, plain_set
from bot.privacy import mask_phone
from store.donations import Donation, DonationRepository, masked_name

#: Words that only ask to give, with nothing said about what.
_REQUEST_WORDS = sorted([
    "我想", "我要", "我们", "我家", "想要", "打算", "准备", "可以", "能不能", "怎么", "如何", "在哪", "哪里", "给谁",
    "捐赠", "捐献", "捐助", "捐款", "捐钱", "捐物", "捐东西", "捐点", "捐些", "捐", "献爱心", "爱心", "献", "奉献",
    "社区", "居委会", "给", "一些", "一点", "点", "些", "东西", "物品", "钱", "想", "要", "吧", "呢", "啊", "的", "了",
    "一下", "帮忙", "做",
], key=len, reverse=True)
#: A pledge that starts with the request itself: 我想捐几件旧衣服 → 几件旧衣服.
_LEADING = re.compile(
    r"^(?:我们|我家|我)?(?:想|要|打算|准备|愿意)?(?:捐赠|捐献|捐出|捐给社区|捐(?!款|钱))(?:给社区)?(?:一点|一些|点|些)?"
    r"[，,:：\s]*")
_MONEY = re.compile(r"\d+\s*(?:元|块|万)|[一二两三四五六七八九十百千万]+\s*(?:元|块)|钱|捐款|现金|善款")
#: A pledge says what and how much: 捐款300元, 旧书20本, 十几件衣服.
_AMOUNT = re.compile(
    r"捐|\d|[一二两三四五六七八九十几百千]+\s*(?:件|本|个|袋|箱|床|元|块|斤|台|套|双|条|盒|包|瓶|份|顶)")
#: Intents a pledge's words may be read as; anything else said with confidence is another request.
_PLEDGE_LIKE = frozenset({"donate", "out_of_scope", "board_post", "greet", "thanks", "points_balance"})
#: How the donor answers "how should the list show you" in words (the masked choice is tested first).
_DISPLAY_WORDS = (
    ("masked", ("只显示姓", "显示姓", "只写姓", "写姓", "姓氏", "只要姓", "星号", "打星", "打码", "隐藏名字", "部分")),
    ("none", ("匿名", "不公示", "不公开", "不上名单", "不上榜", "不用写", "不用公示", "不要写", "不写", "不显示",
              "不要显示", "别写", "不要名字", "不留名")),
    ("full", ("全名", "真名", "实名", "名字全", "写全", "显示名字", "写名字", "完整")),
)


def only_asks_to_give(text: str) -> bool:
    """我想捐东西 / 捐款 / 怎么献爱心: a wish to give, with nothing said about what."""
    rest = plain(text)
    for word in _REQUEST_WORDS:
        rest = rest.replace(plain(word), "")
    return len(rest) < 2


def pledge_words(text: str) -> str:
    """The pledge as the resident put it, without the request in front (我想捐几件旧衣服 → 几件旧衣服)."""
    words = " ".join(text.split())
    rest = _LEADING.sub("", words)
    return rest if len(plain(rest)) >= 2 else words


def kind_of(text: str) -> str:
    return "money" if _MONEY.search(text) else "items"


def _donor_name(ctx: Context) -> str:
    member = ctx.member if ctx.resident.household_id else None
    return member.name if member is not None else ""


@flow.form
class Pledge(Form):
    name = "donate"
    slots = ("description", "display")
    confirm = True
    accepts_photo = True
    words = "donations"

    # --- start -------------------------------------------------------------------------
    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        settings = flow.config(ctx)
        if not turn.tapped and turn.text and mentions(turn.text, settings.volunteer_words):
            community = ctx.config.community
            return ctx.reply("donations.volunteer", office=settings.office or community.property_office,
                             hours=settings.hours or community.office_hours)
        ctx.require_household(turn)
        if self._asks_after(turn, ctx) and ctx.store[DonationRepository].of_openid(turn.openid):
            return my_pledges(ctx)  # 我捐的衣服收到了吗: how their pledges stand, not a new one
        return None

    @staticmethod
    def _asks_after(turn: Turn, ctx: Context) -> bool:
        return not turn.tapped and bool(turn.text) and mentions(turn.text, flow.config(ctx).status_words)

    # --- what is given ---------------------------------------------------------------------
    def extract_description(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        words = turn.text.strip()
        if not words or turn.tapped or is_noise(turn) or only_asks_to_give(words) or self._asks_after(turn, ctx):
            return None
        if turn.plain in plain_set(ctx.config.dialogue.keywords.agree):
            return None
        if not requested:
            asked = ctx.dialog.requested_slot
            if asked is None:
                return pledge_words(words) if turn.intent in (None, self.name) or not self._elsewhere(turn) else None
            # at the confirmation, words that read as a pledge replace it (不对，是旧书 20 本)
            sounds_like = turn.intent == self.name or _AMOUNT.search(words) is not None
            return pledge_words(words) if asked == CONFIRM and sounds_like else None
        if self._elsewhere(turn):
            return None  # another request (我家水管漏水了), not something to give
        if self._display_in(turn) is not None and len(plain(words)) <= 6:
            return None  # 匿名 / 全名: how to be shown, not what is given
        return pledge_words(words)

    @staticmethod
    def _elsewhere(turn: Turn) -> bool:
        return turn.confidence >= DIGRESSION_CONFIDENCE and turn.intent not in _PLEDGE_LIKE

    def addition(self, turn: Turn, ctx: Context) -> tuple[str, str] | None:
        """More about what is given while the thank-you list is asked (两件羽绒服 after 旧衣服)."""
        words = turn.text.strip()
        if turn.tapped or is_noise(turn) or self._display_in(turn) is not None:
            return None
        if mentions(words, flow.config(ctx).delivery_words) and not asks(words):
            return "description", words  # 明天上午送过去: for staff, as said (whatever else the NLU reads)
        if self._elsewhere(turn):
            return None
        sounds_like = turn.intent == self.name or _AMOUNT.search(words) is not None
        return ("description", pledge_words(words)) if sounds_like and not only_asks_to_give(words) else None

    def validate_description(self, value: Any, turn: Turn, ctx: Context) -> Any:
        settings = flow.config(ctx)
        text = chinese_punctuation(" ".join(str(value).split()))
        return text[:settings.max_chars] if len(plain(text)) >= settings.min_chars else None

    def options_description(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        """Words cannot be tapped: the one choice is not to give now (never a dead end)."""
        return [Option.answer(ctx.say("donations.description_later"), "no")]

    # --- how the thank-you list shows the donor ------------------------------------------------
    @staticmethod
    def _display_in(turn: Turn) -> str | None:
        said = turn.plain
        for display, words in _DISPLAY_WORDS:
            if any(plain(word) in said for word in words):
                return display
        return None

    def extract_display(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if turn.tapped:
            return None
        found = self._display_in(turn)
        if requested or (found == "none" and "匿名" in turn.plain):
            return found
        return None

    def validate_display(self, value: Any, turn: Turn, ctx: Context) -> Any:
        if value == "full" and not _donor_name(ctx):
            return None  # no name on the roster to show in full
        return value if value in ("full", "masked", "none") else None

    def options_display(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        name = _donor_name(ctx)
        options = []
        if name:
            options.append(Option.slot(ctx.say("donations.display_full", name=name), "display", "full"))
        options.append(Option.slot(ctx.say("donations.display_masked", masked=masked_name(name) or "张**"),
                                   "display", "masked"))
        options.append(Option.slot(ctx.say("donations.display_none"), "display", "none"))
        return options

    def _shown_as(self, display: str, ctx: Context) -> str:
        name = _donor_name(ctx)
        if display == "full" and name:
            return ctx.say("donations.shown_full", name=name)
        if display == "masked":
            return ctx.say("donations.shown_masked", masked=masked_name(name) or "**")
        return ctx.say("donations.shown_none")

    # --- confirm and submit ----------------------------------------------------------------
    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        photo = ctx.say("donations.photo_yes") if slots.get("photo") else ctx.say("donations.photo_no")
        return ctx.say("donations.summary", description=mask_phone(str(slots["description"])), photo=photo,
                       display=self._shown_as(str(slots["display"]), ctx))

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.require_household(turn)
        description = str(slots["description"])
        photo = slots.get("photo") or {}
        donation, created = ctx.store[DonationRepository].pledge(
            openid=turn.openid, household_id=household.id, donor_name=_donor_name(ctx), description=description,
            kind=kind_of(description), display=str(slots["display"]), key=turn.msg_key, now=ctx.now,
            photo_url=photo.get("url") or None, photo_media_id=photo.get("media_id") or None)
        if created:
            ctx.notify_staff(ctx.say("donations.staff_notice", donation=donation.id, who=ctx.who(),
                                     description=mask_phone(description),
                                     photo=ctx.say("donations.staff_photo") if donation.photo_url else ""),
                             source_key=f"donation:{donation.id}")
        settings = flow.config(ctx)
        community = ctx.config.community
        return ctx.reply("donations.submitted", donation=donation.id,
                         office=settings.office or community.property_office,
                         hours=settings.hours or community.office_hours)


@flow.trigger(Stage.COMMAND)
def asks_after_mine(turn: Turn, ctx: Context) -> Reply | None:
    """我捐的书收到了吗 asks how the resident's pledges stand, however the NLU reads it."""
    if ctx.dialog.form is not None or turn.tapped or not turn.text:
        return None
    settings = flow.config(ctx)
    if not mentions(turn.text, settings.mine_words):
        return None
    if not mentions(turn.text, [word for word in settings.status_words if word not in settings.mine_words]):
        return None
    return my_pledges(ctx) if ctx.store[DonationRepository].of_openid(turn.openid) else None


def my_pledges(ctx: Context) -> Reply:
    """The resident's own pledges, newest first, each with where it stands."""
    mine = list(reversed(ctx.store[DonationRepository].of_openid(ctx.resident.openid)))[:5]
    lines = [ctx.say("donations.mine_header")] + [_state_line(d, ctx) for d in mine]
    return lines_reply(lines, [Option.intent(ctx.say("donations.choice_more"), "donate"),
                               Option.intent(ctx.label_of("donor_list"), "donor_list")])


def _state_line(donation: Donation, ctx: Context) -> str:
    local = donation.created_at.astimezone(ctx.timezone)
    what = mask_phone(donation.description if len(donation.description) <= 20 else donation.description[:20] + "…")
    if donation.status == "confirmed":
        state = ctx.say("donations.state_confirmed", points=donation.points) if donation.points \
            else ctx.say("donations.state_received")
    elif donation.status == "declined":
        state = ctx.say("donations.state_declined")
    else:
        state = ctx.say("donations.state_pending")
    return ctx.say("donations.mine_line", date=f"{local.month}月{local.day}日", what=what, state=state)
