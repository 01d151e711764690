"""Entity extraction: every form of nlu/README.md's entity table, values normalised relative to
the reference day Wednesday 2026-11-25, offsets into the original text."""
from __future__ import annotations

from datetime import date

import pytest

from nlu import Entity, extract_entities

TODAY = date(2026, 11, 25)


def values(text: str, today: date = TODAY) -> set[tuple[str, object]]:
    return {(e.entity, e.value) for e in extract_entities(text, today)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # relative days
        ("今天天气怎么样", "2026-11-25"),
        ("明天会下雨吗", "2026-11-26"),
        ("后天要带伞吗", "2026-11-27"),
        ("大后天呢", "2026-11-28"),
        ("昨天报的修", "2026-11-24"),
        ("明儿个天气", "2026-11-26"),
        ("明朝落雨伐", "2026-11-26"),
        ("今晚冷不冷", "2026-11-25"),
        # weekdays: bare = next occurrence on or after today
        ("周六有活动吗", "2026-11-28"),
        ("周三的讲座", "2026-11-25"),
        ("周一开会", "2026-11-30"),
        ("星期天", "2026-11-29"),
        ("礼拜五去", "2026-11-27"),
        # this / next / the week after next calendar week
        ("这周五", "2026-11-27"),
        ("这周一", "2026-11-23"),
        ("本周日", "2026-11-29"),
        ("下周三的讲座", "2026-12-02"),
        ("下周一", "2026-11-30"),
        ("下个星期六", "2026-12-05"),
        ("下下周一", "2026-12-07"),
        # the 下 of 一下 is not "next"
        ("查一下周五的天气", "2026-11-27"),
        ("帮我报一下下周六的讲座", "2026-12-05"),
        # month + day: the nearest such date
        ("12月3号的讲座", "2026-12-03"),
        ("十二月三号", "2026-12-03"),
        ("11月20日", "2026-11-20"),
        ("1月5号", "2027-01-05"),
        ("2027年1月5日", "2027-01-05"),
        ("3号那天", "2026-12-03"),
        ("20号", "2026-11-20"),
        ("下个月3号", "2026-12-03"),
        # the start or end of a month or year, which jionlp does not parse
        ("月底交物业费", "2026-11-30"),
        ("这个月底之前", "2026-11-30"),
        ("下个月初", "2026-12-01"),
        ("上月底", "2026-10-31"),
        ("12月底", "2026-12-31"),
        ("二月底", "2027-02-28"),
        ("年底有联欢会吗", "2026-12-31"),
        ("明年初", "2027-01-01"),
        # traditional characters
        ("後天天氣", "2026-11-27"),
        # Shanghainese: 今朝 / 明朝 / 后日 are today / tomorrow / the day after
        ("今朝有啥活动", "2026-11-25"),
        ("明朝要落雨伐", "2026-11-26"),
        ("后日下半天", "2026-11-27"),
    ],
)
def test_date_is_normalised_relative_to_today(text: str, expected: str) -> None:
    assert ("date", expected) in values(text)


def test_every_weekday_is_not_a_date() -> None:
    assert values("每周六都有活动吗") == set()


def test_bare_weekday_on_that_weekday_is_today() -> None:
    saturday = date(2026, 11, 28)
    assert values("周六", saturday) == {("date", "2026-11-28")}
    assert values("这周一", date(2026, 11, 29)) == {("date", "2026-11-23")}


def test_month_day_near_year_end_picks_the_nearest_year() -> None:
    assert values("12月28号", date(2027, 1, 3)) == {("date", "2026-12-28")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这个月物业费多少", "2026-11"),
        ("本月账单", "2026-11"),
        ("上个月水费", "2026-10"),
        ("上月电费", "2026-10"),
        ("下个月的停车费", "2026-12"),
        ("10月份的电费", "2026-10"),
        ("十月份", "2026-10"),
        ("12月份", "2026-12"),       # one month ahead stays this year
        ("1月份的水费", "2026-01"),
        ("今年3月", "2026-03"),
        ("去年12月的燃气费", "2025-12"),
        ("2025年10月", "2025-10"),
    ],
)
def test_period_is_a_month(text: str, expected: str) -> None:
    assert ("period", expected) in values(text)


def test_month_more_than_one_ahead_is_last_year() -> None:
    assert values("3月份", date(2026, 1, 10)) == {("period", "2025-03")}


def test_month_with_a_day_is_a_date_not_a_period() -> None:
    assert values("12月3号") == {("date", "2026-12-03")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我是3号楼502的业主", {("building", "3"), ("room", "502")}),
        ("3号楼502室", {("building", "3"), ("room", "502")}),
        ("5栋1单元301", {("building", "5"), ("unit", "1"), ("room", "301")}),
        ("三号楼", {("building", "3")}),
        ("十二幢", {("building", "12")}),
        ("三号楼二单元五零二", {("building", "3"), ("unit", "2"), ("room", "502")}),
        ("绑定 3-502 张三 1234", {("building", "3"), ("room", "502")}),
        ("5-1-301", {("building", "5"), ("unit", "1"), ("room", "301")}),
        ("12幢1201", {("building", "12"), ("room", "1201")}),
        ("502室漏水", {("room", "502"), ("repair_category", "water_leak")}),
        ("2单元的灯坏了", {("unit", "2"), ("repair_category", "lighting")}),
        ("喂 我要绑定 十一号楼302 周九 尾号1357", {("building", "11"), ("room", "302")}),
        ("三號樓", {("building", "3")}),
        # building + room without 室
        ("10栋301", {("building", "10"), ("room", "301")}),
        ("绑定 我住10栋301 尾号1188", {("building", "10"), ("room", "301")}),
        ("十栋三零一", {("building", "10"), ("room", "301")}),
        ("7幢1503漏水", {("building", "7"), ("room", "1503")}),
    ],
)
def test_building_unit_room_are_arabic_digit_strings(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= values(text)


@pytest.mark.parametrize("text", ["我住3楼", "1234", "我有300积分", "1号线地铁"])
def test_a_bare_number_or_floor_is_not_an_address(text: str) -> None:
    assert not {name for name, _ in values(text)} & {"building", "unit", "room"}


@pytest.mark.parametrize(
    "text", ["13912345678", "电话139 1234 5678", "手机139-1234-5678", "号码是１３９１２３４５６７８",
             "幺三九一二三四五六七八"],
)
def test_phone_is_eleven_digits(text: str) -> None:
    assert ("phone", "13912345678") in values(text)


def test_phone_digits_are_not_read_as_an_address_or_date() -> None:
    assert values("3号楼13912345678") == {("building", "3"), ("phone", "13912345678")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("两个人", 2), ("3位", 3), ("一家五口都去", 5), ("我们三个报名", 3), ("我和老伴", 2),
        ("我跟我老婆一起", 2), ("我和老伴还有孙子", 3), ("两个大人一个小孩", 3), ("一大两小", 3),
        ("就我自己", 1), ("我一个人去", 1), ("我们俩", 2), ("阿拉两家头", 2), ("报名人数改成4个", 4),
        ("五位老人", 5),
        # Shanghainese and mixed forms
        ("两家头", 2), ("三家头来", 3), ("两大一小", 3), ("我们仨", 3), ("我和我妈", 2),
        ("大人两个小孩一个", 3), ("大人2位、小孩1位", 3), ("我搭我老伴一道去", 2),
    ],
)
def test_count_is_an_integer(text: str, expected: int) -> None:
    assert ("count", expected) in values(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("物业费多少", {"物业费"}), ("管理费交了吗", {"物业费"}), ("物業費", {"物业费"}),
        ("车位费", {"停车费"}), ("停车费怎么交", {"停车费"}), ("自来水费", {"水费"}),
        ("电费", {"电费"}), ("煤气费", {"燃气费"}), ("天然气费", {"燃气费"}),
        ("水电费", {"水费", "电费"}),
    ],
)
def test_bill_type_is_the_chinese_name(text: str, expected: set[str]) -> None:
    assert {v for name, v in values(text) if name == "bill_type"} == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("厨房水管漏水", "water_leak"), ("水龙头一直滴水", "water_leak"), ("天花板渗水", "water_leak"),
        ("马桶堵了", "drain_blocked"), ("下水道堵塞", "drain_blocked"), ("家里没水了", "water_supply"),
        ("水压太小", "water_supply"), ("停电了", "electrical"), ("跳闸了", "electrical"),
        ("燃气", "gas"), ("有煤气味", "gas"), ("电梯坏了", "elevator"), ("被困电梯", "elevator"),
        ("楼道灯不亮", "lighting"), ("路灯坏了", "lighting"), ("单元门关不上", "door_window"),
        ("门禁坏了", "door_window"), ("墙皮脱落", "wall_roof"), ("屋顶漏雨", "wall_roof"),
        ("健身器材坏了", "public_facility"), ("井盖松了", "public_facility"), ("電梯壞了", "elevator"),
        ("晾衣架掉下来了", "other"), ("下周二停气", "gas"),
    ],
)
def test_repair_category_is_a_code(text: str, expected: str) -> None:
    assert ("repair_category", expected) in values(text)


def test_gas_bill_is_a_bill_type_not_a_gas_repair() -> None:
    assert values("燃气费") == {("bill_type", "燃气费")}


def test_offsets_index_the_original_text_even_after_normalisation() -> None:
    text = "阿拉屋里厢 下周三 三號樓五零二室 电话１３９-1234-5678"
    for entity in extract_entities(text, TODAY):
        assert text[entity.start:entity.end] == entity.text
    spans = {e.entity: text[e.start:e.end] for e in extract_entities(text, TODAY)}
    assert spans["date"] == "下周三"
    assert spans["building"] == "三號樓"
    assert spans["room"] == "五零二室"
    assert spans["phone"] == "１３９-1234-5678"


def test_entities_are_sorted_by_position() -> None:
    found = extract_entities("明天 3号楼 两个人", TODAY)
    assert [e.start for e in found] == sorted(e.start for e in found)
    assert all(isinstance(e, Entity) for e in found)


def test_no_entities_in_plain_chat() -> None:
    assert extract_entities("你好", TODAY) == []


def test_entities_yml_wins_over_lexicon_yml_for_a_word_both_name() -> None:
    """The training data's own synonyms are the data's statement: where nlu/lexicon.yml maps a
    word elsewhere, entities.yml's value is the one extracted (and 晾衣架 is ``other``)."""
    from nlu.lexicon import DEFAULT_DATA_DIR, _rasa_lookups, load_lexicon

    data = _rasa_lookups(DEFAULT_DATA_DIR)
    lookups = load_lexicon().lookups
    for entity, words in data.items():
        for word, value in words.items():
            assert lookups[entity][word] == value, word
    assert lookups["repair_category"]["晾衣架"] == ("other",)


def test_a_repeated_mention_is_reported_each_time() -> None:
    found = extract_entities("闻到一股煤气味，是不是漏气了", TODAY)
    assert [(e.entity, e.value, e.text) for e in found] == [
        ("repair_category", "gas", "煤气味"), ("repair_category", "gas", "漏气")]
    dates = [e for e in extract_entities("喂 明天 明天天气怎么样", TODAY) if e.entity == "date"]
    assert [(e.value, e.start) for e in dates] == [("2026-11-26", 2), ("2026-11-26", 5)]


def test_a_day_trip_is_not_a_date() -> None:
    assert not [e for e in extract_entities("我想报名一日游", TODAY) if e.entity == "date"]
    assert not [e for e in extract_entities("两日游多少钱", TODAY) if e.entity == "date"]
    assert ("date", "2026-12-01") in values("1日去春游")


@pytest.mark.parametrize("text", ["燃气账单", "煤气帐单来了没", "燃氣賬單"])
def test_a_gas_bill_is_a_bill_type_not_a_gas_repair(text: str) -> None:
    assert values(text) == {("bill_type", "燃气费")}


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("我跟我老婆两个人", 2, "我跟我老婆两个人"),
        ("我和老伴一共三个人去", 3, "我和老伴一共三个人"),
        ("我和老伴俩报名", 2, "我和老伴俩"),
        ("两个人，我和老伴", 2, "两个人，我和老伴"),
        ("老两口报名", 2, "老两口"),
        ("我们老两口想去", 2, "老两口"),
        ("小两口一起来", 2, "小两口"),
        ("我们两个人", 2, "我们两个人"),
    ],
)
def test_who_and_how_many_said_together_is_one_count(text: str, value: int, span: str) -> None:
    counts = [e for e in extract_entities(text, TODAY) if e.entity == "count"]
    assert [(e.value, text[e.start:e.end]) for e in counts] == [(value, span)]


def test_binding_typed_with_full_width_digits_and_ideographic_spaces() -> None:
    text = "绑定　３－５０２　张三　１２３４"
    found = {e.entity: e for e in extract_entities(text, TODAY)}
    assert set(found) == {"building", "room"}
    assert (found["building"].value, text[found["building"].start:found["building"].end]) == ("3", "３")
    assert (found["room"].value, text[found["room"].start:found["room"].end]) == ("502", "５０２")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("３号楼　５单元　７０１室", {("building", "3"), ("unit", "5"), ("room", "701")}),
        ("绑定 3 - 502", {("building", "3"), ("room", "502")}),
        ("绑定  5-1-301  王五", {("building", "5"), ("unit", "1"), ("room", "301")}),
        ("电话：１３９　１２３４　５６７８", {("phone", "13912345678")}),
        ("电话 幺三九 一二三四 五六七八", {("phone", "13912345678")}),
    ],
)
def test_phone_keyboard_spacing_and_widths(text: str, expected: set[tuple[str, object]]) -> None:
    assert values(text) == expected
    for entity in extract_entities(text, TODAY):
        assert text[entity.start:entity.end] == entity.text
