"""What the points, donations and party flows add to the demo community (once), forget about a
person who asks to be deleted, and tell a resident they keep."""
from __future__ import annotations

from datetime import date

from bot.demo import seed_community
from bot.dialogue import Context
from bot.dialogue.turn import DialogView, FormState
from bot.runtime import Runtime
from store.clock import utcnow
from store.donations import DonationRepository
from store.party_fees import PartyFeeRepository
from store.points import PointsRepository
from store.rewards import RewardRepository
from tests.actions.account_helpers import tables_mentioning
from tests.bills_data import month
from tests.community_support import bound, household_at
from tests.love_support import LI, ZHANG, add_fee, add_reward, donations, give_points


def test_the_demo_has_rewards_redemptions_pledges_and_fees_and_loads_once(runtime: Runtime, store_of) -> None:
    today = utcnow().date()
    with store_of() as store:
        assert seed_community(store, today, runtime.registry) > 0
    with store_of() as store:
        assert seed_community(store, today, runtime.registry) == 0
    newcomers = {household_at(store_of, "3-502"), household_at(store_of, "5-1-301")}
    with store_of() as store:
        rewards = store[RewardRepository]
        catalogue = rewards.catalogue()
        assert len(catalogue) >= 3 and all(r.stock > 0 and r.active for r in catalogue)
        assert any(r.stock == 0 for r in rewards.all()) and any(not r.active for r in rewards.all())
        redeemed = rewards.redemptions()
        assert {r.status for r in redeemed} == {"pending", "collected"}
        pledges = store[DonationRepository].find()
        assert {d.status for d in pledges} == {"pending", "confirmed", "declined"}
        assert {d.display for d in pledges} >= {"full", "masked", "none"}
        fees = store[PartyFeeRepository].find_all()
        assert {f.paid for f in fees} == {True, False}
        ledger = store[PointsRepository]
        touched = ({r.household_id for r in redeemed} | {d.household_id for d in pledges}
                   | {f.household_id for f in fees})
        assert not touched & newcomers
        assert all(ledger.balance(h) == 0 for h in newcomers)
        assert all(ledger.balance(h.id) >= 0 for h in store.households.list())


def test_a_deleted_resident_leaves_redemptions_pledges_and_points_without_their_openid(
        runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "3-502")
    give_points(store_of, home, 100)
    add_reward(store_of, "纯棉毛巾", 30)
    resident = bound(runtime, "o_forget_love", ZHANG)
    resident.say("换毛巾")
    assert "取货码" in resident.say("1")
    resident.say("我想捐几件旧衣服")
    resident.say("1")  # 写全名
    assert "已经登记" in resident.say("1")
    resident.say("删除我的信息")
    assert "删除" in resident.say("1")
    # only the dedup key of the message that asked, kept until WeChat stops retrying it
    assert tables_mentioning(runtime, "o_forget_love") == {"processed_messages": 1}
    [pledge] = donations(store_of)
    assert (pledge.openid, pledge.donor_name, pledge.display, pledge.description) == ("", "", "none", "几件旧衣服")
    with store_of() as store:
        [redemption] = store[RewardRepository].redemptions()
        assert redemption.openid is None and redemption.status == "pending"
        assert store[PointsRepository].balance(home) == 70


def test_what_is_kept_is_described(runtime: Runtime, store_of) -> None:
    home = household_at(store_of, "5-1-301")
    give_points(store_of, home, 60)
    add_reward(store_of, "环保购物袋", 20)
    add_fee(store_of, home, "李四", month(), 3000)
    resident = bound(runtime, "o_described_love", LI)
    resident.say("换购物袋")
    resident.say("1")
    resident.say("我想捐两本书")
    resident.say("2")
    resident.say("1")
    with store_of() as store:
        ctx = Context(store=store, config=runtime.settings.config, responses=runtime.responses, now=utcnow(),
                      today=date.today(), resident=store.residents.get("o_described_love"),  # type: ignore[arg-type]
                      dialog=DialogView.of(FormState()), registry=runtime.registry, sections=runtime.sections)
        text = "\n".join(line for describe in runtime.registry.describes for line in describe(ctx))
    assert "40 分" in text and "环保购物袋 待领取" in text and "取货码" in text
    assert "登记过 1 次" in text and "1 个月还没交" in text
    info = resident.say("我的信息")
    assert "环保购物袋" in info and "爱心捐赠" in info and "党费" in info
