"""Moderation: what residents said and want shown to their neighbours.

- Complaints and suggestions (committee and property staff): read them by status, publish the
  moderated words every resident reads under 大家提了哪些建议 (the staff API's
  ``POST /api/complaints/{id}/publish``: never who wrote them), or close them.
- Neighbourhood board posts (committee staff): the pending queue, publish, or reject with a
  reason (``POST /api/posts/{id}/publish`` / ``…/reject``: the author is told either way, once).

Every change goes through the staff API's own function and leaves an audit row in its transaction.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actions.board.api import RejectIn
from actions.board.api import publish as api_publish_post
from actions.board.api import reject as api_reject_post
from actions.complaint import PublishIn
from actions.complaint import close as api_close_complaint
from actions.complaint import publish as api_publish_complaint
from bot.console.access import ConsoleError, Pages, ViewerDep, allow, flow_enabled, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.board import KINDS, BoardRepository
from store.complaints import ComplaintRepository

pages = Pages("moderation", order=65)
COMPLAINT_ROLES = allow("staff", "property")
POST_ROLES = allow("staff")
#: How much of a published text an audit row keeps.
DETAIL_CHARS = 200


def _flow_on(request: Request, flow: str) -> None:
    if not flow_enabled(runtime_of(request), flow):
        raise ConsoleError(404, "not_found")


def _refusal(status_code: int, field: object) -> str:
    return "not_found" if status_code == 404 else str(field or "refused")


# --- complaints and suggestions ---------------------------------------------------------------

@pages.get("/moderation", roles=COMPLAINT_ROLES, nav=True)
def complaints(request: Request, viewer: ViewerDep,
               status: Annotated[str, Query(pattern="^(open|published|closed|all)?$")] = "open") -> Response:
    runtime = runtime_of(request)
    if not flow_enabled(runtime, "complaint"):
        if viewer.may(POST_ROLES) and flow_enabled(runtime, "board"):
            return redirect("/moderation/posts")
        raise ConsoleError(404, "not_found")
    status = status or "open"
    with work(request) as store:
        rows = store[ComplaintRepository].list(None if status == "all" else status)
        addresses = {flat.id: flat.address for flat in store.households.list()}
    return render(request, "moderation.html", tab="complaints", complaints=list(reversed(rows)), status=status,
                  addresses=addresses, may_moderate_posts=viewer.may(POST_ROLES) and flow_enabled(runtime, "board"))


@pages.post("/moderation/complaints/{complaint_id}/publish", roles=COMPLAINT_ROLES)
def publish_complaint(request: Request, viewer: ViewerDep, complaint_id: int,
                      text: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """The moderated words (the resident's own when left empty) for every resident to read."""
    _flow_on(request, "complaint")
    try:
        body = PublishIn(text=text) if text.strip() else PublishIn()
    except ValidationError:
        return redirect("/moderation", error="text", complaint=complaint_id)

    def publish(store: Store) -> None:
        published = api_publish_complaint(complaint_id, store, now(), body)
        audit(store, request, "complaint_publish", "complaint", complaint_id,
              detail=(published.published_text or "")[:DETAIL_CHARS])

    _, refused = attempt(request, publish)
    if refused is not None:
        return redirect("/moderation", error=_refusal(refused.status_code, refused.body.get("field")))
    return redirect("/moderation", done="published", complaint=complaint_id)


@pages.post("/moderation/complaints/{complaint_id}/close", roles=COMPLAINT_ROLES)
def close_complaint(request: Request, viewer: ViewerDep, complaint_id: int) -> Response:
    """Dealt with; residents no longer read it."""
    _flow_on(request, "complaint")

    def close(store: Store) -> None:
        found = store[ComplaintRepository].get(complaint_id)
        was_closed = found is not None and found.status == "closed"
        api_close_complaint(complaint_id, store, now())
        if not was_closed:
            audit(store, request, "complaint_close", "complaint", complaint_id)

    _, refused = attempt(request, close)
    if refused is not None:
        return redirect("/moderation", error=_refusal(refused.status_code, refused.body.get("field")))
    return redirect("/moderation", done="closed", complaint=complaint_id)


# --- the neighbourhood board ------------------------------------------------------------------

@pages.get("/moderation/posts", roles=POST_ROLES)
def posts(request: Request, viewer: ViewerDep,
          status: Annotated[str, Query(pattern="^(pending|published|rejected|withdrawn|expired|all)?$")] = "pending",
          kind: Annotated[str, Query(pattern=f"^({'|'.join(KINDS)})?$")] = "") -> Response:
    _flow_on(request, "board")
    runtime = runtime_of(request)
    status = status or "pending"
    with work(request) as store:
        rows = store[BoardRepository].find(None if status == "all" else status, kind or None)
        addresses = {flat.id: flat.address for flat in store.households.list()}
    kinds = {code: runtime.responses.text(f"board.kinds.{code}") for code in KINDS}
    return render(request, "moderation.html", tab="posts", posts=list(reversed(rows)), status=status, kind=kind,
                  kinds=kinds, addresses=addresses, may_moderate_posts=True,
                  complaints_on=flow_enabled(runtime, "complaint"))


@pages.post("/moderation/posts/{post_id}/publish", roles=POST_ROLES)
def publish_post(request: Request, viewer: ViewerDep, post_id: int) -> Response:
    """On the board for the configured days; the author is told."""
    _flow_on(request, "board")
    runtime = runtime_of(request)

    def publish(store: Store) -> None:
        found = store[BoardRepository].get(post_id)
        was_published = found is not None and found.status == "published"
        api_publish_post(post_id, store, now(), runtime)
        if not was_published:
            audit(store, request, "post_publish", "post", post_id)

    _, refused = attempt(request, publish)
    if refused is not None:
        return redirect("/moderation/posts", error=_refusal(refused.status_code, refused.body.get("field")),
                        post=post_id)
    return redirect("/moderation/posts", done="published", post=post_id)


@pages.post("/moderation/posts/{post_id}/reject", roles=POST_ROLES)
def reject_post(request: Request, viewer: ViewerDep, post_id: int,
                reason: Annotated[str, Form(max_length=400)] = "") -> Response:
    """Kept off the board (or taken down); the author is told why."""
    _flow_on(request, "board")
    try:
        body = RejectIn(reason=reason)
    except ValidationError:
        return redirect("/moderation/posts", error="reason", post=post_id)
    runtime = runtime_of(request)

    def reject(store: Store) -> None:
        found = store[BoardRepository].get(post_id)
        was_rejected = found is not None and found.status == "rejected"
        api_reject_post(post_id, body, store, now(), runtime)
        if not was_rejected:
            audit(store, request, "post_reject", "post", post_id, detail=body.reason)

    _, refused = attempt(request, reject)
    if refused is not None:
        return redirect("/moderation/posts", error=_refusal(refused.status_code, refused.body.get("field")),
                        post=post_id)
    return redirect("/moderation/posts", done="rejected", post=post_id)
