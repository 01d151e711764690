"""Households and their members: the roster staff import."""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from store.models import Household, Member
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_BY_ID = ByKey(Household)  # a bound resident's messages load their flat
_MEMBER_BY_ID = ByKey(Member)
_ROSTER_SELECT = (select(Household.id, Member.id, func.coalesce(Member.name, ""), func.coalesce(Member.phone, ""))
                  .select_from(Household).outerjoin(Member, Member.household_id == Household.id)
                  .where(Household.building == bindparam("building"), Household.room == bindparam("room"))
                  .order_by(Household.id, Member.id))
_ROSTER = Prepared(_ROSTER_SELECT)
_ROSTER_IN_UNIT = Prepared(_ROSTER_SELECT.where(Household.unit == bindparam("unit")))


@dataclass(frozen=True, slots=True)
class NewMember:
    name: str
    phone: str = ""
    party_member: bool = False
    bind_code: str | None = None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One member of a flat on the roster (a flat with no members yet: ``member_id`` None)."""
    household_id: int
    member_id: int | None
    name: str
    phone: str


class HouseholdRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, building: str, room: str, members: Sequence[NewMember], unit: str = "") -> Household:
        household = Household(building=building, unit=unit, room=room)
        household.members = [
            Member(name=m.name, phone=m.phone, party_member=m.party_member, bind_code=m.bind_code)
            for m in members
        ]
        self.session.add(household)
        self.session.flush()
        return household

    def get(self, household_id: int) -> Household | None:
        return _BY_ID.get(self.session, household_id)

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Household)) or 0

    def at_address(self, building: str, room: str, unit: str = "") -> Household | None:
        """The flat at exactly this address (no unit means the building has none)."""
        query = select(Household).where(Household.building == building, Household.unit == unit,
                                        Household.room == room)
        return self.session.scalars(query).first()

    def at_label(self, label: str) -> Household | None:
        """The flat written as the demo files write it: ``3-502`` or, with a unit, ``5-1-301``."""
        parts = label.split("-")
        return self.at_address(parts[0], parts[-1], parts[1] if len(parts) == 3 else "")

    def find_by_address(self, building: str, room: str, unit: str | None = None) -> list[Household]:
        """Flats at this address; without a unit, every unit of the building that has the room."""
        query = select(Household).where(Household.building == building, Household.room == room)
        if unit:
            query = query.where(Household.unit == unit)
        return list(self.session.scalars(query.options(selectinload(Household.members))))

    def roster_at(self, building: str, room: str, unit: str | None = None) -> list[RosterEntry]:
        """Who the roster lists at this address (as :meth:`find_by_address` finds the flats), as
        plain rows: binding compares a name and a phone tail against them and loads only the
        one that matches, instead of every flat and member as ORM objects."""
        params = {"building": building, "room": room} | ({"unit": unit} if unit else {})
        statement = _ROSTER_IN_UNIT if unit else _ROSTER
        return [RosterEntry(*row) for row in statement.rows(self.session.connection(), params)]

    def issue_code(self, member: Member) -> str:
        """A new one-time bind code for ``member`` (``绑定 K7Q2MX``), replacing any earlier one: six
        letters and digits, with at least one of each, never 0/O or 1/I, unused by anyone else."""
        while True:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
            if any(c.isdigit() for c in code) and any(c.isalpha() for c in code) and self.member_by_code(code) is None:
                member.bind_code = code
                self.session.flush()
                return code

    def member(self, member_id: int) -> Member | None:
        return _MEMBER_BY_ID.get(self.session, member_id)

    def member_by_code(self, code: str) -> Member | None:
        return self.session.scalars(select(Member).where(Member.bind_code == code)).first()

    def list(self) -> list[Household]:
        """Every household with its members, in the order they were added."""
        query = select(Household).order_by(Household.id).options(selectinload(Household.members))
        return list(self.session.scalars(query))
