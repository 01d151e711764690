"""bind_household (绑定住户): link a WeChat openid to a flat on the staff-imported roster.

Proof is the flat + the name of someone living there + the last four digits of their
registered phone (``绑定 3-502 张三 1234``, in one message or step by step, typed on a phone
keyboard or spoken: ``绑定　３－５０２　张三　１２３４``, 尾号一二三四), or a one-time code
staff hand out (``绑定 K7Q2MX``). A resident who came through a building's QR code (scene
``b3``, ``b5-1``) gives the room alone. Failed attempts are counted so that the four digits
cannot be guessed: after too many, staff take over. An account already bound to one flat is
moved to another only after the resident confirms it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pydantic import Field

from bot.dialogue import Context, Flow, FlowSettings, Form, MenuEntry, Option, Reply, Stage, Turn
from bot.dialogue.text import affirms, mentions
from bot.wechat.scene import building_of
from nlu import spelled_digits
from nlu.types import Entity
from store.models import Household, Member


class BindingSettings(FlowSettings):
    max_failures: int = Field(5, ge=1)
    failure_window_hours: int = Field(24, ge=1)
    #: A message starting with one of these always means binding, whatever the NLU says.
    command_words: list[str] = Field(default_factory=lambda: ["绑定", "綁定"])
    #: Words of a resident who cannot give what is asked (忘了, 不记得): told how a person can help.
    forgot_words: list[str] = Field(default_factory=lambda: [
        "忘了", "忘记", "不记得", "记不得", "记不清", "想不起", "不知道", "不清楚", "换号了", "换了号", "没登记"])


flow: Flow[BindingSettings] = Flow("binding", settings=BindingSettings, menu=[MenuEntry("bind_household", order=80)])

_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)([A-Za-z0-9]{6,8})(?![A-Za-z0-9])")
_FOUR_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_SPOKEN_DIGITS = re.compile(r"[零〇洞幺一二两三四五六七八九]{4,}")
_NOT_NAME = re.compile(
    r"绑定码|绑定|綁定|认证|登记|验证|我是|我叫|名字叫|名字是|姓名|名字|户主|业主|住户|家属|号码|手机|电话|尾号|后四位|后4位|"
    r"号楼|栋|幢|单元|室|号|的|是|叫|和|我|住在|住|在|请|帮我|一下|[零〇洞幺一二两三四五六七八九]{4,}")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff·]{2,6}")
_ROOM_ONLY = re.compile(r"(?:我住|住|我家|房号|房号是|房间|是)?(\d{1,4})(?:室|号|号房)?")
_SPOKEN_ROOM = re.compile(r"[零〇洞幺一二两三四五六七八九]{3,4}")
_ROOM_IN_LINE = re.compile(r"(?:绑定|綁定)\s*(\d{1,4})(?:室|号)?(?=\s|[\u4e00-\u9fff])")


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


def _room(turn: Turn, *, alone: bool) -> str | None:
    """A room for a resident whose building is already known: the whole answer (502, 502室,
    五零二, 1单元502) when ``alone``, else the room of a one-line binding (绑定 502 张三 1234)."""
    room = turn.entity("room")
    if room is not None:
        return str(room)
    if not alone:
        match = _ROOM_IN_LINE.match(turn.text.strip())
        return match.group(1) if match else None
    if _SPOKEN_ROOM.fullmatch(turn.plain):
        return spelled_digits(turn.plain)
    match = _ROOM_ONLY.fullmatch(turn.plain)
    return match.group(1) if match else None


def _scene_address(turn: Turn, ctx: Context, *, alone: bool) -> dict[str, str] | None:
    """The flat, from the building of the QR code the resident came by and the room they give."""
    building = building_of(ctx.resident.scene)
    room = _room(turn, alone=alone) if building is not None else None
    if building is None or room is None:
        return None
    unit = next((str(e.value) for e in turn.entities if e.entity == "unit"), building.unit)
    return {"building": building.building, "unit": unit, "room": room}


def _line_address(turn: Turn, ctx: Context) -> dict[str, str] | None:
    """The flat this message names unasked (3-502; or 绑定 502 … after a building's QR code)."""
    return _address(turn.entities) or _scene_address(turn, ctx, alone=False)


def _tail(text: str) -> str | None:
    """The last four digits, typed (1234) or spoken (一二三四, 幺三九四)."""
    typed = _FOUR_DIGITS.findall(text)
    if typed:
        return str(typed[-1])
    for run in reversed(_SPOKEN_DIGITS.findall(text)):
        spoken = spelled_digits(run)
        if spoken:
            return spoken[-4:]
    return None


@flow.trigger(Stage.COMMAND)
def binding_command(turn: Turn, ctx: Context) -> Reply | None:
    """绑定 … always means binding, whatever the NLU made of it: the form starts with these words."""
    if any(turn.plain.startswith(word) for word in flow.config(ctx).command_words):
        return Reply.route(BindHousehold.name)
    return None


@flow.form
class BindHousehold(Form):
    name = "bind_household"
    slots = ("address", "member_name", "phone_tail", "switch")
    numeric_slots = frozenset({"address", "phone_tail"})
    words = "binding"
    corrected_while_asking = ("member_name", "address")

    def aside(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> str | None:
        """忘了 / 不记得了: a person can check who they are instead, and how to reach one."""
        return ctx.say("binding.forgot") if mentions(turn.text, flow.config(ctx).forgot_words) else None

    def begin(self, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply | None:
        settings = flow.config(ctx)
        window = timedelta(hours=settings.failure_window_hours)
        if ctx.store.residents.bind_failures_recently(ctx.resident, ctx.now, window) >= settings.max_failures:
            ctx.escalate(turn, "binding")
            return ctx.reply("binding.locked")
        code = self._code(turn.text)
        if code is not None:
            member = ctx.store.households.member_by_code(code)
            if member is not None:
                return self._switch_or_bind(member.household, member, dict(slots), turn, ctx, by_code=True)
        household = ctx.household
        if household is not None and "address" not in slots:
            return Reply.text(ctx.say("binding.already", address=household.address),
                              [Option.answer(ctx.say("binding.keep"), "no")]).asking("address")
        return None

    @staticmethod
    def _code(text: str) -> str | None:
        match = _CODE.search(text)
        return match.group(1).upper() if match else None

    # --- slots ---------------------------------------------------------------------------
    def needs(self, slot: str, slots: Mapping[str, Any], ctx: Context) -> bool:
        if slot == "switch":
            return False  # asked by submit, only when the account is bound elsewhere
        return slot not in slots

    def extract_address(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        # A resident who came by a building's QR code gives the room alone.
        return _line_address(turn, ctx) or (_scene_address(turn, ctx, alone=True) if requested else None)

    def ask(self, slot: str, slots: Mapping[str, Any], turn: Turn, ctx: Context) -> Reply:
        building = building_of(ctx.resident.scene)
        if slot == "address" and building is not None:
            return Reply.text(ctx.say("binding.ask_room", place=building.place), self.options(slot, slots, ctx))
        return super().ask(slot, slots, turn, ctx)

    def extract_member_name(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        # Outside the one-line form, only a direct answer to "what is the name" is a name; 不知道 is none.
        if mentions(turn.text, flow.config(ctx).forgot_words):
            return None
        if requested or _line_address(turn, ctx) is not None:
            return _name(_without_spans(turn.text, turn.entities))
        return None

    def extract_phone_tail(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        phone = turn.entity("phone")
        if phone:
            return str(phone)[-4:]
        if requested or _line_address(turn, ctx) is not None:
            return _tail(_without_spans(turn.text, turn.entities))
        return None

    def extract_switch(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        if not requested:
            return None
        if turn.plain in {"确认", "确认改绑", "是", "是的", "对", "好", "好的", "换"}:
            return "yes"
        if affirms(turn):
            return "yes"
        return None

    def validate_address(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if isinstance(value, dict) and value.get("building") and value.get("room") else None

    def validate_member_name(self, value: Any, turn: Turn, ctx: Context) -> Any:
        name = str(value).strip()
        return name if 2 <= len(name) <= 6 else None

    def validate_phone_tail(self, value: Any, turn: Turn, ctx: Context) -> Any:
        digits = str(value).strip()
        return digits if re.fullmatch(r"\d{4}", digits) else None

    def validate_switch(self, value: Any, turn: Turn, ctx: Context) -> Any:
        return value if value == "yes" else None

    def options_switch(self, slots: Mapping[str, Any], ctx: Context) -> list[Option]:
        return [Option.slot(ctx.say("binding.switch_yes"), "switch", "yes"),
                Option.answer(ctx.say("binding.switch_no"), "no")]

    # --- submit --------------------------------------------------------------------------
    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        address: Mapping[str, str] = slots["address"]
        roster = ctx.store.households.roster_at(address["building"], address["room"], address.get("unit") or None)
        for entry in roster:
            if entry.member_id is not None and self._matches(entry.name, entry.phone, slots["member_name"],
                                                             slots["phone_tail"]):
                household, member = ctx.store.households.get(entry.household_id), \
                    ctx.store.households.member(entry.member_id)
                if household is not None and member is not None:
                    return self._switch_or_bind(household, member, slots, turn, ctx)
        return self._failed(slots, bool(roster), turn, ctx)

    def _switch_or_bind(self, household: Household, member: Member, slots: dict[str, Any], turn: Turn,
                        ctx: Context, *, by_code: bool = False) -> Reply:
        current = ctx.household
        if current is not None and current.id != household.id and slots.get("switch") != "yes":
            question = Reply.text(ctx.say("binding.switch_confirm", current=current.address, new=household.address),
                                  self.options_switch(slots, ctx))
            if by_code:  # the code is kept until the switch is confirmed
                address = {"building": household.building, "unit": household.unit, "room": household.room}
                digits = re.sub(r"\D", "", member.phone or "")[-4:]
                return question.opening(self.name, "switch", address=address, member_name=member.name,
                                        phone_tail=digits)
            return question.asking("switch")
        if current is not None and current.id == household.id and ctx.resident.member_id == member.id:
            return ctx.reply("binding.already", address=household.address).closing()
        if by_code:
            member.bind_code = None  # one-time
        ctx.store.residents.bind(ctx.resident, household, member, ctx.now)
        return ctx.reply("binding.success", name=member.name, address=household.address)

    @staticmethod
    def _matches(member_name: str, phone: str, name: str, tail: str) -> bool:
        from nlu import normalize_text

        digits = re.sub(r"\D", "", phone)
        return normalize_text(member_name.strip()) == normalize_text(name) and len(digits) >= 4 \
            and digits.endswith(tail)

    def _failed(self, slots: Mapping[str, Any], found: bool, turn: Turn, ctx: Context) -> Reply:
        settings = flow.config(ctx)
        failures = ctx.store.residents.record_bind_failure(
            ctx.resident, ctx.now, timedelta(hours=settings.failure_window_hours))
        if failures >= settings.max_failures:
            ctx.escalate(turn, "binding")
            return ctx.reply("binding.locked")
        address = slots["address"]
        shown = "-".join(part for part in (address["building"], address.get("unit"), address["room"]) if part)
        key = "binding.mismatch" if found else "binding.no_household"
        note = ctx.say(key, left=settings.max_failures - failures, address=shown)
        # Ask again from the flat: the resident may resend the one-line form or go step by step.
        return Reply.text(f"{note}\n{ctx.say('binding.ask_address')}").opening(self.name, "address")
