"""Pledges (once per message, decided once, listed only when confirmed and wanted on the list)
and party fees (one per member and month, reminders once) in the store."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from store.clock import utcnow
from store.donations import DonationRepository, masked_name
from store.party_fees import PartyFeeRepository
from store.repositories.households import NewMember


def pledge(store, key: str, display: str = "masked", openid: str = "o_giver", name: str = "冯建国"):
    return store[DonationRepository].pledge(openid=openid, household_id=None, donor_name=name,
                                            description="旧衣服 10 件", kind="items", display=display, key=key,
                                            now=utcnow())


def test_a_pledge_is_recorded_once_per_message_and_decided_once(unit_of_work) -> None:
    with unit_of_work() as store:
        first, created = pledge(store, "msg:o_giver:1")
        again, created_again = pledge(store, "msg:o_giver:1")
        assert created and not created_again and again.id == first.id
        repo = store[DonationRepository]
        assert repo.confirm(first, 50, "旧衣服 10 件", utcnow()) is True
        assert repo.confirm(first, 80, "旧衣服", utcnow()) is False and first.points == 50
        assert repo.decline(first, "不需要", utcnow()) is False and first.status == "confirmed"


def test_the_thank_you_list_shows_confirmed_donors_who_want_to_be_on_it(unit_of_work) -> None:
    with unit_of_work() as store:
        repo = store[DonationRepository]
        shown, _ = pledge(store, "a", "full")
        hidden, _ = pledge(store, "b", "none")
        waiting, _ = pledge(store, "c", "masked")
        declined, _ = pledge(store, "d", "masked")
        for donation in (shown, hidden):
            repo.confirm(donation, 10, donation.description, utcnow())
        repo.decline(declined, None, utcnow())
        assert [d.id for d in repo.thank_you_list(10)] == [shown.id]
        assert [d.status for d in repo.find("pending")] == ["pending"] and waiting.status == "pending"
    assert masked_name("冯建国") == "冯**" and masked_name(" 张三 ") == "张**" and masked_name("") == ""


def test_forgetting_a_donor_keeps_the_donation_without_them(unit_of_work) -> None:
    with unit_of_work() as store:
        donation, _ = pledge(store, "msg:o_giver:9", "full")
        store[DonationRepository].confirm(donation, 10, "旧衣服", utcnow())
        store[DonationRepository].forget("o_giver", "gone-1")
    with unit_of_work() as store:
        [kept] = store[DonationRepository].find()
        assert (kept.openid, kept.donor_name, kept.display, kept.status) == ("", "", "none", "confirmed")
        assert "o_giver" not in kept.source_key and store[DonationRepository].thank_you_list(10) == []


def test_one_fee_per_member_and_month(unit_of_work) -> None:
    with unit_of_work() as store:
        home = store.households.create("91", "101", [NewMember("王党员", "13900009101", True)]).id
        store[PartyFeeRepository].add(home, "王党员", "2026-10", 3000, utcnow())
    with pytest.raises(IntegrityError), unit_of_work() as store:
        store[PartyFeeRepository].add(home, "王党员", "2026-10", 3000, utcnow())
    with unit_of_work() as store:
        repo = store[PartyFeeRepository]
        repo.add(home, "王党员", "2026-11", 3000, utcnow())
        repo.add(home, "王党员", "2026-12", 3000, utcnow(), paid=True)
        assert [f.period for f in repo.of_member(home, "王党员")] == ["2026-12", "2026-11", "2026-10"]
        assert [f.period for f in repo.to_remind("2026-11")] == ["2026-10", "2026-11"]
        fee = repo.find(home, "王党员", "2026-10")
        assert fee is not None and repo.mark_paid(fee, utcnow(), "wechat")
        assert not repo.mark_paid(fee, utcnow(), "office")
        assert fee.paid_via == "wechat"
        assert "王党员" in [member.name for member, _ in repo.party_members()]
