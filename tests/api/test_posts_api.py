"""`/api/posts`: the board's moderation queue — list by status and kind, publish, reject (the
author is told either way)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from bot.runtime import Runtime
from tests.community_support import ZHANG, add_post, bound, household_at, queued_for

FIELDS = {"id", "openid", "household_id", "kind", "text", "contact", "status", "likes", "created_at"}


def posted_by_resident(runtime: Runtime, openid: str = "o_poster") -> None:
    resident = bound(runtime, openid, ZHANG)
    resident.say("我有一辆儿童自行车想卖，九成新，50块")
    resident.say("1")  # show my phone (masked)
    assert "已提交" in resident.say("1")


def test_a_residents_post_waits_in_the_queue_with_the_fixed_fields(api: TestClient, runtime: Runtime,
                                                                   store_of: Callable) -> None:
    posted_by_resident(runtime)
    listed = api.get("/api/posts", params={"status": "pending"})
    assert listed.status_code == 200
    [post] = listed.json()
    assert set(post) == FIELDS
    assert (post["openid"], post["household_id"], post["kind"], post["status"], post["likes"]) == \
        ("o_poster", household_at(store_of, "3-502"), "market", "pending", 0)
    assert "儿童自行车" in post["text"] and post["contact"] == "139****1234"


def test_filters_by_status_and_kind(api: TestClient, store_of: Callable) -> None:
    home = household_at(store_of, "3-502")
    add_post(store_of, None, home, "good_news", "孙子考上大学了")
    add_post(store_of, None, home, "lend", "折叠梯可以借", published=False)
    assert [p["kind"] for p in api.get("/api/posts").json()] == ["good_news", "lend"]
    assert [p["kind"] for p in api.get("/api/posts", params={"status": "", "kind": ""}).json()] == ["good_news", "lend"]
    assert [p["kind"] for p in api.get("/api/posts", params={"kind": "lend"}).json()] == ["lend"]
    assert [p["status"] for p in api.get("/api/posts", params={"status": "published"}).json()] == ["published"]
    assert api.get("/api/posts", params={"kind": "jobs"}).json()["field"] == "kind"
    assert api.get("/api/posts", params={"status": "deleted"}).json()["field"] == "status"


def test_publishing_puts_it_on_the_board_and_tells_the_author(api: TestClient, runtime: Runtime,
                                                              store_of: Callable) -> None:
    posted_by_resident(runtime)
    [post] = api.get("/api/posts").json()
    published = api.post(f"/api/posts/{post['id']}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert api.post(f"/api/posts/{post['id']}/publish").status_code == 200  # again: nothing new
    [notice] = queued_for(store_of, "o_poster")
    assert "审核通过" in notice
    from tests.talk import Resident

    assert "儿童自行车" in Resident(runtime, "o_neighbour").say("有什么二手东西在卖")


def test_rejecting_tells_the_author_why(api: TestClient, runtime: Runtime, store_of: Callable) -> None:
    posted_by_resident(runtime)
    [post] = api.get("/api/posts").json()
    assert api.post(f"/api/posts/{post['id']}/reject", json={}).json()["field"] == "reason"
    assert api.post(f"/api/posts/{post['id']}/reject", json={"reason": " "}).json()["field"] == "reason"
    rejected = api.post(f"/api/posts/{post['id']}/reject", json={"reason": "涉及商业广告"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    [notice] = queued_for(store_of, "o_poster")
    assert "涉及商业广告" in notice and "抱歉" in notice


@pytest.mark.parametrize("action", ["publish", "reject"])
def test_unknown_and_withdrawn_posts(api: TestClient, runtime: Runtime, action: str) -> None:
    body = {"reason": "重复发布"}
    assert api.post(f"/api/posts/99999/{action}", json=body).status_code == 404
    posted_by_resident(runtime, "o_withdrawer")
    [post] = api.get("/api/posts").json()
    from tests.talk import Resident

    resident = Resident(runtime, "o_withdrawer")
    resident.say("撤回我的帖子")
    assert "撤回" in resident.say("1")
    refused = api.post(f"/api/posts/{post['id']}/{action}", json=body)
    assert refused.status_code == 409 and refused.json()["field"] == "status"


def test_no_token_no_queue(client: TestClient) -> None:
    assert client.get("/api/posts").status_code == 401
