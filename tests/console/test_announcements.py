"""The announcements page: publish once per form, push to followers once each; each role writes its own kinds."""
from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from store.announcements import AnnouncementRepository
from store.clock import utcnow
from store.console import AuditRepository
from tests.console.conftest import log_in


def test_a_notice_is_published_once_and_pushed_to_each_follower_once(console: TestClient, member: Callable,
                                                                      store_of: Callable) -> None:
    with store_of() as store:
        store.residents.get_or_create("o_follower", utcnow())
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', console.get("/console/announcements").text)
    form = {"title": "周三停水通知", "body": "周三上午9点到12点停水检修。", "kind": "property",
            "idempotency_key": key.group(1), "csrf_token": csrf}
    for _ in range(2):
        assert console.post("/console/announcements", data=form).status_code == 303
    with store_of() as store:
        [notice] = [n for n in store[AnnouncementRepository].latest(["property"]) if n.title == "周三停水通知"]
    for _ in range(2):
        console.post(f"/console/announcements/{notice.id}/push", data={"csrf_token": csrf})
    with store_of() as store:
        pushed = [row for row in store.outbox.for_openid("o_follower")
                  if row.dedup_key == f"announcement:{notice.id}:o_follower"]
        assert len(pushed) == 1 and store[AnnouncementRepository].get(notice.id).pushed_at is not None
        assert len(store[AuditRepository].recent(action="announcement_publish")) == 1
    party = dict(form, kind="party")
    assert console.post("/console/announcements", data=party).status_code == 403


def test_the_party_office_writes_party_and_study_notices(console: TestClient, member: Callable) -> None:
    member("dang", "party")
    log_in(console, "dang")
    page = console.get("/console/announcements").text
    assert 'value="party"' in page and 'value="study"' in page and 'value="property"' not in page
