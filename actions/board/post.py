"""board_post (邻里发布): a post in the resident's own words → shown back → waits for staff.

"谁家有梯子借我用一下" is the post and says its kind (物品租借); a bare "我想发个帖子" asks
for the words first. The resident chooses a contact with a numbered choice: their phone as
neighbours will see it (masked), or WeChat only; an interest group may show its owner's
WeChat id, but only when the owner chooses to and gives it. A post needs a bound household
(binding first, then the post resumes with what was said).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.board import flow, kind_of
from actions.memory import keep, recall
from bot.dialogue import CONFIRM, Context, Form, Option, Reply, Turn
from bot.dialogue.engine import DIGRESSION_CONFIDENCE
from bot.dialogue.text import asks, chinese_punctuation, is_noise, plain, plain_set
from bot.privacy import mask_phone
from store.board import KINDS, BoardRepository

#: Words that only ask to post (我想发个帖子, 发布二手信息): a post says more than these.
_REQUEST_WORDS = sorted([
    "我想", "我要", "想要", "我们", "帮我", "请", "麻烦", "发布", "发个", "发一个", "发一条", "发条", "发", "贴",
    "帖子", "帖", "一条", "一个", "一下", "信息", "消息", "邻里圈", "朋友圈", "社区", "在", "到", "上", "个", "条",
    "吧", "喜事", "喜讯", "二手", "闲置", "物品", "东西", "招聘", "团购", "兴趣群", "租借", "出租", "卖点", "广告",
    "启事", "想", "要", "的",
], key=len, reverse=True)
_WECHAT_ID = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z][-_A-Za-z0-9]{5,19})(?![A-Za-z0-9_-])")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
#: Intents a post's words may be read as; anything else said with confidence is another request.
_POSTABLE = frozenset({"board_post", "board_browse", "out_of_scope", "event_signup", "event_list", "donate",
                       "merchant", "greet", "thanks"})


def only_asks_to_post(text: str) -> bool:
    """我想发个帖子 / 发布二手信息 / 我要发个喜事: a request to post, with nothing to post yet."""
    rest = plain(text)
    for word in _REQUEST_WORDS:
        rest = rest.replace(plain(word), "")
    return len(rest) < 2


def _phone(ctx: Context) -> str | None:
    member = ctx.member if ctx.resident.household_id else None
    digits = re.sub(r"\D", "", member.phone) if member is not None and member.phone else ""
    return digits if _MOBILE.match(digits) else None


def contact_shown(slots: Mapping[str, Any], ctx: Context) -> str:
    """The contact as neighbours will read it."""
    choice = slots.get("contact")
    phone = _phone(ctx)
    if choice == "phone" and phone:
        return mask_phone(phone)
    if choice == "wechat_id" and slots.get("wechat_id"):
        return ctx.say("board.contact_shown_wechat_id", wechat_id=slots["wechat_id"])
    return ctx.say("board.contact_shown_wechat")


@flow.form
class BoardPost(Form):
    name = "board_post"
    slots = ("text", "kind", "contact", "wechat_id")
    skippable = frozenset({"wechat_id"})
    confirm = True
    words = "board"

    # --- start ---------------------------------------------------------------------------
    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        """A resident who must bind first keeps their words in the conversation's memory."""
        if ctx.resident.household_id is None:
            text = self.extract_text(turn, ctx, False)
            if text:
                return keep(ctx.dialog.slots, "_board_wanted", {"text": text})
            return recall(ctx.dialog.slots, "_board_wanted")[1]  # nothing said: nothing kept
        wanted, forget = recall(ctx.dialog.slots, "_board_wanted")
        if isinstance(wanted, dict) and wanted.get("text"):
            words = str(wanted["text"])
            kind = kind_of(words, flow.config(ctx))
            return {**forget, "text": words, **({"kind": kind} if kind else {})}
        return forget

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        ctx.require_household(turn)
        return None

    # --- the words -------------------------------------------------------------------------
    def extract_text(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        words = turn.text.strip()
        if not words or turn.tapped or is_noise(turn) or only_asks_to_post(words):
            return None
        if turn.plain in plain_set(ctx.config.dialogue.keywords.agree):
            return None
        if not requested:
            asked = ctx.dialog.requested_slot
            if asked is None:
                return words  # the message that began the post
            # at the confirmation, words that read as a post replace it (不对，是车位出租，每月250)
            return words if asked == CONFIRM and kind_of(words, flow.config(ctx)) is not None else None
        sure = turn.confidence >= DIGRESSION_CONFIDENCE
        if sure and turn.intent not in _POSTABLE and kind_of(words, flow.config(ctx)) is None:
            return None  # another request (我家水管漏水了), not something to post
        return words

    def addition(self, turn: Turn, ctx: Context) -> tuple[str, str] | None:
        """More for the post while how to be reached is asked (100块, 可以小刀): added to its words."""
        words = turn.text.strip()
        if turn.tapped or is_noise(turn) or asks(words) or ctx.dialog.requested_slot == "wechat_id":
            return None
        sure = turn.confidence >= DIGRESSION_CONFIDENCE
        if sure and turn.intent not in _POSTABLE or turn.plain in plain_set(ctx.config.dialogue.keywords.agree):
            return None  # another request, a yes or a no: not words for the post
        return ("text", words) if len(plain(words)) >= 2 else None

    def options_text(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        """Words cannot be tapped: the one choice is not to post now (never a dead end)."""
        return [Option.answer(ctx.say("board.text_later"), "no")]

    def validate_text(self, value: Any, turn: Turn, ctx: Context) -> Any:
        settings = flow.config(ctx)
        text = chinese_punctuation(" ".join(str(value).split()))
        return text[:settings.max_chars] if len(plain(text)) >= settings.min_chars else None

    def invalid(self, slot: str, ctx: Context) -> str:
        if slot == "text":
            return ctx.say("board.invalid_text", least=flow.config(ctx).min_chars)
        return super().invalid(slot, ctx)

    # --- the kind ---------------------------------------------------------------------------
    def extract_kind(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        return kind_of(turn.text, flow.config(ctx))

    def validate_kind(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if value in KINDS else None

    def options_kind(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(ctx.say(f"board.kinds.{kind}"), "kind", kind) for kind in KINDS]

    # --- how neighbours reach the author --------------------------------------------------------
    def extract_contact(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if not requested or asks(turn.text):
            return None  # 物业电话多少 asks something else; it chooses no contact
        if turn.confidence >= DIGRESSION_CONFIDENCE and turn.intent not in _POSTABLE | {"affirm", "deny"}:
            return None
        said = turn.plain
        if "微信号" in said and ctx.dialog.slots.get("kind") == "group":
            return "wechat_id"
        if ("电话" in said or "手机" in said) and not said.startswith("不"):
            return "phone"
        if "微信" in said or said.startswith("不"):
            return "wechat"
        return None

    def validate_contact(self, value: Any, turn: Turn, ctx: Context) -> Any:
        if value == "phone":
            return value if _phone(ctx) else None
        return value if value in ("wechat", "wechat_id") else None

    def options_contact(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        options = []
        phone = _phone(ctx)
        if phone:
            options.append(Option.slot(ctx.say("board.contact_phone", phone=mask_phone(phone)), "contact", "phone"))
        if slots.get("kind") == "group":
            options.append(Option.slot(ctx.say("board.contact_wechat_id"), "contact", "wechat_id"))
        options.append(Option.slot(ctx.say("board.contact_wechat"), "contact", "wechat"))
        return options

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        if slot == "contact":  # show what will be posted before asking how to be reached
            kind = ctx.say(f"board.kinds.{slots.get('kind')}") if slots.get("kind") in KINDS else ""
            preview = ctx.say("board.preview", kind=kind, text=mask_phone(str(slots.get("text", ""))))
            return Reply.text(ctx.say("board.ask_contact"), self.options(slot, slots, ctx)).prefixed(preview)
        return super().ask(slot, slots, turn, ctx)

    # --- an interest group's WeChat id, only when its owner wants it shown ---------------------
    def needs(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> bool:
        if slot == "wechat_id":
            return slots.get("contact") == "wechat_id" and "wechat_id" not in slots
        return slot not in slots

    def extract_wechat_id(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if not requested:
            return None
        found = _WECHAT_ID.search(turn.text)
        if found:
            return found.group(1)
        other_request = turn.confidence >= DIGRESSION_CONFIDENCE and turn.intent not in _POSTABLE | {"affirm", "deny"}
        # an answer that is no WeChat id is said to be one (asked again), unless it asks for something else
        return None if other_request or is_noise(turn) else turn.text.strip()

    def validate_wechat_id(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        return text if _WECHAT_ID.fullmatch(text) else None

    # --- confirm and submit ----------------------------------------------------------------
    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        return ctx.say("board.summary", kind=ctx.say(f"board.kinds.{slots['kind']}"),
                       text=mask_phone(str(slots["text"])), contact=contact_shown(slots, ctx))

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.require_household(turn)
        contact = contact_shown(slots, ctx)
        post, created = ctx.store[BoardRepository].create(
            turn.openid, household.id, str(slots["kind"]), str(slots["text"]), contact, key=turn.msg_key, now=ctx.now)
        kind = ctx.say(f"board.kinds.{post.kind}")
        if created:
            ctx.notify_staff(ctx.say("board.staff_notice", post=post.id, who=ctx.who(), kind=kind,
                                     text=mask_phone(post.text), contact=contact),
                             source_key=f"board-post:{post.id}")
        return ctx.reply("board.submitted", post=post.id, kind=kind)
