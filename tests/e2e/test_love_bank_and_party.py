"""The love bank and the party services checked from outside, as a scripted conversation seeded
through the staff API and talked through ``POST /wechat`` in safe mode: points and a reward
exchanged by digits and handed over, a pledge confirmed by staff and thanked, 党务公开 and
党政学习 (an article with a video link), party-only events, a party member's fees."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.love_support import LI, ZHANG
from tests.wechat_client import WeChatServer

STAFF = {"Authorization": "Bearer staff-token-for-e2e"}


@pytest.fixture
def both(make_runtime) -> Iterator[tuple[TestClient, WeChatServer]]:
    runtime = make_runtime(STAFF_API_TOKEN="staff-token-for-e2e")
    with TestClient(create_app(runtime, background=False)) as http:
        yield http, WeChatServer(http, TOKEN, APPID, AES_KEY)


def household(api: TestClient, address: str) -> int:
    return next(h["id"] for h in api.get("/api/households", headers=STAFF).json() if h["address"] == address)


def say(wechat: WeChatServer, openid: str, words: str) -> str:
    return wechat.say(openid, words, safe=True).content


def line_number(reply: str, words: str) -> str:
    return next(line.split(".")[0] for line in reply.splitlines() if words in line and "." in line)


def test_points_a_reward_by_digits_and_its_handing_over(both: tuple[TestClient, WeChatServer]) -> None:
    api, wechat = both
    home = household(api, "3-502")
    api.post("/api/points", json={"household_id": home, "delta": 50, "reason": "捐赠旧衣物", "kind": "donation"},
             headers=STAFF)
    api.post("/api/rewards", json={"name": "纯棉毛巾", "points": 30, "stock": 2}, headers=STAFF)
    assert "绑定成功" in say(wechat, "o_e2e_points", ZHANG)
    balance = say(wechat, "o_e2e_points", "积分")
    assert "50 分" in balance and "捐赠旧衣物 +50" in balance
    catalogue = say(wechat, "o_e2e_points", line_number(balance, "积分换购"))
    summary = say(wechat, "o_e2e_points", line_number(catalogue, "纯棉毛巾"))
    assert "换后剩 20 分" in summary
    done = say(wechat, "o_e2e_points", "1")
    code = done.split("取货码：")[1][:6]
    [row] = api.get("/api/redemptions", headers=STAFF).json()
    assert (row["code"], row["status"], row["household_id"], row["openid"]) == (code, "pending", home, "o_e2e_points")
    assert api.post(f"/api/redemptions/{row['id']}/collect", headers=STAFF).json()["status"] == "collected"
    ledger = api.get("/api/points", params={"household_id": home}, headers=STAFF).json()
    assert ledger["balance"] == 20 and [e["delta"] for e in ledger["entries"]] == [50, -30]
    assert "待领取" not in say(wechat, "o_e2e_points", "我有多少积分")


def test_a_pledge_confirmed_by_staff_appears_on_the_thank_you_list(both: tuple[TestClient, WeChatServer]) -> None:
    api, wechat = both
    assert "绑定成功" in say(wechat, "o_e2e_giver", ZHANG)
    assert "感谢名单" in say(wechat, "o_e2e_giver", "我想捐二十本儿童图书")
    say(wechat, "o_e2e_giver", "1")  # 写全名（张三）
    assert "已经登记" in say(wechat, "o_e2e_giver", "1")
    [pledge] = api.get("/api/donations", params={"status": "pending"}, headers=STAFF).json()
    before = say(wechat, "o_e2e_reader", "爱心公示")
    assert "还没有内容" in before and "张三" not in before  # not before staff confirm it
    confirmed = api.post(f"/api/donations/{pledge['id']}/confirm", json={"points": 40, "text": "儿童图书 20 本"},
                         headers=STAFF)
    assert confirmed.json()["status"] == "confirmed"
    assert "张三：儿童图书 20 本" in say(wechat, "o_e2e_reader", "爱心公示")
    balance = say(wechat, "o_e2e_giver", "积分")
    assert "40 分" in balance and "捐赠儿童图书 20 本 +40" in balance


def test_party_notices_and_study_with_a_video_link(both: tuple[TestClient, WeChatServer]) -> None:
    api, wechat = both
    for title in ("十一月党务公开：党费收缴情况", "第四季度党员发展公示"):
        api.post("/api/announcements", json={"title": title, "body": "详见社区党群服务站公告栏。", "kind": "party"},
                 headers=STAFF)
    api.post("/api/announcements", json={"title": "党课视频：新时代的社区治理", "body": "请党员同志在本月内学习。",
                                         "kind": "study", "url": "https://example.org/video/party-class"},
             headers=STAFF)
    listing = say(wechat, "o_e2e_party", "党务公开")
    assert "党员发展公示" in listing and "党费收缴情况" in listing and "党课视频" not in listing
    opened = say(wechat, "o_e2e_party", line_number(listing, "党费收缴情况"))
    assert "十一月党务公开" in opened and "公告栏" in opened
    study = wechat.say("o_e2e_party", "党政学习", safe=True)
    assert study.reply is not None and study.reply["MsgType"] == "news"
    article = study.reply["Articles"]["item"]
    assert article["Title"] == "党课视频：新时代的社区治理" and article["Url"] == "https://example.org/video/party-class"


def test_party_events_refuse_a_non_member_politely_and_take_a_member(both: tuple[TestClient, WeChatServer]) -> None:
    api, wechat = both
    soon = "2031-06-01T09:00:00+08:00"
    party = api.post("/api/events", json={"title": "主题党日：重温入党誓词", "starts_at": soon, "capacity": 20,
                                          "party_only": True}, headers=STAFF).json()["id"]
    api.post("/api/events", json={"title": "社区义诊", "starts_at": soon, "capacity": 20}, headers=STAFF)
    say(wechat, "o_e2e_zhang", ZHANG)
    listing = say(wechat, "o_e2e_zhang", "党员活动")
    assert "主题党日" in listing and "社区义诊" not in listing
    refused = say(wechat, "o_e2e_zhang", line_number(listing, "主题党日"))
    assert "只接受党员报名" in refused and "社区义诊" in refused
    say(wechat, "o_e2e_li", LI)
    listing = say(wechat, "o_e2e_li", "党员活动")
    assert "几个人" in say(wechat, "o_e2e_li", line_number(listing, "主题党日"))
    assert "请核对" in say(wechat, "o_e2e_li", "1")
    assert "报名成功" in say(wechat, "o_e2e_li", "1")
    signups = api.get(f"/api/events/{party}/signups", headers=STAFF).json()
    assert [(s["openid"], s["count"], s["status"]) for s in signups] == [("o_e2e_li", 1, "confirmed")]


def test_a_party_members_fees_seeded_by_staff(both: tuple[TestClient, WeChatServer],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pay_env import without_pay

    without_pay(monkeypatch)
    api, wechat = both
    home = household(api, "5-1-301")
    for period, paid in (("2026-09", True), ("2026-10", False)):
        assert api.post("/api/party-fees", json={"household_id": home, "member_name": "李四", "period": period,
                                                 "amount": "25.50", "paid": paid}, headers=STAFF).status_code == 201
    say(wechat, "o_e2e_member", LI)
    reply = say(wechat, "o_e2e_member", "党费交了没有")
    assert "25.50元，未交" in reply and "25.50元，已交" in reply and "合计 25.50 元" in reply
    say(wechat, "o_e2e_other", ZHANG)
    assert "不用交党费" in say(wechat, "o_e2e_other", "党费交了没有")
