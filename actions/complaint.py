"""complaint (投诉建议): a complaint or suggestion in the resident's own words reaches a person;
complaint_list (大家提了哪些建议): what staff chose to publish, for every resident to read.

"楼上天天半夜装修太吵了，我要投诉" is recorded as it is, with the household (once per message),
put in the staff inbox and acknowledged with its number; a bare "我要投诉" asks what it is
about first; "我的投诉处理了吗" reads the resident's own, with where each stands. Noise is
never filed: what is recorded must say something. Staff read them at ``/api/complaints`` and
may publish a moderated text (``/publish``) or close one; residents see only published
texts, newest first, never who wrote them or a phone number.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BeforeValidator, Field

from bot.api.deps import NowDep, StoreDep, not_found
from bot.api.schemas import ApiModel, ErrorBody, Text, Timestamp, blank_is_none
from bot.dialogue import Context, Flow, FlowSettings, Form, MenuEntry, Option, Reply, Stage, Turn
from bot.dialogue.text import chinese_punctuation, is_noise, mentions, plain
from bot.privacy import mask_phone
from store import Store
from store.complaints import Complaint, ComplaintRepository


class ComplaintSettings(FlowSettings):
    #: Words that ask to read the published suggestions (whatever the NLU reads).
    list_words: list[str] = Field(default_factory=lambda: [
        "大家提了哪些建议", "大家提了什么建议", "大家提的建议", "大家的建议", "大家的意见", "大家提了哪些意见",
        "别人提的建议", "看看建议", "建议公示", "意见公示", "公开的建议", "看看大家提的", "有哪些建议"])
    #: Words about the resident's own complaints (我的投诉, 上次反映的) ...
    mine_words: list[str] = Field(default_factory=lambda: [
        "我的投诉", "我投诉的", "我的建议", "我提的", "我的意见", "我反映的", "上次反映", "上次投诉", "上次提的",
        "之前反映", "之前投诉", "之前提的", "前几天反映", "前几天投诉", "投诉的事", "反映的事", "投诉进度",
        "投诉结果", "建议进度"])
    #: ... and words asking where they stand (处理了吗, 有回复吗): both together read the
    #: resident's own, never file a new one.
    progress_words: list[str] = Field(default_factory=lambda: [
        "进度", "处理了吗", "处理了没", "处理得怎么样", "处理的怎么样", "有结果", "结果呢", "结果怎么样",
        "结果如何", "回复了吗", "有回复", "有答复", "怎么样了", "怎么样啦", "有下文", "解决了吗", "解决了没",
        "有人管吗", "落实了吗", "有消息吗", "到哪一步", "到哪了"])
    #: ... or with nothing but these around them (我的投诉, 查看我的投诉, 我提的意见呢): also a
    #: wish to read their own.
    look_words: list[str] = Field(default_factory=lambda: [
        "查看", "看看", "看一下", "看一看", "查一下", "查查", "查询", "我要看", "我想看", "想看", "给我看", "帮我查",
        "帮我看", "请问", "一下", "所有", "全部", "呢", "吗", "吧", "啊", "有哪些", "在哪", "哪里看", "投诉", "建议",
        "意见", "问题", "的"])
    #: At most this many published suggestions are shown.
    list_size: int = Field(5, ge=1, le=20)
    #: A published text longer than this is cut in the list.
    list_chars: int = Field(120, ge=20)


flow: Flow[ComplaintSettings] = Flow("complaint", settings=ComplaintSettings,
                                     menu=[MenuEntry("complaint", order=60), MenuEntry("complaint_list", order=62)])

#: Only asks to complain, without saying about what.
_BARE = re.compile(r"^(?:我|我们)?(?:要|想|需要)?"
                   r"(?:投诉|提意见|提个意见|提建议|提个建议|反映问题|反映一下|反映个问题|建议|意见|批评)"
                   r"(?:一下|下)?(?:物业|居委会|你们)?(?:吧|啊|呀)?$")


@flow.form
class ComplaintForm(Form):
    name = "complaint"
    slots = ("text",)
    words = "complaint"

    def extract_text(self, turn: Turn, ctx: Context, requested: bool) -> Any:
        words = turn.text.strip()
        if not words or is_noise(turn) or _BARE.match(turn.plain):
            return None
        if not requested and turn.intent != self.name:
            return None
        return words

    def validate_text(self, value: Any, turn: Turn, ctx: Context) -> Any:
        text = chinese_punctuation(str(value).strip())
        return text[:2000] if len(text) >= 4 else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        text = str(slots["text"])
        escalated = ctx.escalate(turn, "complaint", text=text)
        household = ctx.household
        complaint, _ = ctx.store[ComplaintRepository].record(
            turn.openid, text, turn.msg_key, ctx.now, household_id=household.id if household else None,
            escalation_id=escalated.escalation.id)
        # The resident's number for it is the case's: the one staff answers and closings name.
        return ctx.reply("complaint.received" if escalated.opened else "complaint.added",
                         case=escalated.escalation.id)


# --- what residents may read -------------------------------------------------------------

@flow.trigger(Stage.COMMAND)
def list_words(turn: Turn, ctx: Context) -> Reply | None:
    """"大家提了哪些建议" and "我的投诉处理了吗" are wishes to read, never complaints to file."""
    if ctx.dialog.form not in (None, "complaint") or turn.tapped or not turn.text:
        return None
    settings = flow.config(ctx)
    if mentions(turn.text, settings.list_words) or asks_about_mine(turn, settings):
        return Reply.route("complaint_list")
    return None


def asks_about_mine(turn: Turn, settings: ComplaintSettings) -> bool:
    """我的投诉处理了吗 / 我的投诉 / 查看我的建议: the resident's own, never a new one to file."""
    if turn.tapped or not mentions(turn.text, settings.mine_words):
        return False
    return mentions(turn.text, settings.progress_words) or not _rest(turn.plain, settings)


def _rest(said: str, settings: ComplaintSettings) -> str:
    """What the words say besides naming the resident's own and asking to see them."""
    for word in sorted({plain(w) for w in (*settings.mine_words, *settings.look_words)}, key=len, reverse=True):
        if word:
            said = said.replace(word, "")
    return said


@flow.action("complaint_list")
def complaint_list(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    if asks_about_mine(turn, settings):
        return _mine(ctx, settings).closing() if ctx.dialog.form == "complaint" else _mine(ctx, settings)
    published = ctx.store[ComplaintRepository].published(settings.list_size)
    offer = [Option.intent(ctx.say("complaint.add_mine"), "complaint")]
    if not published:
        reply = Reply.text(ctx.say("complaint.list_none"), offer)
    else:
        lines = [ctx.say("complaint.list_header", count=len(published))]
        for number, complaint in enumerate(published, start=1):
            lines.append(ctx.say("complaint.list_line", number=number, date=_date(complaint, ctx),
                                 text=readable(complaint, settings.list_chars)))
        reply = Reply.text("\n".join(lines), offer)
    return reply.closing() if ctx.dialog.form == "complaint" else reply


def _mine(ctx: Context, settings: ComplaintSettings) -> Reply:
    """The resident's own latest complaints, each with where it stands."""
    offer = [Option.intent(ctx.say("complaint.add_mine"), "complaint")]
    mine = ctx.store[ComplaintRepository].latest_by(ctx.resident.openid, settings.list_size)
    if not mine:
        return Reply.text(ctx.say("complaint.mine_none"), offer)
    lines = [ctx.say("complaint.mine_header", count=len(mine))]
    for complaint in mine:
        lines.append(ctx.say("complaint.mine_line", case=complaint.escalation_id or complaint.id,
                             date=_date(complaint, ctx, created=True),
                             text=_clip(complaint.text, settings.list_chars),
                             status=ctx.say(f"complaint.mine_status.{_where(complaint, ctx)}")))
    return Reply.text("\n".join(lines), footer=True)


def _where(complaint: Complaint, ctx: Context) -> str:
    """published and closed as staff left the complaint; otherwise its case: answered, closed, or waiting."""
    if complaint.status != "open":
        return complaint.status
    case = ctx.store.escalations.get(complaint.escalation_id) if complaint.escalation_id else None
    return case.status if case is not None else "open"


def readable(complaint: Complaint, limit: int) -> str:
    """The published words as residents may see them: no phone number, not too long."""
    return _clip(mask_phone(complaint.published_text or ""), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date(complaint: Complaint, ctx: Context, *, created: bool = False) -> str:
    shown = complaint.created_at if created else (complaint.published_at or complaint.created_at)
    local = shown.astimezone(ctx.timezone)
    return f"{local.month}月{local.day}日"


@flow.forget
def forget_complaints(store: Store, openid: str, now: datetime) -> None:
    """What was said stays the community's; who said it is forgotten."""
    store[ComplaintRepository].forget(openid)


@flow.describe
def describe_complaints(ctx: Context) -> list[str]:
    count = ctx.store[ComplaintRepository].count_by(ctx.resident.openid)
    return [ctx.say("complaint.kept", count=count)] if count else []


# --- the staff API: /api/complaints --------------------------------------------------------

ComplaintStatus = Literal["open", "published", "closed"]
StatusFilter = Annotated[ComplaintStatus | None, BeforeValidator(blank_is_none), Query()]


class ComplaintOut(ApiModel):
    id: int
    openid: str
    household_id: int | None
    text: str
    status: ComplaintStatus
    created_at: Timestamp


class ComplaintDetail(ComplaintOut):
    published_text: str | None = Field(description="what residents read (大家提了哪些建议) once published")
    published_at: Timestamp | None


class PublishIn(ApiModel):
    text: Text | None = Field(None, max_length=2000, description="the moderated words; the original when left out")


@flow.api.get("/complaints", tags=["complaints"])
def list_complaints(store: StoreDep, status: StatusFilter = None) -> list[ComplaintOut]:
    """Complaints and suggestions oldest first, in the residents' own words."""
    return [ComplaintOut(**_detail(c).model_dump(include=set(ComplaintOut.model_fields)))
            for c in store[ComplaintRepository].list(status)]


@flow.api.get("/complaints/{complaint_id}", tags=["complaints"], responses={404: {"model": ErrorBody}})
def get_complaint(complaint_id: int, store: StoreDep) -> ComplaintDetail:
    return _detail(_get(store, complaint_id))


@flow.api.post("/complaints/{complaint_id}/publish", tags=["complaints"], responses={404: {"model": ErrorBody}})
def publish(complaint_id: int, store: StoreDep, now: NowDep, body: PublishIn | None = None) -> ComplaintDetail:
    """Let every resident read it (moderated ``text``, or the original words); never who wrote it."""
    complaint = _get(store, complaint_id)
    text = body.text if body is not None and body.text else complaint.text
    store[ComplaintRepository].publish(complaint, text, now)
    return _detail(complaint)


@flow.api.post("/complaints/{complaint_id}/close", tags=["complaints"], responses={404: {"model": ErrorBody}})
def close(complaint_id: int, store: StoreDep, now: NowDep) -> ComplaintDetail:
    """Dealt with; residents no longer read it (closing a closed one changes nothing)."""
    complaint = _get(store, complaint_id)
    store[ComplaintRepository].close(complaint, now)
    return _detail(complaint)


def _get(store: Store, complaint_id: int) -> Complaint:
    complaint = store[ComplaintRepository].get(complaint_id)
    if complaint is None:
        not_found("complaint", complaint_id)
    return complaint


def _detail(complaint: Complaint) -> ComplaintDetail:
    return ComplaintDetail(id=complaint.id, openid=complaint.openid, household_id=complaint.household_id,
                           text=complaint.text, status=complaint.status,
                           created_at=complaint.created_at, published_text=complaint.published_text,
                           published_at=complaint.published_at)


# --- the demo community ----------------------------------------------------------------------

#: (flat, days ago, what was said, what staff published — None: still open)
_DEMO = (
    (("1", "101"), 9, "小区东门晚上太黑了，王建国家门口那段路灯坏了好几天，建议加装路灯。",
     "建议小区东门加装路灯，晚上进出更安全。（物业已安排，下月完工）"),
    (("2", "301"), 15, "希望周末也能开放社区活动室，老年人下棋没地方去。",
     "希望周末开放社区活动室。（居委会已同意，周六 9:00–16:00 开放）"),
    (("7", "1102"), 2, "地下车库有人乱停车堵住出口，请物业管一管。", None),
)


@flow.demo
def demo_complaints(store: Store, today: date) -> int:
    repository = store[ComplaintRepository]
    added = 0
    for number, ((building, room), days, said, published) in enumerate(_DEMO, start=1):
        household = store.households.at_address(building, room)
        when = datetime.combine(today - timedelta(days=days), time(2, 0), tzinfo=UTC)
        complaint, created = repository.record(f"demo_{building}-{room}", said, f"demo:complaint:{number}", when,
                                               household_id=household.id if household else None)
        if created and published:
            repository.publish(complaint, published, when + timedelta(days=1))
        added += created
    return added
