"""merchant (便民服务): residents find a tradesman or a shop in their own words or by digits,
with the business's phone in full; nothing found is said so, with the directory and a person
offered."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from actions.merchants import business_phone, demo, rank, shown_phone
from bot.runtime import Runtime
from store.clock import utcnow
from store.merchants import MerchantRepository, NewMerchant
from tests.talk import Resident, read_every_message_as
from tests.wechat_client import WeChatServer, new_msg_id, text_xml

DIRECTORY = (
    NewMerchant("老周开锁换锁", "开锁", "13917000001", "长寿路 388 号", "24 小时", ("修锁", "换锁芯", "配钥匙")),
    NewMerchant("李师傅修鞋", "修鞋", "13917000002", "小区东门外", "8:00–18:00", ("换鞋跟", "修拉链", "配钥匙")),
    NewMerchant("清泉桶装水", "送水", "02162018801", "武宁路 120 弄", "7:30–20:00", ("桶装水", "送水上门")),
    NewMerchant("惠民家电维修", "家电维修", "13917000004", "曹杨路 560 号", "9:00–19:00", ("空调", "洗衣机", "冰箱")),
    NewMerchant("仁心大药房", "药店", "02162018802", "长寿路 402 号", "24 小时", ("买药",)),
)


@pytest.fixture
def directory(store_of: Callable) -> None:
    with store_of() as store:
        for entry in DIRECTORY:
            store[MerchantRepository].add(entry, utcnow())


def reply_to(runtime: Runtime, words: str, openid: str = "o_merchant") -> tuple[str, tuple[str, ...]]:
    resident = Resident(runtime, openid)
    text = resident.say(words)
    assert resident.last is not None
    return text, resident.last.keys


@pytest.mark.parametrize(("words", "name", "phone"), [
    ("附近有修锁的吗", "老周开锁换锁", "13917000001"),
    ("开锁", "老周开锁换锁", "13917000001"),
    ("钥匙锁在家里了，开锁师傅电话多少", "老周开锁换锁", "13917000001"),
    ("哪里能修鞋", "李师傅修鞋", "13917000002"),
    ("送水电话", "清泉桶装水", "021-62018801"),
    ("家电维修", "惠民家电维修", "13917000004"),
    ("修空调的电话", "惠民家电维修", "13917000004"),
    ("附近的药店", "仁心大药房", "021-62018802"),
])
def test_residents_find_merchants_in_their_own_words(runtime: Runtime, directory: None, words: str, name: str,
                                                     phone: str) -> None:
    text, keys = reply_to(runtime, words)
    assert keys == ("merchants.found",)
    first = text.split("【")[1]
    assert first.startswith(name) and phone in first  # the best match first, its number in full
    assert "****" not in text


def test_the_best_few_are_shown_not_everything_that_shares_a_word(runtime: Runtime, directory: None) -> None:
    text, _ = reply_to(runtime, "附近有修锁的吗")
    assert "老周开锁换锁" in text and "清泉桶装水" not in text and "仁心大药房" not in text
    assert "长寿路 388 号" in text and "24 小时" in text


def test_by_digits_the_directory_then_a_category(runtime: Runtime, directory: None) -> None:
    resident = Resident(runtime, "o_digits")
    resident.say("便民服务")
    assert resident.options[:5] == ["开锁", "修鞋", "送水", "家电维修", "药店"]
    text = resident.say("3")
    assert "清泉桶装水" in text and "021-62018801" in text and "老周" not in text


def test_nothing_found_is_said_with_the_directory_and_a_person_offered(runtime: Runtime, directory: None,
                                                                      store_of: Callable) -> None:
    resident = Resident(runtime, "o_umbrella")
    text = resident.say("附近有修伞的吗")
    assert resident.last is not None and resident.last.keys == ("merchants.none",)
    assert "修伞" in text and resident.options == ["看看所有便民服务", "人工服务", "查看菜单"]
    resident.say("1")
    assert "开锁" in resident.options
    resident.say("附近有修伞的吗")
    resident.say("2")
    with store_of() as store:
        assert store.escalations.open_for("o_umbrella") is not None


def test_a_mere_guess_that_it_is_about_a_shop_names_no_missing_shop(runtime: Runtime, directory: None) -> None:
    read_every_message_as(runtime, "merchant", 0.33)
    resident = Resident(runtime, "o_rubbish")
    text = resident.say("垃圾几点收")
    assert resident.last is not None and resident.last.keys == ("merchants.unsure",)
    assert "垃圾收" not in text and resident.options == ["看看所有便民服务", "人工服务", "查看菜单"]
    assert "开锁" in resident.say("有没有开锁的")  # a service the directory has is found all the same


def test_a_switched_off_merchant_is_not_shown(runtime: Runtime, directory: None, store_of: Callable) -> None:
    with store_of() as store:
        repository = store[MerchantRepository]
        repository.change(repository.named("清泉桶装水", "02162018801"), utcnow(), active=False)
    text, keys = reply_to(runtime, "送水电话")
    assert "清泉桶装水" not in text and keys == ("merchants.none",)


def test_an_empty_directory_offers_a_person(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_empty")
    resident.say("开锁电话多少")
    assert resident.last is not None and resident.last.keys == ("merchants.empty",)
    assert resident.options == ["人工服务"]


def test_a_service_the_nlu_could_not_place_is_still_found(runtime: Runtime, directory: None) -> None:
    resident = Resident(runtime, "o_shop")
    text = resident.say("大药房")
    assert "仁心大药房" in text


def test_through_the_webhook_a_retry_gets_the_same_answer(wechat: WeChatServer, directory: None) -> None:
    msg_id = new_msg_id()
    first = wechat.post(text_xml("o_wx_merchant", "附近有修锁的吗", msg_id), safe=True)
    again = wechat.post(text_xml("o_wx_merchant", "附近有修锁的吗", msg_id), safe=True)
    assert first.content == again.content and "13917000001" in first.content


def test_ranking_prefers_the_service_itself_to_one_that_offers_it_on_the_side() -> None:
    from actions.merchants import MerchantSettings
    from store.merchants import Merchant

    entries = [Merchant(id=i, name=e.name, category=e.category, phone=e.phone, tags=list(e.tags))
               for i, e in enumerate(DIRECTORY, start=1)]
    table = MerchantSettings().table()
    assert [f.merchant.name for f in rank("修锁", entries, table)] == ["老周开锁换锁"]
    assert {f.merchant.name for f in rank("配钥匙", entries, table)} == {"老周开锁换锁", "李师傅修鞋"}
    assert rank("今天天气", entries, table) == []


def test_business_phones_are_kept_as_digits_and_shown_so_wechat_can_dial_them() -> None:
    assert business_phone("021-6201 8801") == "02162018801" and shown_phone("02162018801") == "021-62018801"
    assert shown_phone("057188001234") == "0571-88001234"
    assert business_phone("+86 139-1700-0001") == shown_phone("13917000001") == "13917000001"
    with pytest.raises(ValueError):
        business_phone("1234")


def test_the_demo_directory_is_a_dozen_merchants_loaded_once(store_of: Callable) -> None:
    with store_of() as store:
        assert demo(store, date(2026, 11, 25)) >= 12
        assert demo(store, date(2026, 11, 25)) == 0
        categories = {m.category for m in store[MerchantRepository].list()}
    assert {"开锁", "修鞋", "送水", "家电维修", "保洁", "快递驿站", "药店"} <= categories


def test_an_entry_changed_by_staff_is_ranked_by_its_new_words(runtime: Runtime, directory: None,
                                                               store_of: Callable) -> None:
    assert "仁心大药房" in reply_to(runtime, "附近的药店")[0]  # its words are now known
    with store_of() as store:
        repository = store[MerchantRepository]
        pharmacy = repository.named("仁心大药房", "02162018802")
        assert pharmacy is not None
        repository.change(pharmacy, utcnow(), name="仁心便利店", category="便利店", tags=["日用品"])
    text = reply_to(runtime, "附近的药店", openid="o_merchant_after")[0]
    assert "仁心" not in text
    assert "仁心便利店" in reply_to(runtime, "便利店", openid="o_merchant_store")[0]
