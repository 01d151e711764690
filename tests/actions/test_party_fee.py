"""party_fee (党费缴纳): a party member's months, paid and unpaid, and where to pay; a kind word
and no amount for a resident who is not a member; binding first; reminders once per fee."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from actions.party.fees import remind_unpaid_fees
from bot.jobs import JobContext
from bot.runtime import Runtime
from tests.bills_data import ZONE, label, month, today
from tests.community_support import bound, household_at
from tests.love_support import LI, ZHANG, add_fee, fee, keys, pushes
from tests.pay_env import without_pay
from tests.talk import Resident


@pytest.fixture(autouse=True)
def no_pay(monkeypatch: pytest.MonkeyPatch) -> None:
    without_pay(monkeypatch)


@pytest.fixture
def li_fees(store_of) -> dict[str, int]:
    """李四 (5-1-301, a party member) owes this month and two months ago; last month is paid."""
    home = household_at(store_of, "5-1-301")
    return {"now": add_fee(store_of, home, "李四", month(), 3000),
            "last": add_fee(store_of, home, "李四", month(-1), 3000, paid=True),
            "before": add_fee(store_of, home, "李四", month(-2), 3000)}


def test_a_member_sees_what_is_owed_what_is_paid_and_where_to_pay(runtime: Runtime, li_fees: dict[str, int]) -> None:
    resident = bound(runtime, "o_li", LI)
    reply = resident.say("党费")
    assert reply.startswith("李四同志的党费")
    assert f"{label(month())} 30.00元，未交" in reply and f"{label(month(-2))} 30.00元，未交" in reply
    assert f"{label(month(-1))} 30.00元，已交" in reply
    assert "还有 2 个月没交，合计 60.00 元" in reply
    assert "社区党群服务站" in reply and "工作日 9:00–17:00" in reply and "party.offline" in keys(resident)
    assert resident.options == ["党员联系"]


def test_someone_who_is_not_a_member_is_told_kindly_with_no_amount(runtime: Runtime, store_of) -> None:
    add_fee(store_of, household_at(store_of, "3-502"), "李梅", month(), 3000)  # a slip of staff's: still not shown
    resident = bound(runtime, "o_zhang", ZHANG)
    reply = resident.say("我要交党费")
    assert keys(resident) == ("party.not_member",) and "不用交党费" in reply
    assert not re.search(r"\d+(?:\.\d+)?\s*元", reply) and "30.00" not in reply


def test_a_member_with_nothing_recorded_gets_no_invented_amount(runtime: Runtime) -> None:
    resident = bound(runtime, "o_li_none", LI)
    reply = resident.say("党费多少钱")
    assert keys(resident) == ("party.none_recorded",) and "社区党群服务站" in reply
    assert not re.search(r"\d+(?:\.\d+)?\s*元", reply)


def test_an_unbound_resident_binds_first(runtime: Runtime, li_fees: dict[str, int]) -> None:
    resident = Resident(runtime, "o_li_unbound")
    assert "绑定" in resident.say("这个月党费交了吗")
    reply = resident.say(LI)
    assert "绑定成功" in reply and "李四同志的党费" in reply and "60.00" in reply


def test_a_month_with_no_fee_is_said_and_paid_months_answer_all_paid(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "5-1-301")
    add_fee(store_of, home, "李四", month(-1), 1250, paid=True)
    resident = bound(runtime, "o_li_paid", LI)
    reply = resident.say("党费交清了吗")
    assert "都已交清" in reply and "12.50元，已交" in reply
    asked = resident.say(f"{int(month(-3)[5:])}月份的党费")
    assert f"没有查到{label(month(-3))}的党费记录" in asked


def at_local(day: int, hour: int = 10) -> datetime:
    """This month's ``day`` at ``hour`` in Shanghai, as the job's clock."""
    this = today()
    return datetime(this.year, this.month, day, hour, tzinfo=ZONE).astimezone(UTC)


def test_unpaid_fees_are_recalled_once_from_the_reminder_day(runtime: Runtime, store_of,
                                                             li_fees: dict[str, int]) -> None:
    bound(runtime, "o_li_remind", LI)
    bound(runtime, "o_zhang_remind", ZHANG)
    assert remind_unpaid_fees(JobContext(runtime, at_local(9))) == 0  # before the 10th: nothing yet
    assert remind_unpaid_fees(JobContext(runtime, at_local(10))) == 2  # this month and two months ago
    assert remind_unpaid_fees(JobContext(runtime, at_local(11))) == 0
    reminders = [text for text in pushes(store_of, "o_li_remind") if "党费提醒" in text]
    assert len(reminders) == 2 and all("30.00元" in text for text in reminders)
    assert pushes(store_of, "o_zhang_remind") == []
    assert fee(store_of, li_fees["last"]).reminded_at is None  # paid: never recalled
    assert fee(store_of, li_fees["now"]).reminded_at is not None


def test_a_member_nobody_bound_as_is_recalled_once_they_bind(runtime: Runtime, store_of,
                                                             li_fees: dict[str, int]) -> None:
    assert remind_unpaid_fees(JobContext(runtime, at_local(12))) == 0
    assert fee(store_of, li_fees["now"]).reminded_at is None
    bound(runtime, "o_li_later", LI)
    later = at_local(12) + timedelta(days=1)
    assert remind_unpaid_fees(JobContext(runtime, later)) == 2
