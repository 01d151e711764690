"""donor_list (爱心公示) and charity_orgs (爱心组织): readable by anyone; the list shows only
confirmed donations, each with the name its donor chose; the charities come from config."""
from __future__ import annotations

from bot.runtime import Runtime
from store.clock import utcnow
from store.donations import DonationRepository
from tests.community_support import household_at
from tests.love_support import confirmed_donation, keys
from tests.talk import Resident


def test_the_thank_you_list_shows_each_donor_as_they_chose(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    confirmed_donation(store_of, home, "冯建国", "我想捐旧棉衣", "full", key="a", text="旧棉衣 6 件")
    confirmed_donation(store_of, home, "张三", "图书 20 本", "masked", key="b")
    confirmed_donation(store_of, home, "李梅", "捐款 500 元", "none", key="c")
    with store_of() as store:
        repo = store[DonationRepository]
        waiting, _ = repo.pledge(openid="o_w", household_id=home, donor_name="王五", description="旧冰箱",
                                 kind="items", display="full", key="d", now=utcnow())
        declined, _ = repo.pledge(openid="o_x", household_id=home, donor_name="赵六", description="旧沙发",
                                  kind="items", display="full", key="e", now=utcnow())
        repo.decline(declined, None, utcnow())
    resident = Resident(runtime, "o_reader")  # not bound: the list is public
    reply = resident.say("爱心公示")
    assert "冯建国：旧棉衣 6 件" in reply and "张**：图书 20 本" in reply
    assert "李梅" not in reply and "500 元" not in reply and "王五" not in reply and "旧沙发" not in reply
    assert resident.options == ["我也要捐赠", "爱心组织"]
    assert "公益组织" in resident.say("2")


def test_an_empty_list_invites_a_donation(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_empty")
    resident.say("谁捐过东西")
    assert keys(resident) == ("donations.list_none",) and resident.options[0] == "我也要捐赠"


def test_the_charities_are_links_from_config(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_orgs")
    reply = resident.say("爱心组织")
    assert '<a href="https://www.redcross.org.cn">中国红十字会</a>' in reply
    assert "上海市慈善基金会" in reply and resident.options == ["在社区登记捐赠", "爱心公示"]


def test_without_charities_configured_the_answer_is_honest(make_runtime, config_with) -> None:
    resident = Resident(make_runtime(config_with(donations={"charity_orgs": []})), "o_no_orgs")
    resident.say("红十字会")
    assert keys(resident) == ("donations.orgs_none",) and resident.options == ["在社区登记捐赠"]
