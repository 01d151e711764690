"""notice (物业通知, 党务公开, 党政学习, 微报刊): residents read what staff published.

"最近有什么通知" gives the latest notices; "停水通知" / "明天停电吗" the ones about that; "党务公开",
"党政学习", "微报刊" the notices of that kind. One notice comes whole — as one tappable article
when it has a link — and several come as a short numbered list, a digit away from each.
Staff publish and push them through ``/api/announcements`` (:mod:`actions.notice.staff`);
the records are shared with every flow that publishes notices (:mod:`store.announcements`).
"""
from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from bot.dialogue import Article, Context, Flow, FlowSettings, MenuEntry, Option, Reply, Stage, Turn
from bot.dialogue.text import mentioned_group
from store.announcements import KINDS, Announcement, AnnouncementRepository


class NoticeSettings(FlowSettings):
    #: The kinds a plain "最近有什么通知" covers.
    default_kinds: list[str] = Field(default_factory=lambda: ["property", "party"])
    #: Words that ask for the notices of one kind.
    kind_words: dict[str, list[str]] = Field(default_factory=lambda: {
        "party": ["党务公开", "党务"],
        "study": ["党政学习", "学习资料", "理论学习", "党课", "学习园地"],
        "news": ["微报刊", "社区报", "社区小报", "小报", "报刊", "简报"],
        "property": ["物业通知", "物业公告", "小区公告"],
    })
    #: What a resident may ask about by name, and the words that find its notices.
    topics: dict[str, list[str]] = Field(default_factory=lambda: {
        "停水": ["停水", "供水", "水箱清洗", "水管检修", "断水"],
        "停电": ["停电", "断电", "供电", "电力检修", "电路检修"],
        "停气": ["停气", "燃气检修", "天然气检修", "燃气管道"],
        "电梯": ["电梯"],
        "消杀": ["消杀", "灭鼠", "除虫", "灭蟑"],
        "垃圾": ["垃圾分类", "垃圾"],
        "停车": ["停车", "车位"],
    })
    #: At most this many notices in a list.
    list_size: int = Field(5, ge=1, le=9)
    #: Only notices published this recently are "latest".
    recent_days: int = Field(90, ge=1)
    #: A notice shown in full is cut after this many characters.
    body_chars: int = Field(600, ge=50)


flow: Flow[NoticeSettings] = Flow("notice", settings=NoticeSettings, menu=[MenuEntry("notice", order=50)])


@flow.trigger(Stage.COMMAND)
def kind_words(turn: Turn, ctx: Context) -> Reply | None:
    """"党政学习" / "微报刊": the notices of that kind, unless the NLU is sure it is something else
    (and never inside another form, where the form reads the words)."""
    if ctx.dialog.form is not None or turn.tapped or not turn.text:
        return None
    if mentioned_group(turn.text, flow.config(ctx).kind_words) is None:
        return None
    sure_elsewhere = turn.intent not in (None, "notice") and turn.confidence >= 0.6
    return None if sure_elsewhere else Reply.route("notice")


@flow.action("notice")
def notice(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    repository = ctx.store[AnnouncementRepository]
    choice = ctx.dialog.slots.get("_choice") or {}
    if "announcement" in choice:
        chosen = repository.get(int(choice["announcement"]))
        return show(chosen, ctx) if chosen is not None else ctx.reply("notice.gone")
    kind = mentioned_group(turn.text, settings.kind_words) if turn.text else None
    topic = mentioned_group(turn.text, settings.topics) if turn.text else None
    kinds = [kind] if kind else (list(KINDS) if topic else settings.default_kinds)
    words = settings.topics[topic] if topic else ()
    since = ctx.now - timedelta(days=settings.recent_days)
    found = repository.latest(kinds, words=words, since=since, limit=settings.list_size)
    what = topic or ctx.say(f"notice.kinds.{kind or 'any'}")
    if not found:
        return _none(what, bool(topic or kind), ctx)
    if len(found) == 1 or found[0].url:
        return show(found[0], ctx)
    options = [Option.intent(ctx.say("notice.item", date=_date(a, ctx), title=a.title), "notice",
                             slots={"announcement": a.id}) for a in found]
    return Reply.text(ctx.say("notice.list", what=what, count=len(found)), options)


def show(announcement: Announcement, ctx: Context) -> Reply:
    """One notice: a tappable article when it has a link, otherwise its words."""
    if announcement.url:
        return Reply.news(article(announcement))
    body = announcement.body
    limit = flow.config(ctx).body_chars
    if len(body) > limit:
        body = body[:limit] + ctx.say("notice.more_at_office")
    return Reply.text(ctx.say("notice.one", title=announcement.title, date=_date(announcement, ctx), body=body),
                      footer=True)


def article(announcement: Announcement) -> Article:
    summary = announcement.body if len(announcement.body) <= 120 else announcement.body[:118] + "…"
    return Article(title=announcement.title, description=summary, url=announcement.url or "",
                   image=announcement.image_url or "")


def _none(what: str, specific: bool, ctx: Context) -> Reply:
    """Nothing matched: say so, and offer the latest of any kind when something specific was asked."""
    if not specific:
        return ctx.reply("notice.none")
    latest = Option.intent(ctx.say("notice.see_latest"), "notice")
    return Reply.text(ctx.say("notice.none_about", what=what), [latest])


def _date(announcement: Announcement, ctx: Context) -> str:
    local = announcement.created_at.astimezone(ctx.timezone)
    return f"{local.month}月{local.day}日"


from actions.notice import staff  # noqa: E402,F401  (the staff routes and demo register on the flow)
