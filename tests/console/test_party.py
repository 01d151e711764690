"""The party fee page through the app: a month's fee recorded for a party member once (the
staff API's rules: on the roster, one per month), a payment at the office marked paid, each
audited; roles other than the party office (and admins) are refused."""
from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from store.console import AuditRepository
from store.party_fees import PartyFeeRepository
from tests.community_support import new_household
from tests.console.conftest import log_in
from tests.love_support import add_fee, fee


def audited(store_of: Callable, action: str) -> list:
    with store_of() as store:
        return store[AuditRepository].recent(action=action)


def fees_of(store_of: Callable, household: int) -> list:
    with store_of() as store:
        return store[PartyFeeRepository].find_all(household)


def test_the_party_office_records_a_month_once_and_marks_a_payment(console: TestClient, member: Callable,
                                                                  store_of: Callable) -> None:
    flat = new_household(store_of, "21", "701", "钱党员", "13911117010", party_member=True)
    member("dang", "party")
    csrf = log_in(console, "dang")
    page = console.get("/console/party")
    assert page.status_code == 200 and f'value="{flat}|钱党员"' in page.text
    form = {"member": f"{flat}|钱党员", "period": "2026-03", "amount": "12.50", "csrf_token": csrf}
    created = console.post("/console/party/fees", data=form)
    assert created.status_code == 303 and "done=created" in created.headers["location"]
    twice = console.post("/console/party/fees", data=form)
    assert "error=period" in twice.headers["location"]
    [recorded] = fees_of(store_of, flat)
    assert (recorded.member_name, recorded.period, recorded.amount_fen, recorded.paid) == ("钱党员", "2026-03", 1250,
                                                                                           False)
    [entry] = audited(store_of, "party_fee_create")
    assert (entry.actor, entry.object_id) == ("dang", str(recorded.id))
    for _ in range(2):
        paid = console.post(f"/console/party/fees/{recorded.id}/paid", data={"household_id": flat, "csrf_token": csrf})
        assert "done=paid" in paid.headers["location"]
    paid_fee = fee(store_of, recorded.id)
    assert (paid_fee.paid, paid_fee.paid_via) == (True, "office")
    assert len(audited(store_of, "party_fee_paid")) == 1
    assert console.post("/console/party/fees/99999/paid", data={"csrf_token": csrf}
                        ).headers["location"].endswith("error=not_found")


def test_a_fee_for_someone_not_on_the_roster_or_without_an_amount_is_refused(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    flat = new_household(store_of, "21", "702", "孙党员", "13911117020", party_member=True)
    member("dang", "party")
    csrf = log_in(console, "dang")
    stranger = console.post("/console/party/fees", data={"member": f"{flat}|周某人", "period": "2026-03",
                                                         "amount": "10", "csrf_token": csrf})
    assert "error=member" in stranger.headers["location"]
    free = console.post("/console/party/fees", data={"member": f"{flat}|孙党员", "period": "2026-03", "amount": "0",
                                                     "csrf_token": csrf})
    assert "error=amount" in free.headers["location"]
    assert fees_of(store_of, flat) == [] and audited(store_of, "party_fee_create") == []


def test_committee_and_property_staff_may_not_use_the_party_page(console: TestClient, member: Callable,
                                                                 store_of: Callable) -> None:
    flat = new_household(store_of, "21", "703", "吴党员", "13911117030", party_member=True)
    owed = add_fee(store_of, flat, "吴党员", "2026-02", 1000)
    for role in ("staff", "property"):
        member(f"u_{role}", role)
        console.cookies.clear()
        csrf = log_in(console, f"u_{role}")
        assert console.get("/console/party").status_code == 403
        assert console.post(f"/console/party/fees/{owed}/paid", data={"csrf_token": csrf}).status_code == 403
    assert not fee(store_of, owed).paid
