"""repair_report (物业报修): what is broken, a few words about it, where, a phone → one ticket.

"我家厨房水管漏水了" from a bound resident already says what (water_leak), where (their flat)
and the description, so only a confirmation is asked. Every question offers numbered
choices — skipping what may be skipped — so digits alone finish a report. Emergencies never
come here: the emergency flow takes them first.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.repair import RepairSettings, flow
from actions.repair.reading import (
    BARE_REQUEST,
    GREETING_LEAD,
    address,
    home,
    just_a_place,
    only_place,
    place,
    says_fault,
    says_home,
)
from bot.dialogue import CONFIRM, SKIPPED, Context, Form, Option, Reply, Turn
from bot.dialogue.engine import CONTROL_INTENTS, DIGRESSION_CONFIDENCE
from bot.dialogue.text import asks, chinese_punctuation, core_word, is_noise, mentions, plain, without_emoticons
from bot.privacy import mask_phone
from bot.wechat.scene import Building, building_of
from nlu.types import OUT_OF_SCOPE
from store.repairs import NewTicket, RepairRepository

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:0\d{2,3})?\d{7,8}$")
_NUMBERISH = re.compile(r"^[\d\s\-+()（）]+$")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_QUESTION = re.compile(r"[?？吗]|在哪|哪里|怎么|什么|几点|多少")


def _not_an_answer(turn: Turn, ctx: Context) -> bool:
    """A greeting, a yes or no, a question for a person, noise, or a confident request for
    another service: none of these describes a fault or names a place."""
    if is_noise(turn) or turn.plain in _yes_words(ctx):
        return True
    intent, sure = turn.intent, turn.confidence >= DIGRESSION_CONFIDENCE
    if intent in CONTROL_INTENTS and intent != OUT_OF_SCOPE and turn.confidence >= 0.5:
        return True
    return bool(sure and intent not in (None, OUT_OF_SCOPE, RepairReport.name))


_HOUR = re.compile(r"[0-9一二三四五六七八九十两]{1,3}点")
_MAX_VISIT_CHARS = 20


def _visit_time(turn: Turn, settings: RepairSettings) -> bool:
    """A short message that only says when someone is home (明天上午, 晚上7点以后): not a
    question (师傅什么时候来), not more about the fault."""
    words = turn.plain
    if not 0 < len(words) <= _MAX_VISIT_CHARS or asks(turn.text) or says_fault(turn.text, settings):
        return False
    return mentions(turn.text, settings.visit_words) or bool(_HOUR.search(words))


def _yes_words(ctx: Context) -> frozenset[str]:
    from bot.dialogue.text import plain_set

    return plain_set(ctx.config.dialogue.keywords.agree)


@flow.form
class RepairReport(Form):
    name = "repair_report"
    slots = ("repair_category", "description", "location", "phone")
    numeric_slots = frozenset({"phone"})
    skippable = frozenset({"description", "location", "phone"})
    confirm = True
    accepts_photo = True
    words = "repair"

    # --- start ---------------------------------------------------------------------------
    def prefill(self, turn: Turn, ctx: Context) -> dict[str, Any]:
        known: dict[str, Any] = {}
        member = ctx.member if ctx.resident.household_id else None
        if member is not None and member.phone:
            known["phone"] = re.sub(r"\D", "", member.phone)
        photo = ctx.dialog.slots.get("_photo")
        if photo:  # sent before the report began ("收到照片了，是要报修吗？" → 是)
            known["photo"] = photo
            known["_photo"] = None
        return known

    # --- what is broken ----------------------------------------------------------------------
    def extract_repair_category(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        code = turn.entity("repair_category")
        if code is not None:
            return code
        settings = flow.config(ctx)
        if requested and core_word(turn.plain) in settings.category_words:
            return settings.category_words[core_word(turn.plain)]  # 水 alone: the water
        if requested and not _not_an_answer(turn, ctx) and says_fault(turn.text, flow.config(ctx)) \
                and not only_place(turn, flow.config(ctx)) and not BARE_REQUEST.match(turn.plain):
            return "other"  # what they wrote says what is broken: it becomes the description too
        return None

    def validate_repair_category(self, value: Any, turn: Turn, ctx: Context) -> Any:
        code = str(value)
        return code if ctx.responses.has(f"repair.categories.{code}") else None

    def options_repair_category(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(ctx.say(f"repair.categories.{code}"), "repair_category", code)
                for code in flow.config(ctx).menu_categories]

    # --- the resident's words about it -------------------------------------------------------
    def extract_description(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        """The resident's own words about the fault. Never a bare request (我要报修), a place
        alone (5号楼电梯), a phone number, a yes, a greeting or another request."""
        settings = flow.config(ctx)
        words = turn.text.strip()
        if not words or BARE_REQUEST.match(turn.plain) or only_place(turn, settings) or _not_an_answer(turn, ctx):
            return None
        if _NUMBERISH.match(words):
            return None
        fault = says_fault(words, settings)
        if requested:  # their own words, not a keyboard mash (asdfgh): a few Chinese characters at least
            return words if fault or (len(turn.plain) >= 4 and len(_HAN.findall(words)) >= 2) else None
        asked = ctx.dialog.requested_slot
        named = turn.entity("repair_category") is not None
        if (asked in (None, "repair_category") and (fault or named)) or (fault and named):
            return words if len(turn.plain) >= 3 else None  # the words that start or correct the report
        return None

    def addition(self, turn: Turn, ctx: Context) -> tuple[str, str] | None:
        """More about the fault while something else is asked (按钮失灵了，按了没反应), or when
        someone is home for the visit (明天上午, 下午三点以后在家)."""
        settings = flow.config(ctx)
        if turn.tapped:
            return None
        if _visit_time(turn, settings) and ctx.dialog.slots.get("repair_category") not in settings.public_categories:
            return ("description", ctx.say("repair.visit_time", time=chinese_punctuation(turn.text.strip())))
        if _not_an_answer(turn, ctx) or only_place(turn, settings):
            return None
        return ("description", turn.text.strip()) if says_fault(turn.text, settings) else None

    def validate_description(self, value: Any, turn: Turn, ctx: Context) -> Any:
        said = without_emoticons(str(value)) or str(value).strip()
        text = chinese_punctuation(GREETING_LEAD.sub("", said) or said)
        return text[:1000] if len(plain(text)) >= 2 else None

    # --- where -------------------------------------------------------------------------------
    def extract_location(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if requested and turn.plain in _yes_words(ctx):
            return home(ctx)  # "对的" to the offered "我家 3-502"
        settings = flow.config(ctx)
        if address(turn) is None and (_QUESTION.search(turn.text)
                                      or _not_an_answer(turn, ctx) and not just_a_place(turn, settings)):
            return None  # 物业办公室在哪 is a question, not a place
        if ctx.dialog.requested_slot in ("repair_category", "description") and only_place(turn, settings):
            requested = True  # 小区东门 in answer to "what is broken" says where it is
        if ctx.dialog.requested_slot == CONFIRM and just_a_place(turn, settings):
            requested = True  # 客厅 at the confirmation says where, more exactly
        return place(turn, ctx, settings, requested=requested)

    def validate_location(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        if not plain(text):
            return None
        if says_home(text, flow.config(ctx)) and home(ctx) is None:
            return None  # "我家" from a resident who has not bound a flat says nowhere
        return text[:200]

    def options_location(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        flat = home(ctx)
        options = [Option.slot(ctx.say("repair.location_home", address=flat), "location", flat)] if flat else []
        building = building_of(ctx.resident.scene)  # the building whose QR code they scanned
        household = ctx.household
        public = slots.get("repair_category") in flow.config(ctx).public_categories
        if building is None and public and household is not None:  # 电梯坏了: most likely their own building's
            building = Building(household.building, household.unit or "")
        if building is not None:
            options.append(Option.slot(ctx.say("repair.location_building", place=building.place), "location",
                                       building.place))
        return options

    # --- a phone -----------------------------------------------------------------------------
    def extract_phone(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        phone = turn.entity("phone")
        if phone is not None:
            return phone
        if requested and _NUMBERISH.match(turn.text.strip()):
            return turn.text.strip()  # validation decides; a wrong number is asked again, not misread
        return None

    def validate_phone(self, value: Any, turn: Turn, ctx: Context) -> Any:
        digits = re.sub(r"[\s\-－—()（）+]", "", str(value))
        return digits if _MOBILE.match(digits) or _LANDLINE.match(digits) else None

    # --- confirm and submit ----------------------------------------------------------------
    @staticmethod
    def _category(slots: Mapping[str, Any], ctx: Context) -> str:
        """The category, with a light that is out in a public place counted as lighting (楼道灯,
        大堂的灯) rather than the flat's wiring, and a light inside the flat (我家灯坏了) as the
        flat's wiring rather than the public lighting."""
        code = str(slots.get("repair_category", "other"))
        words = f"{slots.get('description') or ''}"
        where = str(slots.get("location") or "")
        flat = home(ctx)
        at_home = bool(flat and where.startswith(flat))
        if code == "electrical" and "灯" in words and where and not at_home:
            return "lighting"
        if code == "lighting" and at_home and not mentions(words, flow.config(ctx).shared_places):
            return "electrical"
        return code

    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        missing = ctx.say("repair.not_given")
        return ctx.say(
            "repair.summary",
            category=ctx.say(f"repair.categories.{self._category(slots, ctx)}"),
            location=slots.get("location") or missing,
            description=slots.get("description") or missing,
            phone=mask_phone(str(slots.get("phone") or "")) or missing,
            photo=ctx.say("repair.summary_photo") if slots.get("photo") else "",
        )

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        household = ctx.household
        photo = slots.get("photo") or {}
        category = self._category(slots, ctx)
        label = ctx.say(f"repair.categories.{category}")
        new = NewTicket(
            openid=turn.openid, household_id=household.id if household else None, category=category,
            location=str(slots.get("location") or ctx.say("repair.unknown_place")),
            description=str(slots.get("description") or label),
            phone=str(slots.get("phone") or SKIPPED), photo_url=photo.get("url") or None,
            photo_media_id=photo.get("media_id") or None,
        )
        ticket, created = ctx.store[RepairRepository].open_ticket(new, source_key=turn.msg_key, now=ctx.now)
        if created:
            ctx.notify_staff(ctx.say("repair.staff_notice", ticket=ticket.id, category=label, location=new.location,
                                     description=new.description, phone=new.phone or "—"),
                             source_key=f"repair:{ticket.id}")
        key = "repair.submitted" if new.phone else "repair.submitted_no_phone"
        return Reply.text(ctx.say(key, ticket=ticket.id), footer=True)
