"""Announcements: 物业通知 (``property``), 党务公开 (``party``), 党政学习 (``study``), 微报刊 (``news``).

One repository for every kind, so that each flow that publishes or reads notices (the
notice flow, the party flows, the community-life flows) shares the same records and the
same push. An announcement may carry an article's link and picture (``url``,
``image_url``): then a resident gets it as one tappable article. ``pushed_at`` says when
staff last sent it to the residents.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Integer, String, Text, bindparam, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from store.clock import UtcDateTime, utcnow
from store.models import Base, Resident
from store.repositories import Repository
from store.repositories._by_key import ByKey
from store.repositories._prepared import Prepared

KINDS = ("property", "party", "study", "news")


class Announcement(Base):
    """A notice staff published."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text, default=None)
    image_url: Mapped[str | None] = mapped_column(Text, default=None)
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


@dataclass(frozen=True, slots=True)
class NewAnnouncement:
    kind: str
    title: str
    body: str
    url: str | None = None
    image_url: str | None = None


# The notices a resident asks for are read on the driver (see ByKey), with one statement kept
# per shape of question (which kinds, how many words, since when, how many).
_LOADER = ByKey(Announcement)


@lru_cache(maxsize=256)
def _latest(kinds: tuple[str, ...] | None, words: int, since: bool, limit: bool) -> Prepared:
    query = _LOADER.select().order_by(Announcement.created_at.desc(), Announcement.id.desc())
    if kinds is not None:
        query = query.where(Announcement.kind.in_(kinds) if not kinds else
                            or_(*(Announcement.kind == kind for kind in kinds)))
    if words:
        query = query.where(or_(*[column.like(bindparam(f"word_{at}"), escape="/") for at in range(words)
                                  for column in (Announcement.title, Announcement.body)]))
    if since:
        query = query.where(Announcement.created_at >= bindparam("since"))
    if limit:
        query = query.limit(bindparam("limit", type_=Integer))
    return Prepared(query)


def _escaped(word: str) -> str:
    """``word`` matched literally by LIKE … ESCAPE '/' (as ``contains(…, autoescape=True)``)."""
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")


class AnnouncementRepository(Repository):
    def publish(self, notice: NewAnnouncement, now: datetime,
                source_key: str | None = None) -> tuple[Announcement, bool]:
        """Add an announcement (once per ``source_key`` when one is given); returns (it, created)."""
        if notice.kind not in KINDS:
            raise ValueError(f"unknown announcement kind {notice.kind!r}")
        if source_key is not None:
            existing = self.session.scalars(
                select(Announcement).where(Announcement.source_key == source_key)).first()
            if existing is not None:
                return existing, False
        row = Announcement(kind=notice.kind, title=notice.title, body=notice.body, url=notice.url,
                           image_url=notice.image_url, source_key=source_key, created_at=now)
        self.session.add(row)
        self.session.flush()
        return row, True

    def get(self, announcement_id: int) -> Announcement | None:
        return self.session.get(Announcement, announcement_id)

    def latest(self, kinds: Sequence[str] | None = None, *, words: Sequence[str] = (),
               since: datetime | None = None, limit: int | None = None) -> list[Announcement]:
        """Announcements newest first: of ``kinds`` (all when None), mentioning any of ``words``
        in the title or body (any when empty), published since ``since``."""
        params: dict[str, object] = {f"word_{at}": f"%{_escaped(word)}%" for at, word in enumerate(words)}
        if since is not None:
            params["since"] = since
        if limit is not None:
            params["limit"] = limit
        statement = _latest(tuple(kinds) if kinds is not None else None, len(words), since is not None,
                            limit is not None)
        return _LOADER.all(self.session, statement, params)

    def mark_pushed(self, announcement: Announcement, now: datetime) -> None:
        announcement.pushed_at = now

    def subscribers(self) -> list[str]:
        """Everyone who follows the account now: who a pushed announcement goes to."""
        query = select(Resident.openid).where(Resident.subscribed.is_(True)).order_by(Resident.openid)
        return list(self.session.scalars(query))
