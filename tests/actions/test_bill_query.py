"""bill_query: a bound household's bills by month, year and kind of fee, arrears, in short lines
with totals and numbered next steps — asked in words, by digits, unbound, and wrongly."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.bills_data import bill, household, label, month, today
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id, text_xml


@pytest.fixture
def flat(store_of) -> int:
    """A household of two people with bills over three months (nothing else is in it)."""
    home = household(store_of, "87", "101", name="王小明", phone="13900001234")
    bill(store_of, home, month(), "物业费", 35000)
    bill(store_of, home, month(), "水费", 6640)
    bill(store_of, home, month(-1), "物业费", 35000, paid=True)
    bill(store_of, home, month(-1), "水费", 5810, due_in_days=-5)  # overdue
    bill(store_of, home, month(-1), "电费", 16080, paid=True)
    bill(store_of, home, month(-2), "物业费", 35000, paid=True)
    return home


@pytest.fixture
def resident(runtime: Runtime, flat: int) -> Resident:
    talker = Resident(runtime, "o_bills")
    assert "绑定成功" in talker.say("绑定 87-101 王小明 1234")
    return talker


def test_this_months_property_fee_in_words(resident: Resident) -> None:
    reply = resident.say("这个月物业费多少")
    assert "bills.header_month" in resident.last.keys
    assert "350.00" in reply and "未交" in reply and "66.40" not in reply  # only the fee asked about
    assert resident.options[0] == "缴费"


def test_last_months_water_shows_it_is_overdue(resident: Resident) -> None:
    reply = resident.say("上个月水费")
    assert f"{label(month(-1))}水费 58.10元" in reply and "已过期" in reply
    assert "350.00" not in reply


def test_a_month_named_by_its_number(runtime: Runtime, resident: Resident) -> None:
    period = runtime.nlu.parse("上上个月的账单", today()).entity("period")
    assert period == month(-2)
    reply = resident.say("上上个月的账单")
    assert "350.00元，已交" in reply and "都已交清" in reply


def test_a_whole_year_is_one_line_per_fee_with_totals(runtime: Runtime, store_of) -> None:
    home = household(store_of, "87", "105", name="吴一", phone="13900006666")
    year = today().year
    for number in (1, 2, 3):
        bill(store_of, home, f"{year}-{number:02d}", "物业费", 35000, paid=number < 3)
    bill(store_of, home, f"{year}-02", "水费", 5810)
    bill(store_of, home, f"{year - 1}-12", "物业费", 35000)  # last year: not counted
    talker = Resident(runtime, "o_bills_year")
    talker.say("绑定 87-105 吴一 6666")
    reply = talker.say("今年的账单")
    assert "bills.header_year" in talker.last.keys
    assert "物业费 3笔，共1050.00元，未交350.00元" in reply and "水费 1笔，共58.10元，未交58.10元" in reply
    assert "合计 1108.10 元：已交 700.00 元，未交 408.10 元。" in reply
    last_year = talker.say("去年的物业费")
    assert "物业费 1笔，共350.00元" in last_year and f"{year - 1}年" in last_year


def test_arrears_count_only_unpaid_bills(resident: Resident) -> None:
    reply = resident.say("我欠费吗")
    assert "bills.header_unpaid" in resident.last.keys
    assert "共 3 笔没交，合计 474.50 元" in reply  # 350.00 + 66.40 + 58.10; paid bills are not arrears
    assert "已交" not in reply


def test_no_arrears_when_everything_is_paid(runtime: Runtime, store_of) -> None:
    home = household(store_of, "87", "102", name="周大海", phone="13900005555")
    bill(store_of, home, month(-1), "物业费", 35000, paid=True)
    talker = Resident(runtime, "o_bills_paid")
    talker.say("绑定 87-102 周大海 5555")
    reply = talker.say("我家有没有欠费")
    assert "bills.no_arrears" in talker.last.keys and "没有欠费" in reply
    assert "缴费" not in talker.options


def test_the_plain_word_shows_the_latest_month_and_older_unpaid_bills(resident: Resident) -> None:
    reply = resident.say("账单")
    assert "bills.header_recent" in resident.last.keys
    assert f"{label(month())}物业费" in reply and f"{label(month(-1))}水费 58.10元" in reply
    assert f"{label(month(-1))}电费" not in reply  # paid, and not the latest month
    assert "合计 474.50 元，都还没交。" in reply


def test_digits_alone_walk_through_the_months_and_to_paying(resident: Resident) -> None:
    resident.say("账单")
    assert resident.options[:3] == ["缴费", f"看{label(month(-1))}的账单", "只看没交的"]
    earlier = resident.say("2")
    assert f"{label(month(-1))}电费 160.80元，已交" in earlier
    assert resident.options[1] == f"看{label(month(-2))}的账单"
    older = resident.say("2")
    assert f"{label(month(-2))}物业费 350.00元，已交" in older
    unpaid = resident.say("3")
    assert "共 3 笔没交" in unpaid
    paying = resident.say("1")
    assert "bills.pay_head" in resident.last.keys and "474.50" in paying


def test_an_unbound_resident_binds_first_and_then_gets_the_answer(runtime: Runtime, flat: int) -> None:
    talker = Resident(runtime, "o_bills_unbound")
    first = talker.say("上个月水费多少")
    assert "绑定" in first and "58.10" not in first
    reply = talker.say("绑定 87-101 王小明 1234")
    assert "绑定成功" in reply and f"{label(month(-1))}水费 58.10元" in reply
    assert "350.00" not in reply  # the question asked, not the whole list


def test_a_month_that_does_not_exist_is_said_so_with_choices(resident: Resident) -> None:
    reply = resident.say("13月的物业费")
    assert resident.last.keys[0] == "bills.bad_month" and "13月" in reply
    assert f"看{label(month(-1))}的账单" in resident.options


def test_a_fee_we_do_not_bill_is_said_so(resident: Resident) -> None:
    for asked, fee in [("暖气费多少", "暖气费"), ("这个月的网费多少", "网费"), ("我家有线电视费交了没", "有线电视费")]:
        reply = resident.say(asked)
        assert resident.last.keys[0] == "bills.unbilled", asked
        assert f"“{fee}”" in reply and "物业费" in reply


def test_a_month_without_bills(resident: Resident) -> None:
    reply = resident.say("下个月的物业费")
    assert "bills.none_for" in resident.last.keys and "没有查到" in reply
    assert resident.options  # somewhere to go from here


def test_only_the_residents_own_household_is_shown(runtime: Runtime, resident: Resident, store_of) -> None:
    neighbour = household(store_of, "87", "103", name="钱多多", phone="13900007777")
    bill(store_of, neighbour, month(), "物业费", 99900)
    reply = resident.say("查一下87号楼103的账单")
    assert "999.00" not in reply and "87-101" in reply and "bills.only_own" in resident.last.keys


def test_a_household_without_any_bill(runtime: Runtime, store_of) -> None:
    household(store_of, "87", "104", name="孙一", phone="13900008888")
    talker = Resident(runtime, "o_bills_none")
    talker.say("绑定 87-104 孙一 8888")
    assert "bills.none_at_all" in (talker.say("账单") and talker.last.keys)


def test_a_retried_question_gets_the_same_reply(wechat: WeChatServer, flat: int) -> None:
    wechat.say("o_bills_retry", "绑定 87-101 王小明 1234")
    msg_id = new_msg_id()
    first = wechat.post(text_xml("o_bills_retry", "我欠费吗", msg_id))
    again = wechat.post(text_xml("o_bills_retry", "我欠费吗", msg_id))
    assert "474.50" in first.content and again.content == first.content


@pytest.mark.parametrize("words", ["账单不对", "水费怎么这么贵", "物业费是不是算错了"])
def test_a_doubted_bill_is_shown_with_a_person_to_check_it(resident: Resident, store_of, words: str) -> None:
    reply = resident.say(words)
    assert "元" in reply and "人工服务" in resident.options  # the bills, and a person one digit away
    number = resident.options.index("人工服务") + 1
    assert f"请回复 {number}" in reply
    resident.say(str(number))
    with store_of() as store:
        assert store.escalations.open_for("o_bills") is not None


def test_a_plain_question_gets_no_person_pushed(resident: Resident) -> None:
    resident.say("上个月水费多少")
    assert "人工服务" not in resident.options


def test_this_month_before_it_is_billed_says_so_and_shows_the_latest(runtime: Runtime, store_of) -> None:
    home = household(store_of, "88", "101", name="李小红", phone="13900005678")
    bill(store_of, home, month(-1), "水费", 5810)
    bill(store_of, home, month(-1), "物业费", 35000, paid=True)
    resident = Resident(runtime, "o_not_yet")
    resident.say("绑定 88-101 李小红 5678")
    reply = resident.say("这个月水费多少")
    assert resident.last is not None and resident.last.keys[0] == "bills.not_billed_yet"
    assert "还没出" in reply and "58.10" in reply and "350.00" not in reply  # the latest water bill only
    assert resident.options[0] == "缴费"


def test_this_month_with_nothing_billed_before_says_none(runtime: Runtime, store_of) -> None:
    home = household(store_of, "88", "102", name="赵小刚", phone="13900005679")
    bill(store_of, home, month(-1), "物业费", 35000)
    resident = Resident(runtime, "o_none_yet")
    resident.say("绑定 88-102 赵小刚 5679")
    assert "没有查到" in resident.say("这个月水费多少")  # no water bill at all: nothing to show instead


@pytest.mark.parametrize("follow_up", ["交了吗", "欠多少", "付了没有"])
def test_a_follow_up_is_about_the_fee_just_asked_about(resident: Resident, follow_up: str) -> None:
    resident.say("水费多少")
    reply = resident.say(follow_up)
    assert "水费" in reply and "物业费" not in reply  # not every bill of the flat
    assert "物业费" in resident.say("账单")  # a new question, not a follow-up: everything again


def test_a_follow_up_after_another_question_is_a_question_of_its_own(resident: Resident) -> None:
    resident.say("水费多少")
    resident.say("报修进度")
    reply = resident.say("交了吗")  # about what, is no longer clear: every bill of the flat
    assert "水费" in reply and "物业费" in reply


def test_a_follow_up_long_after_is_a_question_of_its_own(runtime: Runtime, resident: Resident, store_of) -> None:
    from datetime import timedelta

    from store.clock import utcnow
    from store.models import Conversation

    resident.say("水费多少")
    with store_of() as store:
        row = store.session.get(Conversation, "o_bills")
        slots = dict(row.slots)
        slots["_bills_asked"] = {"types": ["水费"], "at": (utcnow() - timedelta(hours=1)).isoformat()}
        row.slots = slots
    assert "物业费" in resident.say("交了吗")
