"""`/api/announcements`: staff publish notices, list them by kind and push one to every follower
through the outbox — once per resident, however often it is pushed."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from bot.app import _outbox_worker, create_app
from bot.runtime import Runtime
from tests.api.conftest import AUTH, STAFF_TOKEN
from tests.fake_wechat_api import FakeWeChatApi
from tests.talk import Resident

WATER = {"title": "3号楼停水通知", "body": "本周六 9:00–15:00 水箱清洗，3号楼停水。", "kind": "property"}


def pushed(store_of: Callable, openid: str) -> list:
    with store_of() as store:
        return [row for row in store.outbox.for_openid(openid) if row.purpose == "push"]


def test_a_notice_is_published_and_listed_with_its_fields(api: TestClient) -> None:
    created = api.post("/api/announcements", json=WATER)
    assert created.status_code == 201 and set(created.json()) == {"id"}
    listed = api.get("/api/announcements")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [item] = listed.json()
    assert item["id"] == created.json()["id"]
    assert {k: item[k] for k in ("title", "body", "kind")} == WATER
    assert item["url"] is None and item["pushed_at"] is None
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None
    assert api.get(f"/api/announcements/{item['id']}").json() == item


def test_notices_are_listed_newest_first_and_by_kind(api: TestClient) -> None:
    ids = [api.post("/api/announcements", json={**WATER, "title": f"通知 {kind}", "kind": kind}).json()["id"]
           for kind in ("property", "party", "study", "news")]
    assert [item["id"] for item in api.get("/api/announcements").json()] == ids[::-1]
    for kind, ident in zip(("property", "party", "study", "news"), ids, strict=True):
        assert [item["id"] for item in api.get(f"/api/announcements?kind={kind}").json()] == [ident]
    assert len(api.get("/api/announcements?kind=").json()) == 4
    wrong = api.get("/api/announcements?kind=gossip")
    assert wrong.status_code == 422 and wrong.json()["field"] == "kind"


@pytest.mark.parametrize(("body", "field"), [
    ({**WATER, "kind": "gossip"}, "kind"),
    ({**WATER, "title": "  "}, "title"),
    ({k: v for k, v in WATER.items() if k != "body"}, "body"),
    ({**WATER, "title": "x" * 201}, "title"),
    ({**WATER, "url": "javascript:alert(1)"}, "url"),
])
def test_wrong_notices_are_422_naming_the_field(api: TestClient, body: dict, field: str) -> None:
    response = api.post("/api/announcements", json=body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert api.get("/api/announcements").json() == []


def test_a_repeated_post_with_one_idempotency_key_publishes_once(api: TestClient) -> None:
    headers = {"Idempotency-Key": "notice-42"}
    first = api.post("/api/announcements", json=WATER, headers=headers)
    second = api.post("/api/announcements", json=WATER, headers=headers)
    assert first.json() == second.json() and len(api.get("/api/announcements").json()) == 1
    clash = api.post("/api/announcements", json={**WATER, "title": "别的"}, headers=headers)
    assert clash.status_code == 409 and clash.json()["field"] == "idempotency_key"


def test_unknown_notices_are_404_and_the_token_is_required(api: TestClient, client: TestClient) -> None:
    assert api.get("/api/announcements/999").status_code == 404
    assert api.post("/api/announcements/999/push").status_code == 404
    client.headers.pop("Authorization")
    assert client.post("/api/announcements", json=WATER).status_code == 401
    assert client.get("/api/announcements").status_code == 401


def test_a_push_reaches_every_follower_once(api: TestClient, runtime: Runtime, store_of: Callable) -> None:
    for openid in ("o_reader_1", "o_reader_2", "o_gone"):
        Resident(runtime, openid).say("你好")
    with store_of() as store:
        store.residents.get("o_gone").subscribed = False  # type: ignore[union-attr]
    notice = api.post("/api/announcements", json=WATER).json()["id"]
    first = api.post(f"/api/announcements/{notice}/push")
    assert first.status_code == 200 and first.json()["queued"] == 2 and first.json()["id"] == notice
    assert api.post(f"/api/announcements/{notice}/push").json()["queued"] == 0  # pushed twice: nobody gets two
    for openid in ("o_reader_1", "o_reader_2"):
        [row] = pushed(store_of, openid)
        assert "停水" in row.payload["content"] and row.template["template"] == "announcement"
    assert pushed(store_of, "o_gone") == []
    assert api.get(f"/api/announcements/{notice}").json()["pushed_at"] is not None


def test_a_notice_with_a_link_is_pushed_as_one_article(api: TestClient, runtime: Runtime, store_of: Callable) -> None:
    Resident(runtime, "o_article").say("你好")
    body = {"title": "微报刊 第13期", "body": "本期：防暑小贴士。", "kind": "news",
            "url": "https://example.org/news/13", "image_url": "https://example.org/news/13.jpg"}
    notice = api.post("/api/announcements", json=body).json()["id"]
    api.post(f"/api/announcements/{notice}/push")
    [row] = pushed(store_of, "o_article")
    assert row.payload["article"] == {"title": "微报刊 第13期", "description": "本期：防暑小贴士。",
                                      "url": "https://example.org/news/13", "image": "https://example.org/news/13.jpg"}


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


def test_pushed_notices_go_out_through_the_wechat_api(make_runtime: Callable[..., Runtime],
                                                      fake_api: FakeWeChatApi) -> None:
    runtime = make_runtime(STAFF_API_TOKEN=STAFF_TOKEN, WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=fake_api.base_url)
    Resident(runtime, "o_follower").say("你好")
    worker = _outbox_worker(runtime)
    assert worker is not None
    with TestClient(create_app(runtime, background=False), headers=AUTH) as http:
        notice = http.post("/api/announcements", json=WATER).json()["id"]
        http.post(f"/api/announcements/{notice}/push")
        http.post(f"/api/announcements/{notice}/push")
        while worker.run_once():
            pass
    sent = [m for m in fake_api.sent if m["touser"] == "o_follower"]
    assert len(sent) == 1 and "3号楼停水通知" in sent[0]["text"]["content"]
