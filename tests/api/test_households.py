"""`/api/households`: create, list and read the roster residents bind to."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.talk import Resident


def new_household(**changes: object) -> dict:
    body: dict = {"building": "81", "unit": "2", "room": "1203",
                  "members": [{"name": "钱小红", "phone": "13855551203", "party_member": True},
                              {"name": "孙大伟", "phone": "021-62345678"}]}
    body.update(changes)
    return body


def test_a_created_household_is_listed_and_read_back_with_its_members(api: TestClient) -> None:
    created = api.post("/api/households", json=new_household())
    assert created.status_code == 201
    household_id = created.json()["id"]
    assert created.json() == {"id": household_id}

    listed = api.get("/api/households")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [mine] = [h for h in listed.json() if h["id"] == household_id]
    assert set(mine) == {"id", "building", "unit", "room", "address", "members", "created_at"}
    assert (mine["building"], mine["unit"], mine["room"], mine["address"]) == ("81", "2", "1203", "81-2-1203")
    assert [(m["name"], m["phone"], m["party_member"]) for m in mine["members"]] == [
        ("钱小红", "13855551203", True), ("孙大伟", "02162345678", False)]
    assert all(set(m) == {"id", "name", "phone", "party_member"} and isinstance(m["id"], int)
               for m in mine["members"])
    assert api.get(f"/api/households/{household_id}").json() == mine


def test_a_household_without_a_unit_lists_a_null_unit_and_a_short_address(api: TestClient) -> None:
    body = new_household(building="3号楼", unit=None, room="1602室")
    household_id = api.post("/api/households", json=body).json()["id"]
    household = api.get(f"/api/households/{household_id}").json()
    assert (household["building"], household["unit"], household["room"]) == ("3", None, "1602")
    assert household["address"] == "3-1602"


def test_a_resident_can_bind_to_a_household_created_through_the_api(api: TestClient, runtime) -> None:
    api.post("/api/households", json=new_household(building="82", unit=None, room="701"))
    reply = Resident(runtime, "o_api_roster").say("绑定 82-701 钱小红 1203")
    assert "绑定成功" in reply and "82-701" in reply


def test_a_flat_already_on_the_roster_is_a_conflict_naming_the_room(api: TestClient, store_of: Callable) -> None:
    api.post("/api/households", json=new_household())
    again = api.post("/api/households", json=new_household(members=[{"name": "别人", "phone": "13900000000"}]))
    assert again.status_code == 409
    assert again.json()["error"] == "conflict" and again.json()["field"] == "room"
    with store_of() as store:
        assert [m.name for m in store.households.at_address("81", "1203", "2").members] == ["钱小红", "孙大伟"]


def test_the_same_room_in_another_unit_is_another_flat(api: TestClient) -> None:
    api.post("/api/households", json=new_household())
    assert api.post("/api/households", json=new_household(unit="3")).status_code == 201


@pytest.mark.parametrize(("changes", "field"), [
    ({"members": [{"name": "", "phone": "13855551203"}]}, "members.0.name"),
    ({"members": [{"name": "   ", "phone": "13855551203"}]}, "members.0.name"),
    ({"members": [{"name": "钱小红", "phone": "1385555120a"}]}, "members.0.phone"),
    ({"members": [{"name": "钱小红", "phone": "1385555120"}]}, "members.0.phone"),
    ({"members": [{"name": "钱小红", "phone": "62345678"}]}, "members.0.phone"),
    ({"members": [{"name": "钱小红"}]}, "members.0.phone"),
    ({"members": [{"name": "钱小红", "phone": "13855551203"}, {"name": "13855551203", "phone": "13855551203"}]},
     "members.1.name"),
    ({"members": []}, "members"),
    ({"building": ""}, "building"),
    ({"building": "三号楼"}, "building"),
    ({"room": "5-02"}, "room"),
    ({"unit": "一单元"}, "unit"),
])
def test_invalid_households_are_422_naming_the_field(api: TestClient, changes: dict, field: str) -> None:
    response = api.post("/api/households", json=new_household(**changes))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation" and response.json()["field"] == field
    assert all(h["building"] != "81" for h in api.get("/api/households").json())


def test_the_api_says_what_is_wrong_in_chinese_without_pydantics_prefix(api: TestClient) -> None:
    wrong = api.post("/api/households", json=new_household(members=[{"name": "钱小红", "phone": "1385555120"}]))
    assert wrong.status_code == 422
    told = "应为 11 位手机号（如 13912345678）或带区号的座机（如 021-62345678）"
    assert wrong.json() == {"error": "validation", "field": "members.0.phone", "message": f"members.0.phone: {told}",
                            "errors": [{"field": "members.0.phone", "message": told}]}
    household_id = api.post("/api/households", json=new_household()).json()["id"]
    again = api.post("/api/households", json=new_household())
    assert again.status_code == 409
    assert again.json() == {"error": "conflict", "field": "room",
                            "message": f"81-2-1203 已在住户名册中（住户编号 {household_id}）"}


def test_a_missing_room_is_named(api: TestClient) -> None:
    body = new_household()
    del body["room"]
    response = api.post("/api/households", json=body)
    assert response.status_code == 422 and response.json()["field"] == "room"


def test_an_unknown_household_is_404(api: TestClient) -> None:
    response = api.get("/api/households/999999")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api.get("/api/households/abc").json()["field"] == "household_id"
