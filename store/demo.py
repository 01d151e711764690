"""The demo community, so that a newcomer can try every flow at once."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from nlu.yamlio import safe_load
from store import Store
from store.repositories.households import NewMember

DEMO_FILE = Path(__file__).parent / "demo_community.yml"


def seed_demo(store: Store, path: Path = DEMO_FILE) -> int:
    """Add the demo households that are not there yet; returns how many were added."""
    data: dict[str, Any] = safe_load(path.read_text(encoding="utf-8"))
    added = 0
    for entry in data["households"]:
        building, room, unit = str(entry["building"]), str(entry["room"]), str(entry.get("unit", ""))
        if store.households.find_by_address(building, room, unit or None):
            continue
        members = [NewMember(name=m["name"], phone=str(m.get("phone", "")),
                             party_member=bool(m.get("party_member", False)), bind_code=m.get("bind_code"))
                   for m in entry["members"]]
        store.households.create(building, room, members, unit=unit)
        added += 1
    return added
