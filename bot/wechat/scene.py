"""Building QR codes: the scene a permanent QR code carries, and the building it names.

A code printed for a building's entrance carries the scene ``b3`` (building 3) or ``b5-1``
(building 5, unit 1). WeChat hands the scene back when someone follows the account by scanning
it (``EventKey`` ``qrscene_b3`` on the subscribe event) or scans it while following (the SCAN
event, ``EventKey`` ``b3``); the resident's building is then known before they say anything,
so binding asks only for the room and a repair report offers that building as its place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: WeChat's permanent string scenes (QR_LIMIT_STR_SCENE) are 1–64 characters.
MAX_SCENE = 64
_BUILDING_SCENE = re.compile(r"b(?P<building>[0-9]{1,4})(?:-(?P<unit>[0-9]{1,3}))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Building:
    """A building (and maybe one of its units), as the roster writes it: ``3`` / ``1``."""

    building: str
    unit: str = ""

    @property
    def place(self) -> str:
        """How residents name it: 3号楼, 5号楼1单元."""
        return f"{self.building}号楼" + (f"{self.unit}单元" if self.unit else "")

    @property
    def scene(self) -> str:
        return f"b{self.building}" + (f"-{self.unit}" if self.unit else "")


def building_of(scene: str | None) -> Building | None:
    """The building a QR scene names (``b3``, ``b5-1``), or None for any other scene."""
    match = _BUILDING_SCENE.fullmatch((scene or "").strip())
    if match is None:
        return None
    unit = match.group("unit")
    return Building(str(int(match.group("building"))), str(int(unit)) if unit else "")
