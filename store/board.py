"""The neighbourhood board (邻里圈): residents' posts, moderated by staff, and likes.

Kinds: ``market`` 交易买卖, ``lend`` 物品租借, ``good_news`` 家有喜事, ``group_buy`` 团购,
``job`` 社区招聘, ``group`` 兴趣群. A post waits for staff (``pending``), who publish or reject
it; its author may withdraw it; a published post expires after the configured days::

    pending ──publish──▶ published ──(days)──▶ expired
       │                    │
       ├──reject──▶ rejected ◀──reject──┤
       └──────withdraw──▶ withdrawn ◀───┘

One post per source message (``source_key``); one like per resident per post (a unique
constraint), and the like count is raised in the same statement that finds the post published.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base
from store.repositories import Repository
from store.repositories._sql import insert_ignoring_conflicts

KINDS = ("market", "lend", "good_news", "group_buy", "job", "group")
STATUSES = ("pending", "published", "rejected", "withdrawn", "expired")
#: What the author may still withdraw.
LIVE = ("pending", "published")


class BoardPost(Base):
    __tablename__ = "board_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The author (None once they asked to be forgotten).
    openid: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    #: How neighbours reach the author, as shown to them (a masked phone, a WeChat id the
    #: author agreed to show, or "through the official account"); empty for none.
    contact: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    reject_reason: Mapped[str | None] = mapped_column(Text, default=None)
    source_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class BoardLike(Base):
    __tablename__ = "board_likes"
    __table_args__ = (UniqueConstraint("post_id", "openid", name="uq_board_like_resident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("board_posts.id", ondelete="CASCADE"), index=True)
    #: Who liked it (None once they asked to be forgotten; the count stays).
    openid: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class BoardRepository(Repository):
    def create(self, openid: str | None, household_id: int | None, kind: str, text: str, contact: str, *,
               key: str, now: datetime) -> tuple[BoardPost, bool]:
        """A new post waiting for staff, once per ``key``; returns (post, created)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of post {kind!r}")
        existing = self.session.scalars(select(BoardPost).where(BoardPost.source_key == key)).first()
        if existing is not None:
            return existing, False
        post = BoardPost(openid=openid, household_id=household_id, kind=kind, text=text, contact=contact[:64],
                         status="pending", likes=0, source_key=key, created_at=now, updated_at=now)
        self.session.add(post)
        self.session.flush()
        return post, True

    def get(self, post_id: int) -> BoardPost | None:
        return self.session.get(BoardPost, post_id)

    def find(self, status: str | None = None, kind: str | None = None) -> list[BoardPost]:
        """Posts oldest first (the moderation queue's order), optionally of one status and kind."""
        query = select(BoardPost).order_by(BoardPost.id)
        if status:
            query = query.where(BoardPost.status == status)
        if kind:
            query = query.where(BoardPost.kind == kind)
        return list(self.session.scalars(query))

    def published(self, now: datetime, kind: str | None = None, limit: int = 8) -> list[BoardPost]:
        """What residents see: published and not yet expired, newest first."""
        query = (select(BoardPost).where(BoardPost.status == "published")
                 .where((BoardPost.expires_at.is_(None)) | (BoardPost.expires_at > now))
                 .order_by(BoardPost.published_at.desc(), BoardPost.id.desc()).limit(limit))
        if kind:
            query = query.where(BoardPost.kind == kind)
        return list(self.session.scalars(query))

    def live_of(self, openid: str) -> list[BoardPost]:
        """The resident's own posts that are waiting or showing, newest first."""
        query = (select(BoardPost).where(BoardPost.openid == openid, BoardPost.status.in_(LIVE))
                 .order_by(BoardPost.id.desc()))
        return list(self.session.scalars(query))

    def publish(self, post: BoardPost, now: datetime, days: int) -> None:
        post.status, post.published_at, post.updated_at = "published", now, now
        post.expires_at = now + timedelta(days=days)
        post.reject_reason = None

    def reject(self, post: BoardPost, reason: str, now: datetime) -> None:
        post.status, post.reject_reason, post.updated_at = "rejected", reason, now

    def withdraw(self, post: BoardPost, now: datetime) -> None:
        post.status, post.updated_at = "withdrawn", now

    def like(self, post_id: int, openid: str, now: datetime) -> bool:
        """One like per resident per post; True when this one counted."""
        if not insert_ignoring_conflicts(self.session, BoardLike.__table__,  # type: ignore[arg-type]
                                         {"post_id": post_id, "openid": openid, "created_at": now}):
            return False
        self.session.execute(update(BoardPost).where(BoardPost.id == post_id)
                             .values(likes=BoardPost.likes + 1)
                             .execution_options(synchronize_session=False))
        post = self.session.get(BoardPost, post_id)
        if post is not None:
            self.session.refresh(post, ["likes"])
        return True

    def liked(self, post_id: int, openid: str) -> bool:
        return self.session.scalars(select(BoardLike.id).where(
            BoardLike.post_id == post_id, BoardLike.openid == openid)).first() is not None

    def expire(self, now: datetime) -> int:
        """Published posts past their days are taken off the board."""
        result = self.session.execute(
            update(BoardPost).where(BoardPost.status == "published", BoardPost.expires_at.is_not(None),
                                    BoardPost.expires_at <= now)
            .values(status="expired", updated_at=now).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    def forget(self, openid: str, now: datetime) -> int:
        """A resident who asks to be deleted: their posts come off the board and lose their name
        and contact; likes they gave lose their name, the counts stay."""
        posts = list(self.session.scalars(select(BoardPost).where(BoardPost.openid == openid)))
        for post in posts:
            if post.status in LIVE:
                post.status = "withdrawn"
            post.openid, post.contact, post.updated_at = None, "", now
        self.session.execute(update(BoardLike).where(BoardLike.openid == openid).values(openid=None)
                             .execution_options(synchronize_session=False))
        self.session.flush()
        return len(posts)
