"""board_browse: only published posts, by kind, numbered; 点赞 N once per resident with the author
told; authors withdraw their own posts; the expiry job."""
from __future__ import annotations

from datetime import timedelta

from actions.board.upkeep import expire_posts
from bot.jobs import JobContext
from bot.runtime import Runtime
from store.board import BoardRepository
from store.clock import utcnow
from tests.community_support import ZHANG, add_post, bound, household_at, posts, queued_for
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id


def test_residents_see_only_published_posts_of_the_kind_they_ask_for(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    shown = add_post(store_of, "o_a", home, "market", "儿童自行车九成新，50块")
    add_post(store_of, "o_a", home, "market", "旧沙发便宜卖", published=False)
    add_post(store_of, "o_a", home, "lend", "折叠梯可以借给邻居")
    rejected = add_post(store_of, "o_a", home, "market", "代开发票")
    with store_of() as store:
        repo = store[BoardRepository]
        repo.reject(repo.get(rejected), "广告", utcnow())  # type: ignore[arg-type]
    reply = Resident(runtime, "o_reader").say("有什么二手东西在卖")
    assert f"编号 {shown}" in reply and "儿童自行车" in reply
    assert "沙发" not in reply and "折叠梯" not in reply and "发票" not in reply


def test_the_whole_board_offers_each_kind_as_a_number(runtime: Runtime, store_of) -> None:
    add_post(store_of, "o_a", household_at(store_of, "3-502"), "lend", "折叠梯可以借给邻居")
    resident = Resident(runtime, "o_all")
    assert "折叠梯" in resident.say("看看邻里圈")
    assert resident.options[:6] == ["看看交易买卖", "看看物品租借", "看看家有喜事", "看看团购", "看看社区招聘",
                                    "看看兴趣群"]
    assert "暂时还没有内容" in resident.say("1")


def test_liking_good_news_counts_once_and_tells_the_author(runtime: Runtime, store_of) -> None:
    author = bound(runtime, "o_author")
    post = add_post(store_of, "o_author", household_at(store_of, "3-502"), "good_news", "我孙子考上大学了")
    fan = Resident(runtime, "o_fan")
    assert "1 个赞" in fan.say(f"点赞 {post}")
    assert "点过赞" in fan.say(f"点赞{post}")
    assert "这是您自己" in author.say(f"点赞 {post}")
    [notice] = queued_for(store_of, "o_author")
    assert "点了赞" in notice and "1 个赞" in notice
    assert [p.likes for p in posts(store_of)] == [1]


def test_a_like_from_the_list_by_digit(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    add_post(store_of, None, home, "good_news", "我们老两口金婚了")
    newest = add_post(store_of, None, home, "good_news", "我孙女考上研究生了")
    resident = Resident(runtime, "o_digit_fan")
    listing = resident.say("最近谁家有喜事")
    assert "金婚" in listing and "研究生" in listing
    assert resident.options[0].startswith(f"为编号 {newest} 点赞")
    assert "已为编号" in resident.say("1")
    assert {p.id: p.likes for p in posts(store_of)}[newest] == 1


def test_likes_are_only_for_published_good_news(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    sale = add_post(store_of, None, home, "market", "旧书桌便宜卖")
    waiting = add_post(store_of, None, home, "good_news", "女儿结婚了", published=False)
    resident = Resident(runtime, "o_picky")
    resident.say(f"点赞 {sale}")
    assert resident.last is not None and resident.last.keys[0] == "board.like_only_good_news"
    resident.say(f"点赞 {waiting}")
    assert resident.last is not None and resident.last.keys[0] == "board.like_missing"
    resident.say("点赞 99999")
    assert resident.last is not None and resident.last.keys[0] == "board.like_missing"
    assert all(p.likes == 0 for p in posts(store_of))


def test_a_retried_like_counts_once(runtime: Runtime, wechat: WeChatServer, store_of) -> None:
    post = add_post(store_of, None, household_at(store_of, "3-502"), "good_news", "家里添了个孙女")
    message = new_msg_id()
    first = wechat.say("o_retry_fan", f"点赞 {post}", msg_id=message, safe=True)
    again = wechat.say("o_retry_fan", f"点赞 {post}", msg_id=message, safe=True)
    assert "1 个赞" in first.content and again.content == first.content
    assert [p.likes for p in posts(store_of)] == [1]


def test_an_author_withdraws_their_post(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_withdraw", ZHANG)
    resident.say("撤回我的帖子")
    assert resident.last is not None and resident.last.keys == ("board.withdraw_none",)
    home = household_at(store_of, "3-502")
    first = add_post(store_of, "o_withdraw", home, "market", "旧书桌便宜卖")
    add_post(store_of, "o_withdraw", home, "lend", "电钻可以借", published=False)
    add_post(store_of, "o_someone_else", home, "job", "招钟点工")
    assert "哪一条" in resident.say("删掉我发的帖子") and len(resident.options) == 2
    assert "确定撤回" in resident.say("2")
    assert "已经撤回" in resident.say("1")
    assert {p.id: p.status for p in posts(store_of)}[first] == "withdrawn"
    assert "书桌" not in Resident(runtime, "o_reader").say("有什么二手东西在卖")


def test_deleting_ones_data_is_not_withdrawing_a_post(runtime: Runtime, store_of) -> None:
    resident = bound(runtime, "o_delete")
    add_post(store_of, "o_delete", household_at(store_of, "3-502"), "market", "旧书桌便宜卖")
    resident.say("删除我的信息")
    assert resident.last is not None and not any(key.startswith("board.") for key in resident.last.keys)


def test_posts_past_their_days_expire(runtime: Runtime, store_of) -> None:
    post = add_post(store_of, None, household_at(store_of, "3-502"), "lend", "折叠梯可以借给邻居")
    assert expire_posts(JobContext(runtime, utcnow())) == 0
    assert expire_posts(JobContext(runtime, utcnow() + timedelta(days=31))) == 1
    assert {p.id: p.status for p in posts(store_of)}[post] == "expired"
