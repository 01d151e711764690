"""What the staff API reads and writes (field names fixed by SPEC §6), and the value types
every flow's routes reuse: phones, names, addresses, months, amounts, dates, timestamps.

The checks live in plain functions (``phone``, ``person_name`` …) that raise ``ValueError``
with the sentence staff see, so a spreadsheet import validates a cell exactly as the JSON
API validates a field.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

MAX_MEMBERS = 20
MAX_REPLY_CHARS = 1000

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_ADDRESS_PART = re.compile(r"[0-9A-Z]{1,16}")
_ADDRESS_SUFFIXES = ("号楼", "单元", "栋", "幢", "楼", "室", "号")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"1", "true", "yes", "y", "是", "党员", "√", "✓"})
_FALSE = frozenset({"", "0", "false", "no", "n", "否", "不是", "非党员", "群众", "×"})


# --- value checks, shared by JSON bodies and spreadsheet rows -------------------------------

def phone(value: object) -> str:
    """An 11-digit mobile number, or a landline with its area code; kept as bare digits."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits:
        raise ValueError("请填写电话号码")
    if not digits.isdigit():
        raise ValueError("电话号码只能是数字：手机 11 位，座机带区号")
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ValueError("应为 11 位手机号（如 13912345678）或带区号的座机（如 021-62345678）")


def person_name(value: object) -> str:
    """A name as on the roster: not empty, no digits (a phone in the name column is a slip)."""
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("请填写姓名")
    if len(text) > 32:
        raise ValueError("姓名最多 32 个字")
    if any(ch.isdigit() for ch in text) or not any(ch.isalpha() for ch in text):
        raise ValueError("姓名请用文字填写，不要带数字")
    return text


def address_part(value: object) -> str:
    """A building, unit or room as residents write it: 3, 12A, 502 (3号楼 and 502室 are accepted)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    for suffix in _ADDRESS_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)].strip()
            break
    if not text:
        raise ValueError("请填写，如 3 或 502")
    if not _ADDRESS_PART.fullmatch(text):
        raise ValueError("请用阿拉伯数字（可带字母），如 3 或 502")
    return text


def optional_address_part(value: object) -> str:
    """A unit may be left out; then it is empty."""
    if value is None or not str(value).strip():
        return ""
    return address_part(value)


def yes_no(value: object) -> bool:
    """A spreadsheet's yes/no cell: 是/否, 1/0, true/false, yes/no, or empty for no."""
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("请填“是”或“否”（不填即为“否”）")


def month(value: object) -> str:
    """A billing period: ``YYYY-MM`` with a real month."""
    text = str(value).strip()
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError("应为月份，格式 YYYY-MM，如 2026-03")
    return text


def day(value: object) -> date:
    """A calendar date written ``YYYY-MM-DD`` (numbers are not taken for dates)."""
    if isinstance(value, datetime):
        raise ValueError("应为日期，格式 YYYY-MM-DD，如 2026-03-15")
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("应为日期，格式 YYYY-MM-DD，如 2026-03-15") from None


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("应为数字")
    return value


def _text(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("不能为空")
    return text


def _isoformat(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


Phone = Annotated[str, BeforeValidator(phone)]
PersonName = Annotated[str, BeforeValidator(person_name)]
AddressPart = Annotated[str, BeforeValidator(address_part)]
OptionalAddressPart = Annotated[str, BeforeValidator(optional_address_part)]
Month = Annotated[str, BeforeValidator(month)]
Day = Annotated[date, BeforeValidator(day)]
#: Money in yuan: not negative, at most two decimals.
Amount = Annotated[Decimal, BeforeValidator(_not_bool), Field(ge=0, le=10_000_000, decimal_places=2)]
Text = Annotated[str, AfterValidator(_text)]
#: A moment, written ISO 8601 with its offset (``2026-03-15T09:30:00+00:00``).
Timestamp = Annotated[datetime, PlainSerializer(_isoformat, return_type=str, when_used="json")]


def blank_is_none(value: Any) -> Any:
    """``?status=`` with nothing after it means no filter."""
    return None if value == "" else value


class ApiModel(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)


# --- households --------------------------------------------------------------------------

class MemberIn(ApiModel):
    name: PersonName
    phone: Phone
    party_member: bool = False


class HouseholdIn(ApiModel):
    building: AddressPart
    unit: OptionalAddressPart = ""
    room: AddressPart
    members: list[MemberIn] = Field(min_length=1, max_length=MAX_MEMBERS)


class Created(ApiModel):
    id: int


class MemberOut(ApiModel):
    id: int
    name: str
    phone: str
    party_member: bool


class HouseholdOut(ApiModel):
    id: int
    building: str
    unit: str | None = Field(description="null when the building has no units")
    room: str
    address: str = Field(description="how residents write it: 3-502, or 5-1-301 with a unit")
    members: list[MemberOut]
    created_at: Timestamp


class RowError(ApiModel):
    row: int | None = Field(description="the spreadsheet row (the header is row 1); null for the whole file")
    field: str
    message: str


class ImportResult(ApiModel):
    imported: int
    errors: list[RowError]


# --- escalations -------------------------------------------------------------------------

EscalationStatus = Literal["open", "replied", "closed"]


class EscalationOut(ApiModel):
    id: int
    openid: str
    reason: str
    text: str
    status: EscalationStatus
    created_at: Timestamp


class StaffReplyIn(ApiModel):
    text: Text = Field(max_length=MAX_REPLY_CHARS)


class StaffReplyOut(EscalationOut):
    outbox_id: int = Field(description="the delivery in the outbox (GET /api/outbox)")


# --- outbox ------------------------------------------------------------------------------

OutboxStatus = Literal["pending", "sending", "sent", "held", "failed"]


class OutboxOut(ApiModel):
    id: int
    openid: str
    purpose: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: Timestamp
    sent_at: Timestamp | None


# --- error bodies, for the OpenAPI document ----------------------------------------------

class FieldProblem(ApiModel):
    field: str
    message: str


class ErrorBody(ApiModel):
    error: str
    message: str
    field: str | None = None


class ValidationErrorBody(ApiModel):
    error: Literal["validation"]
    field: str
    message: str
    errors: list[FieldProblem]
