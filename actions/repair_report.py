"""repair_report (物业报修): what is broken, where, a photo if any, a phone, confirm → a ticket.

"我家厨房水管漏水了" already says what (water_leak), where (the bound flat) and the
description, so the resident is only asked to confirm. Urgent reports (gas, flooding,
someone trapped in a lift, fire) skip the form: the ticket is opened at once, staff are
alerted and the reply gives the emergency number.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.dialogue import Context, Form, Option, Reply, Turn, form
from bot.dialogue.forms import DIGRESSION_CONFIDENCE
from bot.dialogue.text import mentioned_group, plain
from bot.privacy import mask_phone
from nlu.types import OUT_OF_SCOPE
from store.repositories.repairs import NewTicket

#: A message that only asks to report a repair says nothing about what is broken.
_BARE_REQUEST = re.compile(
    r"^(?:您好|你好|喂)?(?:我|我们|我家)?(?:要|想|需要)?(?:请|麻烦)?(?:帮我|给我)?"
    r"(?:物业)?(?:报修|保修|報修|维修|修理|报个修|报一下修|修东西|找师傅)(?:一下)?(?:吧|啊|呀|的)?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:0\d{2,3})?\d{7,8}$")
_PLACE_AND_PHONE = frozenset({"building", "unit", "room", "phone"})
#: A second alarm this soon after the first adds to the same urgent ticket.
URGENT_REPEAT_WINDOW = timedelta(minutes=30)
UNKNOWN_PLACE = "待确认"
#: The category an urgent report gets when the resident named none.
_URGENT_CATEGORY = {"gas": "gas", "flooding": "water_leak", "elevator_trapped": "elevator", "fire": "electrical"}


@form
class RepairReport(Form):
    name = "repair_report"
    slots = ("repair_category", "description", "location", "phone")
    free_text_slots = frozenset({"description", "location"})
    numeric_slots = frozenset({"phone"})
    confirm = True
    accepts_photo = True
    responses_key = "repair"

    # --- start ---------------------------------------------------------------------------
    def begin(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        if "phone" not in slots:
            member = ctx.resident.member if ctx.resident.household_id else None
            if member is not None and member.phone:
                slots["phone"] = re.sub(r"\D", "", member.phone)
        urgency = mentioned_group(turn.text, ctx.config.repair.urgent_keywords)
        if urgency is not None:
            return self._urgent(urgency, slots, turn, ctx)
        return None

    def _urgent(self, urgency: str, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        """Open the ticket now, alert staff, give the emergency number. A resident who raises
        the alarm again soon after (in a panic, or with more detail) adds to the same ticket."""
        slots.setdefault("repair_category", _URGENT_CATEGORY.get(urgency, "other"))
        location = slots.get("location") or self._home(ctx) or ""
        recent = ctx.store.repairs.recent_urgent(turn.openid, ctx.now - URGENT_REPEAT_WINDOW)
        if recent is None:
            ticket = self._open(slots, location or UNKNOWN_PLACE, True, turn, ctx)
        else:
            ticket = self._add_to_urgent(recent.id, turn.text, location, turn, ctx)
        ctx.escalate(turn, "urgent_repair", text=turn.text)
        community = ctx.config.community
        phone = {"gas": community.gas_emergency_phone,
                 "elevator_trapped": community.elevator_emergency_phone}.get(urgency) or community.emergency_phone
        advice_key = f"repair.urgent_advice.{urgency}"
        advice = ctx.say(advice_key) if ctx.responses.has(advice_key) else ""
        reply = Reply.text(ctx.say("repair.urgent", ticket=ticket, advice=advice, phone=phone))
        if location:
            ctx.state.clear_form()
            return reply
        # Where is it? Keep only that question open; the answer goes straight to staff.
        ctx.state.slots["ticket_id"] = ticket
        ctx.state.requested_slot = "location"
        return Reply.text(f"{reply.content}\n{ctx.say('repair.urgent_location_unknown')}")

    def _add_to_urgent(self, ticket_id: int, words: str, location: str, turn: Turn, ctx: Context) -> int:
        ticket = ctx.store.repairs.get(ticket_id)
        assert ticket is not None
        if words and words not in ticket.description:
            ticket.description = f"{ticket.description}\n{words}"
        if location and ticket.location == UNKNOWN_PLACE:
            ticket.location = location
        ticket.updated_at = ctx.now
        new = NewTicket(openid=ticket.openid, category=ticket.category, location=ticket.location,
                        description=words or ticket.description, phone=ticket.phone, urgent=True)
        ctx.notify_staff(self._staff_notice(ticket.id, new, ctx), source_key=turn.msg_key)
        return ticket.id

    def owns_emergency(self, slots: Mapping[str, Any]) -> bool:
        return "ticket_id" in slots  # the urgent ticket is open, waiting for its place

    # --- slots ---------------------------------------------------------------------------
    def needs(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> bool:
        if "ticket_id" in slots:  # an urgent ticket is open: only its place is missing
            return slot == "location" and slot not in slots
        return slot not in slots

    def wants_confirmation(self, slots: Mapping[str, Any]) -> bool:
        return "ticket_id" not in slots

    def extract(self, slot: str, turn: Turn, ctx: Context, *, requested: bool) -> Any:
        if slot == "location":
            return self._location(turn, ctx, requested=requested)
        if slot == "description":
            return self._description(turn, ctx, requested=requested)
        if slot == "repair_category" and requested and turn.entity("repair_category") is None and turn.text.strip():
            if self._elsewhere(turn):
                return None
            return "other"  # what they wrote says what is broken: it becomes the description too
        return super().extract(slot, turn, ctx, requested=requested)

    @staticmethod
    def _description(turn: Turn, ctx: Context, *, requested: bool) -> str | None:
        """The resident's own words about the fault.

        Asked for, any words do — unless they only name a place or a phone (those fill their
        own slots and the question is asked again). Not asked for, the words that start the
        report ("我家厨房水管漏水了"), or a sentence that says what is broken in answer to
        "what is broken?" ("厕所的下水道堵住了"), are kept as well."""
        words = turn.text.strip()
        if not words or _BARE_REQUEST.match(plain(words)):
            return None
        spans = [(e.start, e.end) for e in turn.entities if e.entity in _PLACE_AND_PHONE]
        rest = "".join(ch for i, ch in enumerate(words) if not any(a <= i < b for a, b in spans))
        if len(plain(rest)) < 2:
            return None
        if requested:
            return words
        starting = ctx.state.requested_slot is None
        says_what = starting or turn.entity("repair_category") is not None or (
            ctx.state.requested_slot == "repair_category" and not RepairReport._elsewhere(turn))
        return words if says_what and len(plain(words)) >= 3 else None

    @classmethod
    def _elsewhere(cls, turn: Turn) -> bool:
        """The message is a confident request for something other than a repair."""
        return turn.intent not in (None, cls.name, OUT_OF_SCOPE) and turn.confidence >= DIGRESSION_CONFIDENCE

    def _location(self, turn: Turn, ctx: Context, *, requested: bool) -> str | None:
        words = turn.text
        if any(home in words for home in ctx.config.repair.home_words):
            home = self._home(ctx)
            if home:
                return home
        parts = {e.entity: str(e.value) for e in turn.entities if e.entity in ("building", "unit", "room")}
        if "building" in parts and "room" in parts:
            return "-".join(p for p in (parts["building"], parts.get("unit", ""), parts["room"]) if p)
        if requested and words.strip():
            return words.strip()
        return None

    @staticmethod
    def _home(ctx: Context) -> str | None:
        household = ctx.household
        return household.address if household else None

    def options_repair_category(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        categories = ctx.config.repair.categories
        return [Option.slot(categories[code], "repair_category", code) for code in ctx.config.repair.menu_categories]

    def options_location(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        home = self._home(ctx)
        return [Option.slot(ctx.say("repair.location_home", address=home), "location", home)] if home else []

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        if slot == "location" and self._home(ctx):
            return Reply.text(ctx.say("repair.ask_location"), self.options_location(slots, ctx))
        return super().ask(slot, slots, turn, ctx)

    def validate_repair_category(self, value: Any, turn: Turn, ctx: Context) -> Any:
        code = str(value)
        return code if code in ctx.config.repair.categories else None

    def validate_description(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        return text if len(plain(text)) >= 2 else None

    def validate_location(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = str(value).strip()
        if not plain(text) or plain(text) in {plain(word) for word in ctx.config.repair.home_words}:
            return None  # "我家" from a resident who has not bound a flat says nowhere
        return text[:200]

    def validate_phone(self, value: Any, turn: Turn, ctx: Context) -> Any:
        digits = re.sub(r"[\s\-－—()（）]", "", str(value))
        return digits if _MOBILE.match(digits) or _LANDLINE.match(digits) else None

    # --- confirm and submit ----------------------------------------------------------------
    def summary(self, slots: Mapping[str, Any], ctx: Context) -> str:
        return ctx.say(
            "repair.summary",
            category=ctx.config.repair.categories.get(slots.get("repair_category", "other"), "其他"),
            location=slots.get("location", ""),
            description=slots.get("description", ""),
            phone=mask_phone(str(slots.get("phone", ""))),
            photo=ctx.say("repair.summary_photo") if slots.get("photo") else "",
        )

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        if "ticket_id" in slots:
            return self._locate_urgent(slots, turn, ctx)
        ticket = self._open(slots, slots["location"], False, turn, ctx)
        return Reply.text(ctx.say("repair.submitted", ticket=ticket), footer=True)

    def _open(self, slots: Mapping[str, Any], location: str, urgent: bool, turn: Turn, ctx: Context) -> int:
        household = ctx.household
        photo = slots.get("photo") or {}
        category = slots.get("repair_category", "other")
        new = NewTicket(
            openid=turn.openid, household_id=household.id if household else None, category=category,
            location=location, description=slots.get("description") or ctx.config.repair.categories[category],
            phone=str(slots.get("phone", "")), urgent=urgent,
            photo_url=photo.get("url") or None, photo_media_id=photo.get("media_id") or None,
        )
        ticket, created = ctx.store.repairs.open_ticket(new, source_key=turn.msg_key, now=ctx.now)
        if created:
            ctx.notify_staff(self._staff_notice(ticket.id, new, ctx), source_key=f"repair:{ticket.id}")
        return ticket.id

    @staticmethod
    def _staff_notice(ticket_id: int, new: NewTicket, ctx: Context) -> str:
        return ctx.say(
            "repair.staff_notice_urgent" if new.urgent else "repair.staff_notice",
            ticket=ticket_id, category=ctx.config.repair.categories.get(new.category, new.category),
            location=new.location, description=new.description, phone=new.phone or "—",
        )

    def _locate_urgent(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        ticket = ctx.store.repairs.get(int(slots["ticket_id"]))
        if ticket is None:
            return Reply.text(ctx.say("channel.error"), footer=True)
        ticket.location = str(slots["location"])
        ticket.updated_at = ctx.now
        new = NewTicket(openid=ticket.openid, category=ticket.category, location=ticket.location,
                        description=ticket.description, phone=ticket.phone, urgent=True)
        ctx.notify_staff(self._staff_notice(ticket.id, new, ctx), source_key=turn.msg_key)
        return Reply.text(ctx.say("repair.urgent_located", ticket=ticket.id, location=ticket.location), footer=True)
