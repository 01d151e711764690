"""bind_household (绑定住户): link a WeChat openid to a flat on the staff-imported roster.

Proof is the flat + the name of someone living there + the last four digits of their
registered phone (``绑定 3-502 张三 1234``, all in one message or step by step), or a
one-time code staff hand out (``绑定 K7Q2MX``). Failed attempts are counted so that
the four digits cannot be guessed: after too many, staff take over.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.dialogue import Context, Form, Reply, Turn, form
from nlu.types import Entity
from store.models import Household, Member

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=24)

_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)([A-Za-z0-9]{6,8})(?![A-Za-z0-9])")
_FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_NOT_NAME = re.compile(
    r"绑定码|绑定|綁定|认证|登记|验证|我是|我叫|名字叫|名字是|姓名|名字|户主|业主|住户|家属|号码|手机|电话|尾号|后四位|后4位|"
    r"号楼|栋|幢|单元|室|号|的|是|叫|和|我|住在|住|在|请|帮我|一下")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff·]{2,6}")


def _address(entities: tuple[Entity, ...]) -> dict[str, str] | None:
    found = {e.entity: str(e.value) for e in entities if e.entity in ("building", "unit", "room")}
    if "building" in found and "room" in found:
        return {"building": found["building"], "unit": found.get("unit", ""), "room": found["room"]}
    return None


def _without_spans(text: str, entities: tuple[Entity, ...]) -> str:
    """The text with entity mentions blanked out (so 3-502 is not read as a name or digits)."""
    chars = list(text)
    for entity in entities:
        for index in range(max(entity.start, 0), min(entity.end, len(chars))):
            chars[index] = " "
    return "".join(chars)


def _name(text: str) -> str | None:
    cleaned = _NOT_NAME.sub(" ", re.sub(r"[\d\s\W_]+", " ", text))
    runs = _CJK_RUN.findall(cleaned)
    return runs[0] if len(runs) == 1 else (runs[-1] if runs else None)


@form
class BindHousehold(Form):
    name = "bind_household"
    slots = ("address", "member_name", "phone_tail")
    numeric_slots = frozenset({"address", "phone_tail"})
    responses_key = "binding"

    def begin(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        if ctx.store.residents.bind_failures_recently(ctx.resident, ctx.now, FAILURE_WINDOW) >= MAX_FAILURES:
            ctx.escalate(turn, "binding")
            return Reply.text(ctx.say("binding.locked"), footer=True)
        code = self._code(turn.text)
        if code is not None:
            member = ctx.store.households.member_by_code(code)
            if member is not None:
                member.bind_code = None  # one-time
                return self._bound(member.household, member, turn, ctx)
        household = ctx.household
        if household is not None and "address" not in slots:
            return Reply.text(ctx.say("binding.already", address=household.address), footer=True)
        return None

    @staticmethod
    def _code(text: str) -> str | None:
        match = _CODE.search(text)
        return match.group(1).upper() if match else None

    def extract(self, slot: str, turn: Turn, ctx: Context, *, requested: bool) -> Any:
        address = _address(turn.entities)
        if slot == "address":
            return address
        rest = _without_spans(turn.text, turn.entities)
        if slot == "member_name":
            # Outside the one-line form, only a direct answer to "what is the name" is a name.
            if requested or address is not None:
                return _name(rest)
            return None
        if slot == "phone_tail":
            phone = turn.entity("phone")
            if phone:
                return str(phone)[-4:]
            if requested or address is not None:
                digits = _FOUR_DIGITS.findall(rest)
                return digits[-1] if digits else None
        return None

    def validate_address(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if isinstance(value, dict) and value.get("building") and value.get("room") else None

    def validate_member_name(self, value: Any, turn: Turn, ctx: Context) -> Any:
        name = str(value).strip()
        return name if 2 <= len(name) <= 6 else None

    def validate_phone_tail(self, value: Any, turn: Turn, ctx: Context) -> Any:
        digits = str(value).strip()
        return digits if re.fullmatch(r"\d{4}", digits) else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        address: Mapping[str, str] = slots["address"]
        candidates = ctx.store.households.find_by_address(
            address["building"], address["room"], address.get("unit") or None)
        for household in candidates:
            for member in household.members:
                if self._matches(member, slots["member_name"], slots["phone_tail"]):
                    return self._bound(household, member, turn, ctx)
        return self._failed(slots, candidates, turn, ctx)

    @staticmethod
    def _matches(member: Member, name: str, tail: str) -> bool:
        from nlu import normalize_text

        digits = re.sub(r"\D", "", member.phone or "")
        return normalize_text(member.name.strip()) == normalize_text(name) and len(digits) >= 4 \
            and digits.endswith(tail)

    def _bound(self, household: Household, member: Member, turn: Turn, ctx: Context) -> Reply:
        ctx.store.residents.bind(ctx.resident, household, member, ctx.now)
        return Reply.text(ctx.say("binding.success", name=member.name, address=household.address), footer=True)

    def _failed(self, slots: Mapping[str, Any], candidates: list[Household], turn: Turn, ctx: Context) -> Reply:
        failures = ctx.store.residents.record_bind_failure(ctx.resident, ctx.now, FAILURE_WINDOW)
        if failures >= MAX_FAILURES:
            ctx.escalate(turn, "binding")
            return Reply.text(ctx.say("binding.locked"), footer=True)
        address = slots["address"]
        shown = "-".join(part for part in (address["building"], address.get("unit"), address["room"]) if part)
        # Ask again from the flat: the resident may resend the one-line form or go step by step.
        state = ctx.state
        state.form, state.form_started_at, state.requested_slot = self.name, ctx.now, "address"
        key = "binding.mismatch" if candidates else "binding.no_household"
        note = ctx.say(key, left=MAX_FAILURES - failures, address=shown)
        return Reply.text(f"{note}\n{ctx.say('binding.ask_address')}")
