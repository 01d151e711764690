"""`/api/posts`: the moderation queue of the neighbourhood board — list, publish, reject.

The author is told either way: that the post is up, or, politely, why it is not."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BeforeValidator, Field

from actions.board import flow
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import ApiModel, ErrorBody, Text, Timestamp, blank_is_none
from bot.dialogue import Reply
from bot.notify import Template, push
from bot.runtime import Runtime
from store import Store
from store.board import BoardPost, BoardRepository

Kind = Literal["market", "lend", "good_news", "group_buy", "job", "group"]
Status = Literal["pending", "published", "rejected", "withdrawn", "expired"]
KindFilter = Annotated[Kind | None, BeforeValidator(blank_is_none), Query()]
StatusFilter = Annotated[Status | None, BeforeValidator(blank_is_none), Query()]
_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such post"},
    409: {"model": ErrorBody, "description": "the author withdrew it, or it expired"}}


class PostOut(ApiModel):
    id: int
    openid: str | None
    household_id: int | None
    kind: Kind
    text: str
    contact: str
    status: Status
    likes: int
    created_at: Timestamp


class RejectIn(ApiModel):
    reason: Annotated[Text, Field(max_length=200, description="told to the author, e.g. 涉及商业广告")]


def _out(post: BoardPost) -> PostOut:
    return PostOut(id=post.id, openid=post.openid, household_id=post.household_id, kind=post.kind,
                   text=post.text, contact=post.contact, status=post.status, likes=post.likes,
                   created_at=post.created_at)


def _get(store: Store, post_id: int) -> BoardPost:
    post = store[BoardRepository].get(post_id)
    if post is None:
        not_found("post", post_id)
    return post


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _tell(store: Store, runtime: Runtime, post: BoardPost, key: str, now: Any, **values: Any) -> None:
    if not post.openid:
        return
    text = runtime.responses.text(key, post=post.id, text=_short(post.text), **values)
    push(store, post.openid, Reply.text(text, footer=True), now, key=f"{key}:{post.id}:{post.updated_at.timestamp()}",
         template=Template("board_moderated", {"first": text, "keyword1": str(post.id)}))


@flow.api.get("/posts", tags=["board"])
def list_posts(store: StoreDep, status: StatusFilter = None, kind: KindFilter = None) -> list[PostOut]:
    """Posts oldest first (the moderation queue: ``?status=pending``), optionally of one kind."""
    return [_out(post) for post in store[BoardRepository].find(status, kind)]


@flow.api.post("/posts/{post_id}/publish", tags=["board"], responses=_RESPONSES)
def publish(post_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> PostOut:
    """Put the post on the board for ``board.expire_days`` days; the author is told."""
    post = _get(store, post_id)
    if post.status in ("withdrawn", "expired"):
        conflict("status", f"post {post.id} is {post.status}")
    if post.status != "published":
        store[BoardRepository].publish(post, now, flow.config(runtime).expire_days)
        _tell(store, runtime, post, "board.published_notice", now)
    return _out(post)


@flow.api.post("/posts/{post_id}/reject", tags=["board"], responses=_RESPONSES)
def reject(post_id: int, body: RejectIn, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> PostOut:
    """Keep the post off the board (or take it down); the author is told why, politely."""
    post = _get(store, post_id)
    if post.status in ("withdrawn", "expired"):
        conflict("status", f"post {post.id} is {post.status}")
    if post.status != "rejected":
        store[BoardRepository].reject(post, body.reason, now)
        _tell(store, runtime, post, "board.rejected_notice", now, reason=body.reason)
    return _out(post)
