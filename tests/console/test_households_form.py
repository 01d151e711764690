"""The add-household form says what is wrong in Chinese: our own checks' words without pydantic's
"Value error, ", pydantic's own checks (a field left out, a list too short …) in the words of
templates/_check_words.html."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError
from starlette.testclient import TestClient

from bot.api.schemas import HouseholdIn
from bot.console.web import check_message
from tests.console.conftest import log_in

ENGLISH = ("Value error", "Field required", "List should", "Input should", "String should")


def add(console: TestClient, csrf: str, **fields: str):
    form = {"building": "14", "unit": "", "room": "1401", "name_0": "陶红", "phone_0": "13914141401",
            "csrf_token": csrf}
    form.update(fields)
    return console.post("/console/households", data=form)


def alert(page: str) -> str:
    start = page.index('<p class="error" role="alert">')
    return page[start:page.index("</p>", start)]


@pytest.fixture
def staff(console: TestClient, member: Callable) -> str:
    member("tao", "staff")
    return log_in(console, "tao")


@pytest.mark.parametrize(("fields", "shown"), [
    ({"building": ""}, "没有添加：楼号 — 请填写，如 3 或 502"),
    ({"room": "5-02"}, "没有添加：房号 — 请用阿拉伯数字（可带字母），如 3 或 502"),
    ({"name_0": "", "phone_0": ""}, "没有添加：成员 — 至少要填 1 项"),
    ({"name_0": ""}, "没有添加：姓名 — 请填写姓名"),
    ({"phone_0": "1391414"}, "没有添加：电话 — 应为 11 位手机号（如 13912345678）或带区号的座机（如 021-62345678）"),
    ({"phone_0": "139-1414-140x"}, "没有添加：电话 — 电话号码只能是数字：手机 11 位，座机带区号"),
])
def test_a_wrong_or_empty_field_is_named_in_chinese(console: TestClient, staff: str, store_of: Callable,
                                                    fields: dict[str, str], shown: str) -> None:
    answer = add(console, staff, **fields)
    assert answer.status_code == 422
    said = alert(answer.text)
    assert shown in said and not any(english in said for english in ENGLISH)
    with store_of() as store:
        assert store.households.find_by_address("14", "1401") == []


def test_a_flat_already_on_the_roster_is_refused_in_chinese(console: TestClient, staff: str,
                                                           store_of: Callable) -> None:
    assert add(console, staff).status_code == 303
    with store_of() as store:
        [flat] = store.households.find_by_address("14", "1401")
    again = add(console, staff, name_0="陶明", phone_0="13914141402")
    assert again.status_code == 409
    assert f"没有添加：房号 — 14-1401 已在住户名册中（住户编号 {flat.id}）" in alert(again.text)


class _Probe(BaseModel):
    count: int
    title: Annotated[str, Field(max_length=5)] = ""
    items: Annotated[list[int], Field(min_length=2)] = [0, 0]
    price: Annotated[Decimal, Field(gt=0)] = Decimal(1)
    kind: Literal["a", "b"] = "a"


def _first(**values: object) -> dict:
    with pytest.raises(ValidationError) as refused:
        _Probe.model_validate(values)
    return dict(refused.value.errors()[0])


@pytest.mark.parametrize(("values", "said"), [
    ({}, "请填写"),
    ({"count": "几个"}, "应为整数"),
    ({"count": 1, "title": "一二三四五六"}, "最多 5 个字"),
    ({"count": 1, "items": [1]}, "至少要填 2 项"),
    ({"count": 1, "price": 0}, "应大于 0"),
    ({"count": 1, "kind": "c"}, "不是可选的值，请重新选择"),
])
def test_pydantics_own_checks_are_said_in_the_words_of_the_template(values: dict, said: str) -> None:
    assert check_message(_first(**values)) == said


def test_our_own_checks_lose_pydantics_prefix_and_anything_else_has_a_chinese_fallback() -> None:
    with pytest.raises(ValidationError) as refused:
        HouseholdIn.model_validate({"building": "3", "room": "502", "members": [{"name": "陶红", "phone": ""}]})
    assert check_message(refused.value.errors()[0]) == "请填写电话号码"
    assert check_message({"type": "some_new_check", "msg": "Something English"}) == "填写的内容不对，请检查"
    assert check_message({"type": "too_short", "msg": "List should …", "ctx": {}}) == "填写的内容不对，请检查"
