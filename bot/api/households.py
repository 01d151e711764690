"""`/api/households`: the roster residents bind to — create, list, read, import a spreadsheet."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, UploadFile
from sqlalchemy.exc import IntegrityError

from bot.api.deps import StoreDep, not_found
from bot.api.errors import ApiError, conflict
from bot.api.schemas import (
    MAX_MEMBERS,
    Created,
    ErrorBody,
    HouseholdIn,
    HouseholdOut,
    ImportResult,
    MemberOut,
    address_part,
    optional_address_part,
    person_name,
    phone,
    yes_no,
)
from bot.api.tabular import Column, Problem, Row, TableError, as_dicts, read_table, read_upload
from store import Store
from store.models import Household
from store.repositories.households import NewMember

router = APIRouter(prefix="/households", tags=["households"])

#: The columns of a roster spreadsheet: one row per member, rows of one flat form one household.
COLUMNS = (
    Column("building", ("楼号", "楼栋", "楼栋号", "栋", "幢")),
    Column("unit", ("单元", "单元号"), required=False),
    Column("room", ("房号", "房间号", "室", "门牌号")),
    Column("name", ("姓名", "名字", "住户姓名")),
    Column("phone", ("手机", "电话", "手机号", "手机号码", "联系电话", "电话号码", "mobile")),
    Column("party_member", ("党员", "是否党员"), required=False),
)
_CELL_CHECKS: tuple[tuple[str, Callable[[object], object]], ...] = (
    ("building", address_part), ("unit", optional_address_part), ("room", address_part),
    ("name", person_name), ("phone", phone), ("party_member", yes_no),
)


@router.post("", status_code=201, responses={409: {"model": ErrorBody, "description": "the flat exists"}})
def create_household(body: HouseholdIn, store: StoreDep) -> Created:
    """Add a flat and its members to the roster."""
    existing = store.households.at_address(body.building, body.room, body.unit)
    if existing is not None:
        conflict("room", f"{existing.address} 已在住户名册中（住户编号 {existing.id}）")
    members = [NewMember(m.name, m.phone, m.party_member) for m in body.members]
    try:
        household = store.households.create(body.building, body.room, members, unit=body.unit)
    except IntegrityError:  # the same flat, added by another request a moment ago
        conflict("room", "这一户已在住户名册中")
    return Created(id=household.id)


@router.get("")
def list_households(store: StoreDep) -> list[HouseholdOut]:
    """Every household with its members, oldest first."""
    return [_out(household) for household in store.households.list()]


@router.get("/{household_id}", responses={404: {"model": ErrorBody}})
def get_household(household_id: int, store: StoreDep) -> HouseholdOut:
    household = store.households.get(household_id)
    if household is None:
        not_found("household", household_id)
    return _out(household)


@router.post("/import", responses={422: {"model": ImportResult, "description": "rows that are wrong; "
                                                                              "nothing was imported"}})
def import_households(file: UploadFile, store: StoreDep) -> ImportResult:
    """Import a roster from CSV or XLSX, all or nothing.

    Columns: building (楼号), unit (单元, optional), room (房号), name (姓名), phone (手机/电话),
    party_member (党员, optional: 是/否). One row per member; the rows of one flat form one
    household. When any row is wrong nothing is imported and every wrong row is reported."""
    try:
        rows = read_table(file.filename or "", read_upload(file), COLUMNS)
    except TableError as error:
        raise ApiError(422, {"imported": 0, "errors": as_dicts(error.problems)}) from None
    flats, problems = _flats(rows)
    problems += _clashes(flats, store)
    if problems:
        problems.sort(key=lambda problem: (problem.row or 0))
        raise ApiError(422, {"imported": 0, "errors": as_dicts(problems)})
    try:
        for flat in flats:
            store.households.create(flat.building, flat.room, flat.members, unit=flat.unit)
    except IntegrityError:
        raise ApiError(422, {"imported": 0, "errors": [
            {"row": None, "field": "room", "message": "导入时文件中有一户刚被别人添加，请重新上传"}
        ]}) from None
    return ImportResult(imported=len(flats), errors=[])


@dataclass
class _Flat:
    building: str
    unit: str
    room: str
    rows: list[int]
    members: list[NewMember]

    @property
    def address(self) -> str:
        return "-".join(part for part in (self.building, self.unit, self.room) if part)


def _flats(rows: Sequence[Row]) -> tuple[list[_Flat], list[Problem]]:
    """Rows grouped into flats, with every cell that is wrong."""
    flats: dict[tuple[str, str, str], _Flat] = {}
    problems: list[Problem] = []
    for row in rows:
        values, wrong = _check(row)
        problems += wrong
        if wrong:
            continue
        key = (str(values["building"]), str(values["unit"]), str(values["room"]))
        flat = flats.setdefault(key, _Flat(*key, rows=[], members=[]))
        member = NewMember(str(values["name"]), str(values["phone"]), bool(values["party_member"]))
        twin = next((n for n, m in zip(flat.rows, flat.members, strict=True)
                     if (m.name, m.phone) == (member.name, member.phone)), None)
        if twin is not None:
            problems.append(Problem(row.number, "name", f"第 {twin} 行已有 {flat.address} 的{member.name}"))
        elif len(flat.members) >= MAX_MEMBERS:
            problems.append(Problem(row.number, "name", f"{flat.address} 的成员超过 {MAX_MEMBERS} 人"))
        else:
            flat.rows.append(row.number)
            flat.members.append(member)
    return list(flats.values()), problems


def _check(row: Row) -> tuple[dict[str, object], list[Problem]]:
    values: dict[str, object] = {}
    problems = []
    for name, check in _CELL_CHECKS:
        try:
            values[name] = check(row[name])
        except ValueError as error:
            problems.append(Problem(row.number, name, str(error)))
    return values, problems


def _clashes(flats: Sequence[_Flat], store: Store) -> list[Problem]:
    """Flats of the file that are already on the roster: each of their rows is wrong."""
    problems = []
    for flat in flats:
        existing = store.households.at_address(flat.building, flat.room, flat.unit)
        if existing is not None:
            problems += [Problem(number, "room", f"{flat.address} 已在住户名册中（住户编号 {existing.id}）")
                         for number in flat.rows]
    return problems


def _out(household: Household) -> HouseholdOut:
    return HouseholdOut(
        id=household.id,
        building=household.building,
        unit=household.unit or None,
        room=household.room,
        address=household.address,
        members=[MemberOut(id=m.id, name=m.name, phone=m.phone, party_member=m.party_member)
                 for m in household.members],
        created_at=household.created_at,
    )
