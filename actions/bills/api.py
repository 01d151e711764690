"""`/api/bills`: staff add bills one by one or from a spreadsheet, list them, and record a
payment made at the office. A new unpaid bill is announced to the household's residents.

Shapes (SPEC §6): ``POST /api/bills`` ``{"household_id","period","bill_type","amount","due_date","paid"}``
→ ``{"id"}``; ``GET /api/bills?household_id=`` → an array; ``POST /api/bills/import`` →
``{"imported","errors":[{"row","field","message"}]}`` (all or nothing). Amounts are yuan in JSON
(a number with at most two decimals) and whole fen in the database.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Query, UploadFile
from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy.exc import IntegrityError

from actions.bills import flow
from actions.bills.notices import announce
from bot.api.deps import NowDep, RuntimeDep, StoreDep
from bot.api.errors import ApiError, conflict, not_found
from bot.api.schemas import (
    Amount,
    ApiModel,
    Created,
    Day,
    ErrorBody,
    ImportResult,
    Month,
    Timestamp,
    address_part,
    blank_is_none,
    day,
    month,
    optional_address_part,
    yes_no,
)
from bot.api.tabular import Column, Problem, Row, TableError, as_dicts, read_table, read_upload
from bot.jobs import JobContext
from store import Store
from store.bills import BILL_TYPES, Bill, BillRepository, fen_to_yuan, yuan_to_fen
from store.payments import PaymentRepository

api = flow.api

#: Other ways staff (and spreadsheets) name the kinds of fee.
_TYPE_ALIASES = {
    "property": "物业费", "property_fee": "物业费", "管理费": "物业费", "物业管理费": "物业费", "物管费": "物业费",
    "parking": "停车费", "parking_fee": "停车费", "车位费": "停车费", "停车管理费": "停车费",
    "water": "水费", "自来水费": "水费",
    "electricity": "电费", "power": "电费",
    "gas": "燃气费", "煤气费": "燃气费", "天然气费": "燃气费",
}


# --- values -----------------------------------------------------------------------------------

def bill_type(value: object) -> str:
    """One of the fees the community bills, by its Chinese name (English codes are accepted)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    name = text if text in BILL_TYPES else _TYPE_ALIASES.get(text.lower(), "")
    if not name:
        raise ValueError(f"应为以下费用之一：{'、'.join(BILL_TYPES)}")
    return name


def _more_than_zero(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("应大于 0")
    return value


BillType = Annotated[str, BeforeValidator(bill_type)]
BillAmount = Annotated[Amount, AfterValidator(_more_than_zero)]


class BillIn(ApiModel):
    household_id: int
    period: Month
    bill_type: BillType
    amount: BillAmount = Field(description="yuan, at most two decimals, more than 0")
    due_date: Day
    paid: bool = False


class BillOut(ApiModel):
    id: int
    household_id: int
    period: str
    bill_type: str
    amount: float = Field(description="yuan")
    amount_fen: int
    due_date: date
    paid: bool
    paid_at: Timestamp | None
    paid_via: str | None = Field(description="office or wechat; null while unpaid")
    created_at: Timestamp


class BillPatch(ApiModel):
    paid: bool


# --- routes -----------------------------------------------------------------------------------

@api.post("/bills", status_code=201, tags=["bills"],
          responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody, "description": "already billed"}})
def create_bill(body: BillIn, store: StoreDep, runtime: RuntimeDep, now: NowDep) -> Created:
    """Bill a household for one month and one kind of fee; its residents are told when it is unpaid."""
    if store.households.get(body.household_id) is None:
        not_found("household", body.household_id)
    repo = store[BillRepository]
    if repo.find(body.household_id, body.period, body.bill_type) is not None:
        conflict("period", f"household {body.household_id} already has a {body.bill_type} bill for {body.period}")
    try:
        bill = repo.add(body.household_id, body.period, body.bill_type, yuan_to_fen(body.amount), body.due_date, now,
                        paid=body.paid)
    except IntegrityError:  # the same bill, added by another request a moment ago
        conflict("period", f"household {body.household_id} already has a {body.bill_type} bill for {body.period}")
    announce(JobContext(runtime, now), store, bill)
    return Created(id=bill.id)


@api.get("/bills", tags=["bills"], responses={404: {"model": ErrorBody}})
def list_bills(store: StoreDep,
               household_id: Annotated[int | None, BeforeValidator(blank_is_none), Query()] = None,
               period: Annotated[Month | None, BeforeValidator(blank_is_none), Query()] = None,
               paid: Annotated[bool | None, BeforeValidator(blank_is_none), Query()] = None) -> list[BillOut]:
    """Bills in the order they were added; narrowed by household, month and whether paid."""
    if household_id is not None and store.households.get(household_id) is None:
        not_found("household", household_id)
    return [_out(bill) for bill in store[BillRepository].list(household_id, period, paid)]


@api.get("/bills/{bill_id}", tags=["bills"], responses={404: {"model": ErrorBody}})
def get_bill(bill_id: int, store: StoreDep) -> BillOut:
    bill = store[BillRepository].get(bill_id)
    if bill is None:
        not_found("bill", bill_id)
    return _out(bill)


@api.patch("/bills/{bill_id}", tags=["bills"], responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def update_bill(bill_id: int, body: BillPatch, store: StoreDep, now: NowDep) -> BillOut:
    """Record a payment made at the office (``{"paid": true}``), or undo one recorded by mistake.
    A payment received through WeChat Pay is not undone here."""
    repo = store[BillRepository]
    bill = repo.get_for_update(bill_id)
    if bill is None:
        not_found("bill", bill_id)
    if body.paid:
        if repo.mark_paid(bill, now, "office"):
            store[PaymentRepository].close_open("bill", bill.id)
    elif bill.paid:
        if bill.paid_via == "wechat":
            conflict("paid", "this bill was paid through WeChat Pay; refund it in the merchant platform")
        repo.mark_unpaid(bill)
    return _out(bill)


@api.post("/bills/import", tags=["bills"],
          responses={422: {"model": ImportResult, "description": "rows that are wrong; nothing was imported"}})
def import_bills(file: UploadFile, store: StoreDep, runtime: RuntimeDep, now: NowDep) -> ImportResult:
    """Import bills from CSV or XLSX, all or nothing.

    Columns: the household as household_id (住户编号) or building (楼号) + unit (单元, optional) +
    room (房号); period (账期/月份: 2026-03, 2026年3月); bill_type (费用类型: 物业费, 停车费, 水费,
    电费, 燃气费); amount (金额, yuan); due_date (截止日期); paid (已缴, optional: 是/否). When any
    row is wrong nothing is imported and every wrong row is reported."""
    try:
        rows = read_table(file.filename or "", read_upload(file), COLUMNS)
    except TableError as error:
        raise ApiError(422, {"imported": 0, "errors": as_dicts(error.problems)}) from None
    header = _header_problem(rows)
    if header is not None:
        raise ApiError(422, {"imported": 0, "errors": as_dicts([header])})
    new, problems = _read_rows(rows, store)
    if problems:
        problems.sort(key=lambda problem: problem.row or 0)
        raise ApiError(422, {"imported": 0, "errors": as_dicts(problems)})
    repo = store[BillRepository]
    try:
        bills = [repo.add(b.household_id, b.period, b.bill_type, b.amount_fen, b.due_date, now, paid=b.paid)
                 for b in new]
    except IntegrityError:
        raise ApiError(422, {"imported": 0, "errors": [
            {"row": None, "field": "period", "message": "导入时文件中有一张账单刚被别人添加，请重新上传"}
        ]}) from None
    jobs = JobContext(runtime, now)
    for bill in bills:
        announce(jobs, store, bill)
    return ImportResult(imported=len(bills), errors=[])


def _out(bill: Bill) -> BillOut:
    return BillOut(id=bill.id, household_id=bill.household_id, period=bill.period, bill_type=bill.bill_type,
                   amount=float(fen_to_yuan(bill.amount_fen)), amount_fen=bill.amount_fen, due_date=bill.due_date,
                   paid=bill.paid, paid_at=bill.paid_at, paid_via=bill.paid_via, created_at=bill.created_at)


# --- spreadsheets -------------------------------------------------------------------------------

COLUMNS = (
    Column("household_id", ("住户编号", "住户ID", "户号", "household"), required=False),
    Column("building", ("楼号", "楼栋", "楼栋号", "栋", "幢"), required=False),
    Column("unit", ("单元", "单元号"), required=False),
    Column("room", ("房号", "房间号", "室", "门牌号"), required=False),
    Column("period", ("账期", "月份", "账单月份", "所属月份", "计费月份", "期间", "month")),
    Column("bill_type", ("费用类型", "收费项目", "费用名称", "费用", "项目", "类型", "type")),
    Column("amount", ("金额", "应缴金额", "应交金额", "应收金额", "费用金额")),
    Column("due_date", ("截止日期", "缴费截止日", "缴费截止日期", "到期日", "到期日期", "最后缴费日", "截止日", "due")),
    Column("paid", ("已缴", "已交", "是否已缴", "是否已交", "缴费状态", "状态"), required=False),
)
_SPREADSHEET_MONTH = re.compile(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月份|月)?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?")
_SPREADSHEET_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_PAID_WORDS = {"已缴": True, "已交": True, "已付": True, "已缴费": True, "已收": True, "缴清": True,
               "未缴": False, "未交": False, "未付": False, "未缴费": False, "欠费": False, "待缴": False}


def period_cell(value: object) -> str:
    """A month as spreadsheets write it: 2026-03, 2026/3, 2026年3月, 202603, or a date in it."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{6}", text):
        text = f"{text[:4]}-{text[4:]}"
    match = _SPREADSHEET_MONTH.fullmatch(text)
    if match:
        text = f"{match.group(1)}-{int(match.group(2)):02d}"
    return month(text)


def day_cell(value: object) -> date:
    """A date as spreadsheets write it: 2026-03-15, 2026/3/15, 2026年3月15日."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _SPREADSHEET_DAY.fullmatch(text)
    if match:
        text = f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
    return day(text)


def amount_cell(value: object) -> int:
    """Yuan as typed (350, 350.00, ¥350, 1,200.50元), as whole fen."""
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace("¥", "").removesuffix("元")
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("应为金额（元），如 350 或 350.50") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("应大于 0")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("最多两位小数（精确到分）")
    if amount > 10_000_000:
        raise ValueError("金额太大，请核对")
    return yuan_to_fen(amount)


def paid_cell(value: object) -> bool:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text in _PAID_WORDS:
        return _PAID_WORDS[text]
    return yes_no(text)


def household_id_cell(value: object) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError("应为住户编号（数字，见住户名册或 GET /api/households）")
    return int(text)


_CELL_CHECKS: tuple[tuple[str, Callable[[object], Any]], ...] = (
    ("household_id", household_id_cell), ("unit", optional_address_part), ("period", period_cell),
    ("bill_type", bill_type), ("amount", amount_cell), ("due_date", day_cell), ("paid", paid_cell),
)


@dataclass(frozen=True, slots=True)
class _NewBill:
    row: int
    household_id: int
    period: str
    bill_type: str
    amount_fen: int
    due_date: date
    paid: bool


def _header_problem(rows: Sequence[Row]) -> Problem | None:
    """The file must say whose bills they are: a household_id column, or building and room."""
    columns = set(rows[0].values) if rows else set()
    if "household_id" in columns or {"building", "room"} <= columns:
        return None
    header_row = rows[0].number - 1 if rows else 1
    return Problem(header_row, "household_id",
                   "缺少“住户编号”列，或“楼号”和“房号”两列")


def _read_rows(rows: Sequence[Row], store: Store) -> tuple[list[_NewBill], list[Problem]]:
    new: list[_NewBill] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, str, str], int] = {}
    repo = store[BillRepository]
    for row in rows:
        values: dict[str, Any] = {}
        wrong = []
        for name, check in _CELL_CHECKS:
            if name == "paid" and not row[name]:
                values[name] = False
                continue
            try:
                values[name] = check(row[name])
            except ValueError as error:
                wrong.append(Problem(row.number, name, str(error)))
        household_id = None if wrong else _household_of(row, values, store, wrong)
        problems += wrong
        if wrong or household_id is None:
            continue
        key = (household_id, str(values["period"]), str(values["bill_type"]))
        if key in seen:
            problems.append(Problem(row.number, "bill_type", f"第 {seen[key]} 行已有同一张账单"))
            continue
        seen[key] = row.number
        if repo.find(*key) is not None:
            problems.append(Problem(row.number, "period", f"住户 {household_id} 已有 {key[1]} 的{key[2]}账单"))
            continue
        new.append(_NewBill(row.number, household_id, key[1], key[2], values["amount"], values["due_date"],
                            bool(values["paid"])))
    return new, problems


def _household_of(row: Row, values: dict[str, Any], store: Store, wrong: list[Problem]) -> int | None:
    """The household a row bills, by its number or by its flat."""
    household_id = values.get("household_id")
    if household_id is not None:
        if store.households.get(household_id) is None:
            wrong.append(Problem(row.number, "household_id", f"没有编号为 {household_id} 的住户"))
            return None
        return int(household_id)
    parts: dict[str, str] = {}
    for name in ("building", "room"):
        try:
            parts[name] = address_part(row[name])
        except ValueError as error:
            wrong.append(Problem(row.number, name, f"{error}（或填写住户编号）"))
    if len(parts) < 2:
        return None
    building, room = parts["building"], parts["room"]
    unit = str(values.get("unit") or "")
    flats = store.households.find_by_address(building, room, unit or None)
    shown = "-".join(part for part in (building, unit, room) if part)
    if not flats:
        wrong.append(Problem(row.number, "room", f"{shown} 不在住户名册中"))
        return None
    if len(flats) > 1:
        wrong.append(Problem(row.number, "unit", f"{building} 号楼有几个单元都有 {room} 室，请填写单元"))
        return None
    return flats[0].id
