"""The love bank page through the app: a staff entry on a household's ledger, pledges confirmed
with points or declined, the rewards catalogue and redemptions collected by pickup code — each
with the staff API's own rules, once, with an audit row; other roles are refused."""
from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from store.clock import utcnow
from store.console import AuditRepository
from store.donations import DonationRepository
from store.points import PointsRepository
from store.rewards import RewardRepository
from tests.community_support import household_at
from tests.console.conftest import log_in
from tests.love_support import add_reward, give_points, ledger, pushes, stock

_KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


def audited(store_of: Callable, action: str) -> list:
    with store_of() as store:
        return store[AuditRepository].recent(action=action)


def form_key(page: str) -> str:
    match = _KEY.search(page)
    assert match, page[:500]
    return match.group(1)


def pledge(store_of: Callable, household: int, openid: str = "o_giver", words: str = "旧棉衣 5 件") -> int:
    with store_of() as store:
        store.residents.get_or_create(openid, utcnow())  # a follower, so that the donor can be told
        donation, _ = store[DonationRepository].pledge(
            openid=openid, household_id=household, donor_name="冯建国", description=words, kind="items",
            display="masked", key=f"test:{openid}:{words}", now=utcnow())
        return donation.id


# --- the ledger ---------------------------------------------------------------------------------

def test_a_staff_entry_is_written_once_and_a_debit_beyond_the_balance_is_refused(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    flat = household_at(store_of, "3-502")
    before, entries = ledger(store_of, flat)
    member("li", "staff")
    csrf = log_in(console, "li")
    page = console.get("/console/lovebank?household=3-502")
    assert page.status_code == 200 and 'id="ledger"' in page.text and "3-502" in page.text
    form = {"household_id": flat, "delta": "50", "reason": "社区义务劳动", "kind": "volunteer",
            "idempotency_key": form_key(page.text), "csrf_token": csrf}
    first = console.post("/console/lovebank/points", data=form)
    again = console.post("/console/lovebank/points", data=form)  # the form sent twice
    assert first.status_code == again.status_code == 303 and "done=entry" in first.headers["location"]
    balance, after = ledger(store_of, flat)
    assert balance == before + 50 and after == [*entries, (50, "社区义务劳动")]
    [entry] = audited(store_of, "points_entry")
    assert (entry.actor, entry.object_type, entry.object_id, entry.detail) == (
        "li", "household", str(flat), "+50 社区义务劳动")
    too_much = console.post("/console/lovebank/points", data={
        "household_id": flat, "delta": str(-(balance + 1)), "reason": "更正", "kind": "correction",
        "idempotency_key": form_key(console.get(f"/console/lovebank?household={flat}").text), "csrf_token": csrf})
    assert "error=delta" in too_much.headers["location"] and f"balance={balance}" in too_much.headers["location"]
    assert ledger(store_of, flat)[0] == balance and len(audited(store_of, "points_entry")) == 1
    empty = console.post("/console/lovebank/points", data={"household_id": flat, "delta": "5", "reason": " ",
                                                           "csrf_token": csrf})
    assert "error=reason" in empty.headers["location"]
    shown = console.get(f"/console/lovebank?household={flat}").text
    assert "社区义务劳动" in shown and f'<strong id="balance">{balance}</strong>' in shown


def test_an_unknown_household_is_said_so(console: TestClient, member: Callable) -> None:
    member("li", "staff")
    log_in(console, "li")
    assert "没有找到“99-9”这户" in console.get("/console/lovebank?household=99-9").text


# --- pledges ------------------------------------------------------------------------------------

def test_a_confirmed_pledge_gives_its_points_once_and_thanks_the_donor_once(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    flat = household_at(store_of, "3-502")
    before, _ = ledger(store_of, flat)
    donation_id = pledge(store_of, flat)
    member("li", "staff")
    csrf = log_in(console, "li")
    listed = console.get("/console/lovebank/donations")
    assert f'id="donation-{donation_id}"' in listed.text and "冯**" in listed.text
    form = {"points": "30", "text": "旧棉衣5件", "csrf_token": csrf}
    for _ in range(2):
        answer = console.post(f"/console/lovebank/donations/{donation_id}/confirm", data=form)
        assert answer.status_code == 303 and "done=confirmed" in answer.headers["location"]
    with store_of() as store:
        donation = store[DonationRepository].get(donation_id)
        assert (donation.status, donation.points, donation.public_text) == ("confirmed", 30, "旧棉衣5件")
        [entry] = [e for e in store[PointsRepository].entries(flat) if e.kind == "donation"]
    assert entry.delta == 30 and ledger(store_of, flat)[0] == before + 30
    [thanks] = pushes(store_of, "o_giver")
    assert "旧棉衣5件" in thanks and "30" in thanks
    assert [e.detail for e in audited(store_of, "donation_confirm")] == ["30"]
    declined = console.post(f"/console/lovebank/donations/{donation_id}/decline", data={"csrf_token": csrf})
    assert "error=status" in declined.headers["location"]
    assert audited(store_of, "donation_decline") == []


def test_a_declined_pledge_tells_the_donor_why_and_gives_no_points(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    flat = household_at(store_of, "3-502")
    before, entries = ledger(store_of, flat)
    donation_id = pledge(store_of, flat, words="旧冰箱一台")
    member("li", "staff")
    csrf = log_in(console, "li")
    answer = console.post(f"/console/lovebank/donations/{donation_id}/decline",
                          data={"reason": "旧家电暂时没有地方存放", "csrf_token": csrf})
    assert "done=declined" in answer.headers["location"]
    with store_of() as store:
        donation = store[DonationRepository].get(donation_id)
        assert (donation.status, donation.decline_reason) == ("declined", "旧家电暂时没有地方存放")
    [told] = pushes(store_of, "o_giver")
    assert "旧家电暂时没有地方存放" in told
    assert ledger(store_of, flat) == (before, entries)
    assert [e.object_id for e in audited(store_of, "donation_decline")] == [str(donation_id)]
    refused = console.post(f"/console/lovebank/donations/{donation_id}/confirm", data={"points": "5",
                                                                                      "csrf_token": csrf})
    assert "error=status" in refused.headers["location"]


# --- rewards and redemptions --------------------------------------------------------------------

def test_a_reward_is_added_once_restocked_and_taken_off(console: TestClient, member: Callable,
                                                       store_of: Callable) -> None:
    member("li", "staff")
    csrf = log_in(console, "li")
    key = form_key(console.get("/console/lovebank/rewards").text)
    form = {"name": "纯棉毛巾", "points": "40", "stock": "3", "idempotency_key": key, "csrf_token": csrf}
    assert console.post("/console/lovebank/rewards", data=form).status_code == 303
    console.post("/console/lovebank/rewards", data=form)  # the form sent twice
    with store_of() as store:
        [towel] = [r for r in store[RewardRepository].all() if r.name == "纯棉毛巾"]
    console.post(f"/console/lovebank/rewards/{towel.id}", data={"stock": "12", "points": "40", "csrf_token": csrf})
    assert stock(store_of, towel.id) == 12
    wrong = console.post(f"/console/lovebank/rewards/{towel.id}", data={"stock": "-1", "csrf_token": csrf})
    assert "error=stock" in wrong.headers["location"] and stock(store_of, towel.id) == 12
    console.post(f"/console/lovebank/rewards/{towel.id}", data={"active": "no", "csrf_token": csrf})
    with store_of() as store:
        towel = store[RewardRepository].get(towel.id)
        assert (towel.active, towel.stock, towel.points) == (False, 12, 40)
        assert towel.id not in {r.id for r in store[RewardRepository].catalogue()}
    assert len(audited(store_of, "reward_create")) == 1 and len(audited(store_of, "reward_change")) == 2
    assert "已下架" in console.get("/console/lovebank/rewards").text


def redeem(store_of: Callable, household: int, reward: int, key: str) -> tuple[int, str]:
    with store_of() as store:
        done = store[RewardRepository].redeem(household, reward, openid="o_redeemer", key=key, now=utcnow(),
                                              reason="换购 毛巾")
        assert done.redemption is not None
        return done.redemption.id, done.redemption.code


def test_a_redemption_is_collected_by_its_pickup_code_once_and_another_is_called_off(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    flat = household_at(store_of, "3-502")
    give_points(store_of, flat, 100)
    reward = add_reward(store_of, "毛巾", 30, stock=5)
    kept_id, code = redeem(store_of, flat, reward, "test:one")
    off_id, _ = redeem(store_of, flat, reward, "test:two")
    balance, _ = ledger(store_of, flat)
    with store_of() as store:
        store.residents.get_or_create("o_redeemer", utcnow())
    member("li", "staff")
    csrf = log_in(console, "li")
    waiting = console.get("/console/lovebank/redemptions").text
    assert code in waiting and f'id="redemption-{off_id}"' in waiting
    unknown = console.post("/console/lovebank/redemptions/collect", data={"code": "000000", "csrf_token": csrf})
    assert "error=code" in unknown.headers["location"]
    for _ in range(2):
        collected = console.post("/console/lovebank/redemptions/collect", data={"code": code, "csrf_token": csrf})
        assert "done=collected" in collected.headers["location"]
    with store_of() as store:
        assert store[RewardRepository].redemption(kept_id).status == "collected"
    assert [e.object_id for e in audited(store_of, "redemption_collect")] == [str(kept_id)]
    cancelled = console.post(f"/console/lovebank/redemptions/{off_id}/cancel", data={"csrf_token": csrf})
    assert "done=cancelled" in cancelled.headers["location"]
    with store_of() as store:
        assert store[RewardRepository].redemption(off_id).status == "cancelled"
    assert stock(store_of, reward) == 4 and ledger(store_of, flat)[0] == balance + 30
    assert len(pushes(store_of, "o_redeemer")) == 1
    late = console.post(f"/console/lovebank/redemptions/{kept_id}/cancel", data={"csrf_token": csrf})
    assert "error=status" in late.headers["location"]
    assert len(audited(store_of, "redemption_cancel")) == 1


def test_property_and_party_staff_may_not_use_the_love_bank(console: TestClient, member: Callable,
                                                            store_of: Callable) -> None:
    flat = household_at(store_of, "3-502")
    before = ledger(store_of, flat)
    for role in ("property", "party"):
        member(f"u_{role}", role)
        console.cookies.clear()
        csrf = log_in(console, f"u_{role}")
        assert console.get("/console/lovebank").status_code == 403
        assert "爱心银行" not in console.get("/console/dashboard").text
        refused = console.post("/console/lovebank/points", data={"household_id": flat, "delta": "500",
                                                                 "reason": "x", "csrf_token": csrf})
        assert refused.status_code == 403
    assert ledger(store_of, flat) == before and audited(store_of, "points_entry") == []
