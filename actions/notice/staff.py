"""`/api/announcements`: staff publish notices, list them and push one to every follower;
and the demo community's notices.

A push goes through the outbox to every resident who follows the account — a
customer-service message inside WeChat's 48-hour window, the ``announcement`` template
message outside it when the operator configured one, otherwise it waits for the resident's
next message — once per resident and notice, however often staff press "push".
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import Header, Query
from pydantic import AfterValidator, BeforeValidator, Field

from actions.notice import article, flow
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import ApiModel, Created, ErrorBody, Text, Timestamp, blank_is_none
from bot.dialogue import Reply
from bot.jobs import JobContext
from bot.notify import Template, push
from store import Store
from store.announcements import Announcement, AnnouncementRepository, NewAnnouncement

Kind = Literal["property", "party", "study", "news"]
KindFilter = Annotated[Kind | None, BeforeValidator(blank_is_none),
                       Query(description="property (物业通知), party (党务公开), study (党政学习), news (微报刊)")]
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
    description="repeat a POST with the same key and the notice is published once")]
_WEB = re.compile(r"https?://[^\s<>\"]+")


def _web_address(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not _WEB.fullmatch(value.strip()):
        raise ValueError("must be a web address starting with http:// or https://")
    return value.strip()


WebAddress = Annotated[str | None, AfterValidator(_web_address)]


class AnnouncementIn(ApiModel):
    title: Text = Field(max_length=200)
    body: Text = Field(max_length=20000)
    kind: Kind
    url: WebAddress = Field(None, max_length=2000, description="an article to open (then it is sent as one)")
    image_url: WebAddress = Field(None, max_length=2000, description="the article's picture")


class AnnouncementOut(ApiModel):
    id: int
    kind: Kind
    title: str
    body: str
    url: str | None
    image_url: str | None
    created_at: Timestamp
    pushed_at: Timestamp | None


class PushOut(ApiModel):
    id: int
    queued: int = Field(description="residents it was queued for now (0 when pushed before to all of them)")
    pushed_at: Timestamp


@flow.api.post("/announcements", status_code=201, tags=["announcements"])
def publish(body: AnnouncementIn, store: StoreDep, now: NowDep, idempotency_key: IdempotencyKey = None) -> Created:
    """Publish a notice residents can read (最近有什么通知, 党务公开, 微报刊 …)."""
    notice = NewAnnouncement(kind=body.kind, title=body.title, body=body.body, url=body.url, image_url=body.image_url)
    key = f"api:{idempotency_key}" if idempotency_key else None
    announcement, created = store[AnnouncementRepository].publish(notice, now, source_key=key)
    if not created and (announcement.kind, announcement.title, announcement.body) != (body.kind, body.title, body.body):
        conflict("idempotency_key", "this Idempotency-Key was already used for a different notice")
    return Created(id=announcement.id)


@flow.api.get("/announcements", tags=["announcements"])
def list_announcements(store: StoreDep, kind: KindFilter = None) -> list[AnnouncementOut]:
    """Notices newest first, optionally of one ``kind``."""
    return [_out(a) for a in store[AnnouncementRepository].latest([kind] if kind else None)]


@flow.api.get("/announcements/{announcement_id}", tags=["announcements"], responses={404: {"model": ErrorBody}})
def get_announcement(announcement_id: int, store: StoreDep) -> AnnouncementOut:
    return _out(_get(store, announcement_id))


@flow.api.post("/announcements/{announcement_id}/push", tags=["announcements"], responses={404: {"model": ErrorBody}})
def push_announcement(announcement_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> PushOut:
    """Send the notice to every resident who follows the account (through the outbox), once each."""
    repository = store[AnnouncementRepository]
    announcement = _get(store, announcement_id)
    words = JobContext(runtime, now)
    reply = message(announcement, words)
    local = announcement.created_at.astimezone(words.timezone)
    template = Template("announcement", {
        "first": announcement.title, "keyword1": words.say(f"notice.kinds.{announcement.kind}"),
        "keyword2": f"{local.year}年{local.month}月{local.day}日",
        "remark": announcement.body[:60] + ("…" if len(announcement.body) > 60 else "")}, url=announcement.url or "")
    queued = sum(push(store, openid, reply, now, key=f"announcement:{announcement.id}:{openid}", template=template)
                 for openid in repository.subscribers())
    repository.mark_pushed(announcement, now)
    return PushOut(id=announcement.id, queued=queued, pushed_at=now)


def message(announcement: Announcement, words: JobContext) -> Reply:
    """What a follower receives: the article, or the notice's words with a way to read more."""
    if announcement.url:
        return Reply.news(article(announcement))
    limit = flow.config(words).body_chars
    body = announcement.body if len(announcement.body) <= limit else announcement.body[:limit] + "…"
    return Reply.text(words.say("notice.pushed", kind=words.say(f"notice.kinds.{announcement.kind}"),
                                title=announcement.title, body=body), footer=True)


def _get(store: Store, announcement_id: int) -> Announcement:
    announcement = store[AnnouncementRepository].get(announcement_id)
    if announcement is None:
        not_found("announcement", announcement_id)
    return announcement


def _out(announcement: Announcement) -> AnnouncementOut:
    return AnnouncementOut(id=announcement.id, kind=announcement.kind,
                           title=announcement.title, body=announcement.body, url=announcement.url,
                           image_url=announcement.image_url, created_at=announcement.created_at,
                           pushed_at=announcement.pushed_at)


# --- the demo community ----------------------------------------------------------------------

#: (kind, days ago, title, body, url)
_DEMO = (
    ("property", 1, "3号楼、5号楼停水通知",
     "因二次供水水箱清洗，本周六 9:00–15:00 3号楼、5号楼停水，请提前储水。给您带来不便，敬请谅解。", None),
    ("property", 4, "5号楼电梯年检通知",
     "5号楼1单元电梯下周二上午年检，9:00–11:30 暂停使用，请走楼梯或2单元电梯。", None),
    ("property", 10, "小区消杀通知",
     "本周五下午对小区绿化带和地下车库进行灭鼠除虫消杀，请看管好小孩和宠物。", None),
    ("party", 6, "第三季度党务公开",
     "社区党总支第三季度党费收缴、组织生活会和党员志愿服务情况已在党建园地公示，欢迎监督。", None),
    ("party", 20, "党员志愿服务队招募",
     "社区党员志愿服务队招募新队员，周末为独居老人送餐、陪聊。报名请到居委会或回复“人工”。", None),
    ("study", 8, "党政学习：社区治理新要求",
     "本月学习材料：社区自治共治的新要求。学习会在居委会二楼活动室，周四 14:00。",
     "https://example.org/linli/study/2026-governance"),
    ("news", 3, "阳光花苑微报刊 第12期",
     "本期内容：垃圾分类小窍门、社区书画展获奖作品、夏季防暑提示。",
     "https://example.org/linli/news/issue-12"),
)


@flow.demo
def demo_notices(store: Store, today: date) -> int:
    repository = store[AnnouncementRepository]
    added = 0
    for number, (kind, days, title, body, url) in enumerate(_DEMO, start=1):
        when = datetime.combine(today - timedelta(days=days), time(1, 0), tzinfo=UTC)
        _, created = repository.publish(NewAnnouncement(kind=kind, title=title, body=body, url=url), when,
                                        source_key=f"demo:notice:{number}")
        added += created
    return added
