"""notice: residents read the latest notices, the ones about 停水 / 停电, or one kind (党务公开,
党政学习, 微报刊) — one as a whole (an article when it has a link), several as a numbered list."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.runtime import Runtime
from store.announcements import AnnouncementRepository, NewAnnouncement
from store.clock import utcnow
from tests.talk import Resident
from tests.wechat_client import WeChatServer


def publish(store_of: Callable, title: str, body: str = "详情请看公告栏。", kind: str = "property", *,
            days_ago: float = 0, url: str | None = None) -> int:
    with store_of() as store:
        notice, _ = store[AnnouncementRepository].publish(
            NewAnnouncement(kind=kind, title=title, body=body, url=url), utcnow() - timedelta(days=days_ago))
        return notice.id


def test_latest_notices_come_as_a_numbered_list_and_a_digit_opens_one(runtime: Runtime, store_of) -> None:
    publish(store_of, "小区消杀通知", days_ago=3)
    publish(store_of, "电梯年检通知", "下周二上午 5号楼电梯年检，暂停使用。", days_ago=2)
    publish(store_of, "3号楼停水通知", days_ago=1)
    resident = Resident(runtime, "o_reader")
    reply = resident.say("最近有什么通知")
    assert resident.last is not None and resident.last.keys == ("notice.list",)
    assert [label.split(" ", 1)[1] for label in resident.options] == ["3号楼停水通知", "电梯年检通知", "小区消杀通知"]
    assert "回复数字" in reply
    opened = resident.say("2")
    assert "电梯年检通知" in opened and "暂停使用" in opened
    resident.say("最近有什么通知")
    assert "1 到 3" in resident.say("9")  # a digit beyond the list is asked again


def test_the_latest_notice_with_a_link_is_one_article_in_the_passive_reply(wechat: WeChatServer, store_of) -> None:
    publish(store_of, "电梯年检通知", days_ago=2)
    publish(store_of, "社区微报刊第12期", "本期：垃圾分类小窍门。", kind="property", url="https://example.org/news/12")
    delivery = wechat.say("o_article_reader", "最近有什么通知")
    assert delivery.reply is not None and delivery.reply["MsgType"] == "news"
    assert delivery.reply["ArticleCount"] == "1"
    article = delivery.reply["Articles"]["item"]
    assert article["Title"] == "社区微报刊第12期" and article["Url"] == "https://example.org/news/12"


def test_water_and_power_questions_find_the_notices_about_them(runtime: Runtime, store_of) -> None:
    publish(store_of, "3号楼停水通知", "周六 9:00–15:00 水箱清洗，3号楼停水。", days_ago=1)
    publish(store_of, "电梯年检通知", days_ago=1)
    publish(store_of, "5号楼电力检修", "周日上午 5号楼停电两小时。", days_ago=2)
    resident = Resident(runtime, "o_water")
    water = resident.say("停水通知")
    assert "3号楼停水通知" in water and "水箱清洗" in water and "电梯" not in water
    power = resident.say("明天停电吗")
    assert "5号楼电力检修" in power and "停水" not in power


def test_nothing_about_it_says_so_and_offers_the_latest(runtime: Runtime, store_of) -> None:
    publish(store_of, "电梯年检通知", "下周二上午年检。", days_ago=1)
    resident = Resident(runtime, "o_dry")
    assert "没有停水" in resident.say("最近有没有停水")
    assert "电梯年检通知" in resident.say("1")


def test_no_notices_at_all_is_said_plainly(runtime: Runtime, store_of) -> None:
    publish(store_of, "很久以前的通知", days_ago=400)
    resident = Resident(runtime, "o_empty")
    reply = resident.say("最近有什么通知")
    assert resident.last is not None and resident.last.keys[0] == "notice.none" and "很久以前" not in reply


def test_party_study_and_newsletter_words_read_their_kind(runtime: Runtime, store_of) -> None:
    publish(store_of, "第三季度党务公开", kind="party", days_ago=1)
    publish(store_of, "本月学习材料", kind="study", days_ago=1)
    publish(store_of, "微报刊 第12期", kind="news", days_ago=1)
    publish(store_of, "停水通知", kind="property", days_ago=1)
    resident = Resident(runtime, "o_party")
    assert "第三季度党务公开" in resident.say("党务公开")
    assert "本月学习材料" in resident.say("党政学习")
    assert "微报刊 第12期" in resident.say("微报刊")
    latest = resident.say("最近有什么通知")  # property and party by default, not study or news
    assert "停水通知" in latest and "党务公开" in latest and "学习材料" not in latest and "微报刊" not in latest
