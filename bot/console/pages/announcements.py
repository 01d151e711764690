"""Announcements: write and publish a notice (the staff API's publish: residents can read it at
once), list them, push one to every follower (the API's push, once each). Each role writes
its own kinds: the committee all of them, property staff 物业通知, the party office 党务公开
and 党政学习."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.notice.staff import AnnouncementIn, publish, push_announcement
from bot.console.access import ConsoleError, Pages, Viewer, ViewerDep, allow, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.announcements import KINDS, AnnouncementRepository
from store.console import AuditRepository

pages = Pages("announcements", flow="notice", order=70)
NOTICE_ROLES = allow("staff", "property", "party")
_KINDS_OF = {"admin": KINDS, "staff": KINDS, "property": ("property",), "party": ("party", "study")}


def kinds_of(viewer: Viewer) -> tuple[str, ...]:
    return tuple(_KINDS_OF.get(viewer.role, ()))


@pages.get("/announcements", roles=NOTICE_ROLES, nav=True)
def announcements(request: Request, viewer: ViewerDep) -> Response:
    kinds = kinds_of(viewer)
    with work(request) as store:
        notices = store[AnnouncementRepository].latest(list(kinds), limit=200)
    return render(request, "announcements.html", notices=notices, kinds=kinds, idempotency_key=uuid.uuid4().hex)


@pages.post("/announcements", roles=NOTICE_ROLES)
def write(request: Request, viewer: ViewerDep, title: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
          kind: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
          image_url: Annotated[str, Form()] = "",
          idempotency_key: Annotated[str, Form(pattern=r"^[0-9a-f]{32}$")] = "") -> Response:
    """Publish a notice as the staff API does (a form sent twice publishes it once)."""
    if kind not in KINDS:
        return redirect("/announcements", error="kind")
    if kind not in kinds_of(viewer):
        raise ConsoleError(403, "forbidden")  # a kind of another office
    try:
        notice = AnnouncementIn(title=title, body=body, kind=kind, url=url or None,
                                image_url=image_url or None)
    except ValidationError as wrong:
        return redirect("/announcements", error=str(wrong.errors()[0]["loc"][0]))

    def add(store: Store) -> int:
        created = publish(notice, store, now(), f"console-{idempotency_key or uuid.uuid4().hex}")
        earlier = store[AuditRepository].of("announcement", created.id)
        if not any(entry.action == "announcement_publish" for entry in earlier):  # not again for a resent form
            audit(store, request, "announcement_publish", "announcement", created.id, detail=notice.title)
        return created.id

    notice_id, refused = attempt(request, add)
    if refused is not None:
        return redirect("/announcements", error="refused")
    return redirect("/announcements", done="published", notice=notice_id)


@pages.post("/announcements/{notice_id}/push", roles=NOTICE_ROLES)
def push(request: Request, viewer: ViewerDep, notice_id: int) -> Response:
    """Send it to every follower through the outbox (the staff API's push: once each)."""
    runtime = runtime_of(request)

    def send(store: Store) -> int:
        found = store[AnnouncementRepository].get(notice_id)
        if found is None:
            raise ConsoleError(404, "not_found")
        if found.kind not in kinds_of(viewer):
            raise ConsoleError(403, "forbidden")
        result = push_announcement(notice_id, store, now(), runtime)
        audit(store, request, "announcement_push", "announcement", notice_id, detail=f"{result.queued}")
        return result.queued

    queued, _ = attempt(request, send)
    return redirect("/announcements", done="pushed", queued=queued)
