"""party_contact (党员联系): the secretary's and group leaders' contacts for everyone; the members'
list, with phones masked, for bound party members only."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.community_support import bound
from tests.love_support import LI, ZHANG, keys
from tests.talk import Resident

MEMBERS = ("王建国", "赵志强", "黄伯伯")  # party members of the demo roster besides 李四


def test_anyone_gets_the_secretary_and_group_leaders(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_anyone")
    reply = resident.say("党员联系")
    assert "党总支书记：王立新 021-6201-0101" in reply and "第一党小组组长" in reply and "021-6201-0103" in reply
    assert "社区党群服务站" in reply
    assert not any(name in reply for name in ("王建国", "黄伯伯", "李四")) and "13" not in reply
    assert keys(resident)[-1] == "party.members_only_bind" and resident.options == ["绑定住户"]


def test_a_bound_resident_who_is_not_a_member_sees_no_names(runtime: Runtime) -> None:
    resident = bound(runtime, "o_not_member", ZHANG)
    reply = resident.say("党员名单")
    assert keys(resident)[-1] == "party.members_only" and "王立新" in reply
    assert not any(name in reply for name in ("王建国", "黄伯伯", "李四"))


def test_a_party_member_sees_the_members_with_phones_masked(runtime: Runtime) -> None:
    resident = bound(runtime, "o_member", LI)
    reply = resident.say("党员联系方式")
    assert "共 4 人" in reply and all(name in reply for name in (*MEMBERS, "李四"))
    assert "138****1101" in reply and "13800001101" not in reply and "136****5678" in reply
    assert resident.options == ["党费缴纳"]


def test_masking_covers_landlines_too() -> None:
    from actions.party.contacts import masked_number

    assert masked_number("13800001101") == "138****1101"
    assert masked_number("021-6201-6602") == "021****6602"
    assert masked_number("6602") == "**02" and masked_number("") == ""
