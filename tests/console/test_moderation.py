"""The moderation page through the app: complaints published in moderated words or closed,
board posts published or rejected with the author told — with the staff API's own rules, an
audit row for each change, and the roles that may not moderate refused."""
from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from store.board import BoardRepository
from store.clock import utcnow
from store.complaints import ComplaintRepository
from store.console import AuditRepository
from tests.community_support import household_at
from tests.console.conftest import log_in
from tests.love_support import pushes


def audited(store_of: Callable, action: str) -> list:
    with store_of() as store:
        return store[AuditRepository].recent(action=action)


def complaint(store_of: Callable, household: int, words: str) -> int:
    with store_of() as store:
        row, _ = store[ComplaintRepository].record("o_complainer", words, f"test:{words}", utcnow(),
                                                   household_id=household)
        return row.id


def post(store_of: Callable, words: str, kind: str = "market", openid: str = "o_author") -> int:
    with store_of() as store:
        store.residents.get_or_create(openid, utcnow())  # a follower, so that the author can be told
        row, _ = store[BoardRepository].create(openid, None, kind, words, "138****1234", key=f"test:{words}",
                                               now=utcnow())
        return row.id


def test_property_staff_publish_a_complaint_in_moderated_words_then_close_it(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    said = "3号楼王建国家天天半夜装修，电话13912345678，太吵了"
    complaint_id = complaint(store_of, household_at(store_of, "3-502"), said)
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    page = console.get("/console/moderation")
    assert page.status_code == 200 and said in page.text and "邻里圈帖子" not in page.text
    moderated = "希望物业提醒装修的住户遵守装修时间，晚上不要施工。"
    answer = console.post(f"/console/moderation/complaints/{complaint_id}/publish",
                          data={"text": moderated, "csrf_token": csrf})
    assert answer.status_code == 303 and "done=published" in answer.headers["location"]
    with store_of() as store:
        row = store[ComplaintRepository].get(complaint_id)
        assert (row.status, row.published_text, row.text) == ("published", moderated, said)
        assert complaint_id in {c.id for c in store[ComplaintRepository].published()}
    [entry] = audited(store_of, "complaint_publish")
    assert (entry.actor, entry.object_id, entry.detail) == ("zhao", str(complaint_id), moderated)
    for _ in range(2):
        closed = console.post(f"/console/moderation/complaints/{complaint_id}/close", data={"csrf_token": csrf})
        assert "done=closed" in closed.headers["location"]
    with store_of() as store:
        assert store[ComplaintRepository].get(complaint_id).status == "closed"
        assert complaint_id not in {c.id for c in store[ComplaintRepository].published()}
    assert len(audited(store_of, "complaint_close")) == 1
    assert console.post("/console/moderation/complaints/99999/close", data={"csrf_token": csrf}
                        ).headers["location"].endswith("error=not_found")


def test_a_complaint_published_without_new_words_shows_the_residents_own(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    complaint_id = complaint(store_of, household_at(store_of, "3-502"), "希望周末也开放活动室")
    member("li", "staff")
    csrf = log_in(console, "li")
    console.post(f"/console/moderation/complaints/{complaint_id}/publish", data={"text": "  ", "csrf_token": csrf})
    with store_of() as store:
        assert store[ComplaintRepository].get(complaint_id).published_text == "希望周末也开放活动室"


def test_staff_publish_one_post_and_reject_another_and_each_author_is_told_once(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    bike = post(store_of, "九成新儿童自行车，50元")
    advert = post(store_of, "专业疏通下水道，上门服务", openid="o_advert")
    member("li", "staff")
    csrf = log_in(console, "li")
    queue = console.get("/console/moderation/posts").text
    assert f'id="post-{bike}"' in queue and f'id="post-{advert}"' in queue
    for _ in range(2):
        published = console.post(f"/console/moderation/posts/{bike}/publish", data={"csrf_token": csrf})
        assert "done=published" in published.headers["location"]
    blank = console.post(f"/console/moderation/posts/{advert}/reject", data={"reason": " ", "csrf_token": csrf})
    assert "error=reason" in blank.headers["location"]
    rejected = console.post(f"/console/moderation/posts/{advert}/reject",
                            data={"reason": "涉及商业广告", "csrf_token": csrf})
    assert "done=rejected" in rejected.headers["location"]
    with store_of() as store:
        board = store[BoardRepository]
        assert board.get(bike).status == "published" and board.get(bike).expires_at is not None
        assert (board.get(advert).status, board.get(advert).reject_reason) == ("rejected", "涉及商业广告")
    [told] = pushes(store_of, "o_author")
    assert "已经发布" in told
    [why] = pushes(store_of, "o_advert")
    assert "涉及商业广告" in why
    assert [e.object_id for e in audited(store_of, "post_publish")] == [str(bike)]
    assert [e.detail for e in audited(store_of, "post_reject")] == ["涉及商业广告"]
    assert f'id="post-{bike}"' not in console.get("/console/moderation/posts").text


def test_a_withdrawn_post_cannot_be_published(console: TestClient, member: Callable, store_of: Callable) -> None:
    gone = post(store_of, "闲置书架，自提")
    with store_of() as store:
        board = store[BoardRepository]
        board.withdraw(board.get(gone), utcnow())
    member("li", "staff")
    csrf = log_in(console, "li")
    answer = console.post(f"/console/moderation/posts/{gone}/publish", data={"csrf_token": csrf})
    assert "error=status" in answer.headers["location"]
    with store_of() as store:
        assert store[BoardRepository].get(gone).status == "withdrawn"
    assert audited(store_of, "post_publish") == []


def test_property_staff_may_not_moderate_posts_and_party_staff_may_not_moderate_at_all(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    waiting = post(store_of, "周末一起打羽毛球", kind="group")
    complaint_id = complaint(store_of, household_at(store_of, "3-502"), "垃圾房太臭了")
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    assert console.get("/console/moderation/posts").status_code == 403
    assert console.post(f"/console/moderation/posts/{waiting}/publish", data={"csrf_token": csrf}).status_code == 403
    member("dang", "party")
    console.cookies.clear()
    csrf = log_in(console, "dang")
    assert console.get("/console/moderation").status_code == 403
    assert console.post(f"/console/moderation/complaints/{complaint_id}/close",
                        data={"csrf_token": csrf}).status_code == 403
    with store_of() as store:
        assert store[BoardRepository].get(waiting).status == "pending"
        assert store[ComplaintRepository].get(complaint_id).status == "open"
    assert {entry.action for entry in audited(store_of, "")} == {"login"}
