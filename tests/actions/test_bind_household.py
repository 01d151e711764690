"""bind_household: binding is checked against the roster, in one line or step by step."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.talk import Resident, read_every_message_as


def bound_household(store_of, openid: str):
    with store_of() as store:
        resident = store.residents.get(openid)
        return resident.household.address if resident and resident.household else None


@pytest.mark.parametrize("line", [
    "绑定 3-502 张三 1234",
    "绑定3-502 张三 1234",
    "绑定 3号楼502室 张三 1234",
    "绑定 三号楼502 张三 尾号1234",
    "綁定 3-502 張三 1234",
])
def test_canonical_binding_works(runtime: Runtime, store_of, line: str) -> None:
    reply = Resident(runtime, "o_bind").say(line)
    assert "绑定成功" in reply
    assert bound_household(store_of, "o_bind") == "3-502"


def test_binding_with_a_unit(runtime: Runtime, store_of) -> None:
    assert "绑定成功" in Resident(runtime, "o_unit").say("绑定 5-1-301 李四 5678")
    assert bound_household(store_of, "o_unit") == "5-1-301"


def test_binding_step_by_step(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_steps")
    assert "楼号和房号" in resident.say("我想绑定住户")
    assert "姓名" in resident.say("3号楼502室")
    assert "后四位" in resident.say("李梅")
    assert "绑定成功" in resident.say("5502")
    assert bound_household(store_of, "o_steps") == "3-502"


@pytest.mark.parametrize("fix", ["不对，名字是张三", "名字说错了，是张三", "名字不对，是张三", "名字改成张三",
                                 "不对，是张三"])
def test_a_name_corrected_while_the_phone_is_asked_is_taken(runtime: Runtime, store_of, fix: str) -> None:
    resident = Resident(runtime, "o_fix_name")
    resident.say("我想绑定住户")
    resident.say("3-502")
    assert "后四位" in resident.say("李四")  # not who is registered there
    assert "后四位" in resident.say(fix)
    assert "绑定成功" in resident.say("1234")
    assert bound_household(store_of, "o_fix_name") == "3-502"


def test_a_flat_corrected_while_the_phone_is_asked_is_taken(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_fix_flat")
    resident.say("我想绑定住户")
    resident.say("3-503")
    resident.say("张三")
    assert "后四位" in resident.say("房号写错了，是3-502")
    assert "绑定成功" in resident.say("1234")
    assert bound_household(store_of, "o_fix_flat") == "3-502"


def test_wrong_phone_digits_do_not_bind(runtime: Runtime, store_of) -> None:
    reply = Resident(runtime, "o_wrong").say("绑定 3-502 张三 9999")
    assert "对不上" in reply
    assert bound_household(store_of, "o_wrong") is None


def test_unknown_flat_is_reported(runtime: Runtime) -> None:
    assert "没有找到" in Resident(runtime, "o_nowhere").say("绑定 99-999 张三 1234")


def test_too_many_failures_hand_binding_to_staff(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_guess")
    replies = [resident.say(f"绑定 3-502 张三 {n:04d}") for n in range(5)]
    assert "工作人员" in replies[-1]
    assert "工作人员" in resident.say("绑定 3-502 张三 1234")  # even the right digits wait for staff now
    assert bound_household(store_of, "o_guess") is None
    with store_of() as store:
        assert [e.reason for e in store.escalations.list()] == ["binding"]


def test_one_time_code_binds_once(runtime: Runtime, store_of) -> None:
    assert "绑定成功" in Resident(runtime, "o_code1").say("绑定 K7Q2MX")
    assert bound_household(store_of, "o_code1") == "1-202"
    assert "绑定成功" not in Resident(runtime, "o_code2").say("绑定 K7Q2MX")


def test_already_bound_resident_is_told_so(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_twice")
    resident.say("绑定 3-502 张三 1234")
    assert "已经绑定" in resident.say("绑定住户")


def test_the_binding_command_works_whatever_the_nlu_makes_of_it(runtime: Runtime, store_of) -> None:
    read_every_message_as(runtime, "out_of_scope", 0.9)
    assert "绑定成功" in Resident(runtime, "o_cmd").say("绑定 3-502 张三 1234")
    assert bound_household(store_of, "o_cmd") == "3-502"


def test_a_resident_who_cannot_remember_is_told_how_a_person_can_help(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_forgot")
    resident.say("绑定 3-502")
    hint = resident.say("不知道")  # not a name: nothing is tried, no attempt is used up
    assert "回复“人工”" in hint and "姓名" in hint
    resident.say("张三")
    hint = resident.say("不记得了")
    assert "回复“人工”" in hint and "后四位" in hint
    assert "绑定成功" in resident.say("1234")
