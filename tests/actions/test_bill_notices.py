"""账单推送: a new bill reaches the household's residents (inside the 48-hour window as a
customer-service message, outside it as the configured template message, else when they next
write), and a due reminder goes once per bill. Unfollowed residents get nothing; retries and
repeated jobs tell nobody twice."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from actions.bills.notices import remind_due_bills
from bot.app import _outbox_worker, create_app
from bot.jobs import JobContext
from bot.runtime import Runtime
from store.bills import BillRepository
from store.clock import utcnow
from tests.bills_data import household, month, today
from tests.fake_wechat_api import FakeWeChatApi
from tests.talk import Resident

STAFF = {"Authorization": "Bearer staff-token-for-notices"}


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


@pytest.fixture
def wired(make_runtime: Callable[..., Runtime], config_with, fake_api: FakeWeChatApi):
    """A runtime whose outbox delivers to the fake WeChat API, with the staff API on."""
    def build(**config: dict) -> Runtime:
        return make_runtime(config_with(**config) if config else None, WECHAT_SECRET="s3cret",
                            WECHAT_API_BASE_URL=fake_api.base_url, STAFF_API_TOKEN="staff-token-for-notices")

    return build


def bind(runtime: Runtime, openid: str, words: str) -> Resident:
    resident = Resident(runtime, openid)
    assert "绑定成功" in resident.say(words)
    return resident


def pushes(runtime: Runtime, openid: str) -> list:
    from store import Store
    from store.db import transaction

    with transaction(runtime.factory) as session:
        return [row for row in Store(session).outbox.for_openid(openid) if row.purpose == "push"]


def new_bill(client: TestClient, household_id: int, **changes: object):
    body = {"household_id": household_id, "period": month(), "bill_type": "物业费", "amount": 350,
            "due_date": (today() + timedelta(days=20)).isoformat(), "paid": False, **changes}
    return client.post("/api/bills", json=body, headers=STAFF)


def test_a_new_bill_is_pushed_to_every_resident_of_the_household_once(wired, store_of) -> None:
    runtime = wired()
    home = household(store_of, "89", "101", name="王小明", phone="13900001234", others=(("李小红", "13900005678"),))
    bind(runtime, "o_notice_a", "绑定 89-101 王小明 1234")
    bind(runtime, "o_notice_b", "绑定 89-101 李小红 5678")
    gone = bind(runtime, "o_notice_gone", "绑定 89-101 王小明 1234")
    with store_of() as store:
        store.residents.get(gone.openid).subscribed = False
    with TestClient(create_app(runtime, background=False)) as client:
        assert new_bill(client, home).status_code == 201
        assert new_bill(client, home).status_code == 409  # a retried request tells nobody again
        assert new_bill(client, home, bill_type="水费", paid=True).status_code == 201  # paid: nothing to tell
    for openid in ("o_notice_a", "o_notice_b"):
        [row] = pushes(runtime, openid)
        assert "350.00" in row.payload["content"] and "新账单" in row.payload["content"]
        assert row.template["template"] == "bill_issued" and row.template["data"]["keyword3"] == "350.00元"
    assert pushes(runtime, "o_notice_gone") == []


def test_imported_bills_are_pushed_too(wired, store_of) -> None:
    runtime = wired()
    home = household(store_of, "89", "102", name="周大海", phone="13900005555")
    bind(runtime, "o_notice_import", "绑定 89-102 周大海 5555")
    content = (f"household_id,period,bill_type,amount,due_date\n"
               f"{home},{month()},水费,42,{today() + timedelta(days=20)}\n"
               f"{home},{month()},电费,88.8,{today() + timedelta(days=20)}\n").encode()
    with TestClient(create_app(runtime, background=False)) as client:
        response = client.post("/api/bills/import", files={"file": ("b.csv", content)}, headers=STAFF)
        assert response.json() == {"imported": 2, "errors": []}
    assert sorted(row.payload["content"].count("水费") for row in pushes(runtime, "o_notice_import")) == [0, 1]


def test_inside_the_window_the_bill_goes_as_a_customer_service_message(wired, fake_api, store_of) -> None:
    runtime = wired()
    home = household(store_of, "89", "103", name="钱多多", phone="13900007777")
    bind(runtime, "o_notice_window", "绑定 89-103 钱多多 7777")
    with TestClient(create_app(runtime, background=False)) as client:
        new_bill(client, home)
    _outbox_worker(runtime).run_once()
    [sent] = [m for m in fake_api.sent if m["touser"] == "o_notice_window" and "新账单" in m["text"]["content"]]
    assert "350.00" in sent["text"]["content"] and fake_api.templates == []


def test_outside_the_window_it_goes_as_the_template_or_waits(wired, fake_api, store_of) -> None:
    runtime = wired(wechat={"templates": {"bill_issued": "TPL-BILL-ISSUED"}})
    home = household(store_of, "89", "104", name="孙一", phone="13900008888")
    resident = bind(runtime, "o_notice_quiet", "绑定 89-104 孙一 8888")
    with store_of() as store:
        store.residents.get(resident.openid).last_inbound_at = utcnow() - timedelta(hours=49)
    with TestClient(create_app(runtime, background=False)) as client:
        new_bill(client, home)
    _outbox_worker(runtime).run_once()
    [template] = fake_api.templates
    assert template["touser"] == "o_notice_quiet" and template["template_id"] == "TPL-BILL-ISSUED"
    data = template["data"]
    assert data["keyword2"]["value"].endswith("物业费") and data["keyword3"]["value"] == "350.00元"

    untemplated = wired()  # the same database, no template configured: the push waits
    other = household(store_of, "89", "105", name="吴二", phone="13900009999")
    waiting = bind(untemplated, "o_notice_waits", "绑定 89-105 吴二 9999")
    with store_of() as store:
        store.residents.get(waiting.openid).last_inbound_at = utcnow() - timedelta(hours=49)
    with TestClient(create_app(untemplated, background=False)) as client:
        new_bill(client, other)
    worker = _outbox_worker(untemplated)
    worker.run_once()
    assert [row.status for row in pushes(untemplated, "o_notice_waits")] == ["held"]
    waiting.say("你好")
    worker.run_once()
    assert [row.status for row in pushes(untemplated, "o_notice_waits")] == ["sent"]


# --- reminders ---------------------------------------------------------------------------------

def add_bill(store_of, home: int, bill_type: str, due: date, *, issued_days_ago: int = 20, paid: bool = False) -> int:
    with store_of() as store:
        return store[BillRepository].add(home, month(-1), bill_type, 5000, due,
                                         utcnow() - timedelta(days=issued_days_ago), paid=paid).id


def run_job(runtime: Runtime, at: datetime | None = None) -> int:
    return remind_due_bills(JobContext(runtime, at or utcnow()))


def test_a_reminder_goes_once_a_few_days_before_the_due_date(runtime: Runtime, store_of) -> None:
    home = household(store_of, "89", "106", name="郑三", phone="13900003333")
    bind(runtime, "o_remind", "绑定 89-106 郑三 3333")
    add_bill(store_of, home, "物业费", today() + timedelta(days=2))              # due soon: reminded
    add_bill(store_of, home, "水费", today() + timedelta(days=10))               # not yet
    add_bill(store_of, home, "电费", today() + timedelta(days=1), paid=True)     # paid
    add_bill(store_of, home, "燃气费", today() - timedelta(days=1))              # already overdue
    add_bill(store_of, home, "停车费", today() + timedelta(days=2), issued_days_ago=1)  # its notice said so
    assert run_job(runtime) == 1
    assert run_job(runtime) == 0
    assert run_job(runtime, utcnow() + timedelta(days=1)) == 0  # the next morning: still only once
    [row] = pushes(runtime, "o_remind")
    assert "缴费提醒" in row.payload["content"] and "物业费" in row.payload["content"]
    assert row.template["template"] == "bill_due"


def test_the_reminder_window_is_configurable(make_runtime, config_with, store_of) -> None:
    runtime = make_runtime(config_with(bills={"reminder_days": 10}))
    home = household(store_of, "89", "107", name="冯四", phone="13900004444")
    bind(runtime, "o_remind_ten", "绑定 89-107 冯四 4444")
    add_bill(store_of, home, "水费", today() + timedelta(days=9))
    assert run_job(runtime) == 1


def test_the_job_is_declared_by_the_flow(runtime: Runtime) -> None:
    [job] = [job for job in runtime.registry.jobs if job.id == "bill_reminders"]
    assert job.flow == "bills" and job.trigger == "cron"


def test_with_wechat_pay_the_template_opens_the_payment_page_until_the_bill_is_due(
        wired, store_of, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from tests.pay_env import local_path, wechat_pay

    with wechat_pay(monkeypatch, tmp_path) as fake:
        runtime = wired()
        home = household(store_of, "89", "108", name="褚五", phone="13900002222")
        bind(runtime, "o_notice_link", "绑定 89-108 褚五 2222")
        with TestClient(create_app(runtime, background=False)) as client:
            new_bill(client, home, due_date=(today() + timedelta(days=5)).isoformat())
            [row] = pushes(runtime, "o_notice_link")
            page = client.get(local_path(row.template["url"]))
            assert page.status_code == 200 and "350.00" in page.text
            assert fake.only_order()[1].openid == "o_notice_link"
