"""board_browse (邻里圈): published posts by kind; 点赞 3 for a 家有喜事 post; 撤回我的帖子.

"有什么二手东西在卖" lists 交易买卖, "最近谁家有喜事" 家有喜事, "邻里圈" the newest of every
kind; only published posts that have not expired are shown, each with its number (编号).
A 家有喜事 list offers a like per post as a numbered choice, and "点赞 3" likes post 3
from anywhere: once per resident, and its author is told. Authors withdraw their own posts.
"""
from __future__ import annotations

import re

from actions.board import flow, kind_of
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.notify import push
from bot.privacy import mask_phone
from store.board import KINDS, BoardPost, BoardRepository

#: 点赞 3 / 点赞编号3 / 点个赞 3号 / 给3号点赞
_LIKE = re.compile(r"^(?:点赞|点个赞|赞一个|赞)(?:第|编号)?(\d{1,9})(?:号|条|个)?$"
                   r"|^(?:给|为)(?:编号)?(\d{1,9})(?:号)?点个?赞$")
_LIKE_BARE = re.compile(r"^(?:我要|我想)?(?:点赞|点个赞)$")
#: 撤回我的帖子 / 删掉我发的帖子 / 下架帖子 (never 删除我的信息, which is deleting one's data)
_WITHDRAW = re.compile(r"^(?:我要|我想|请|帮我|麻烦)?(?:撤回|撤下|撤掉|撤销|删除|删掉|删了|下架|取消)(?:一下)?"
                       r"(?:我|我的|我发的|我发布的|刚才的|刚发的|那条|这条|那个|这个|的)*"
                       r"(?:帖子|帖|邻里圈的?帖子|发布的内容|发的内容)(?:吧|了|啊)?$")
SHORT = 60


def _short(text: str, limit: int = SHORT) -> str:
    text = mask_phone(" ".join(text.split()))
    return text if len(text) <= limit else text[:limit] + "…"


def _live(post: BoardPost, ctx: Context) -> bool:
    """Published and not past its days (the expiry job may not have run yet)."""
    return post.status == "published" and (post.expires_at is None or post.expires_at > ctx.now)


def _line(post: BoardPost, ctx: Context) -> str:
    household = ctx.store.households.get(post.household_id) if post.household_id else None
    who = ctx.say("board.who_building", building=household.building) if household else ctx.say("board.who_someone")
    contact = ctx.say("board.line_contact", contact=post.contact) if post.contact else ""
    likes = ctx.say("board.line_likes", likes=post.likes) if post.kind == "good_news" else ""
    return ctx.say("board.line", post=post.id, kind=ctx.say(f"board.kinds.{post.kind}"), who=who,
                   text=_short(post.text, 120), contact=contact, likes=likes)


def _kind_options(ctx: Context, but: str | None) -> list[Option]:
    return [Option.intent(ctx.say("board.browse_kind", kind=ctx.say(f"board.kinds.{kind}")), "board_browse",
                          slots={"kind": kind}) for kind in KINDS if kind != but]


@flow.action("board_browse")
def board_browse(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    choice = ctx.dialog.slots.get("_choice") or {}
    kind = choice.get("kind") if "kind" in choice else (None if turn.tapped else kind_of(turn.text, settings))
    return _browse(str(kind) if kind else None, turn, ctx)


def _browse(kind: str | None, turn: Turn, ctx: Context) -> Reply:
    posts = ctx.store[BoardRepository].published(ctx.now, kind, flow.config(ctx).browse_limit)
    label = ctx.say(f"board.kinds.{kind}") if kind else ""
    post_option = Option.intent(ctx.label_of("board_post"), "board_post")
    if not posts:
        note = ctx.say("board.browse_none_kind", kind=label) if kind else ctx.say("board.browse_none")
        return Reply.text(note, [post_option, *(_kind_options(ctx, kind) if kind else [])])
    header = ctx.say("board.browse_header_kind", kind=label) if kind else ctx.say("board.browse_header")
    lines = [header, *(_line(post, ctx) for post in posts)]
    if kind == "good_news":
        lines.append(ctx.say("board.like_hint"))
        options = [Option.intent(ctx.say("board.like_option", post=p.id, text=_short(p.text, 16)), "board_like",
                                 slots={"post": p.id}) for p in posts]
        options.append(Option.intent(ctx.say("board.browse_others"), "board_browse", slots={"kind": ""}))
    elif kind:
        options = [post_option, Option.intent(ctx.say("board.browse_others"), "board_browse", slots={"kind": ""})]
    else:
        options = [*_kind_options(ctx, None), post_option]
    if ctx.store[BoardRepository].live_of(turn.openid):
        options.append(Option.intent(ctx.label_of("board_withdraw"), "board_withdraw"))
    return Reply.text("\n".join(lines), options)


# --- likes -----------------------------------------------------------------------------------
@flow.trigger(Stage.COMMAND)
def like_command(turn: Turn, ctx: Context) -> Reply | None:
    """点赞 3 always means liking post 3; 点赞 alone shows the 家有喜事 to like."""
    match = _LIKE.match(turn.plain)
    if match:
        return like(int(match.group(1) or match.group(2)), turn, ctx)
    if _LIKE_BARE.match(turn.plain):
        return _browse("good_news", turn, ctx)
    return None


@flow.action("board_like")
def board_like(turn: Turn, ctx: Context) -> Reply:
    """A tapped like under a 家有喜事 list."""
    choice = ctx.dialog.slots.get("_choice") or {}
    if not choice.get("post"):
        return _browse("good_news", turn, ctx)
    return like(int(choice["post"]), turn, ctx)


def like(post_id: int, turn: Turn, ctx: Context) -> Reply:
    """One like per resident per post, on a published 家有喜事 post; its author is told."""
    repo = ctx.store[BoardRepository]
    post = repo.get(post_id)
    if post is None or not _live(post, ctx):
        return Reply.text(ctx.say("board.like_missing", post=post_id),
                          [Option.intent(ctx.say("board.browse_good_news"), "board_browse",
                                         slots={"kind": "good_news"})])
    if post.kind != "good_news":
        return ctx.reply("board.like_only_good_news", post=post_id)
    if post.openid == turn.openid:
        return ctx.reply("board.like_own", post=post_id, likes=post.likes)
    if not repo.like(post.id, turn.openid, ctx.now):
        return ctx.reply("board.like_again", post=post_id, likes=post.likes)
    if post.openid:
        notice = ctx.say("board.liked_notice", text=_short(post.text, 20), likes=post.likes)
        push(ctx.store, post.openid, Reply.text(notice, footer=True), ctx.now,
             key=f"board-like:{post.id}:{turn.openid}")
    return ctx.reply("board.liked", post=post_id, likes=post.likes)


# --- withdrawing one's own post ------------------------------------------------------------------
@flow.trigger(Stage.COMMAND)
def withdraw_command(turn: Turn, ctx: Context) -> Reply | None:
    return Reply.route("board_withdraw") if _WITHDRAW.match(turn.plain) else None


@flow.action("board_withdraw")
def board_withdraw(turn: Turn, ctx: Context) -> Reply:
    repo = ctx.store[BoardRepository]
    posts = repo.live_of(turn.openid)
    if not posts:
        return ctx.reply("board.withdraw_none")
    choice = ctx.dialog.slots.get("_choice") or {}
    if choice.get("post"):
        picked = [post for post in posts if post.id == int(choice["post"])]
        if not picked:
            return ctx.reply("board.withdraw_gone")
        post = picked[0]
    elif len(posts) == 1:
        post = posts[0]
    else:
        return Reply.text(ctx.say("board.withdraw_which"), [
            Option.intent(_withdraw_label(p, ctx), "board_withdraw", slots={"post": p.id}) for p in posts])
    if not choice.get("confirm"):
        return Reply.text(ctx.say("board.withdraw_confirm", post=post.id, text=_short(post.text, 30)), [
            Option.intent(ctx.say("board.withdraw_yes"), "board_withdraw", slots={"post": post.id, "confirm": True},
                          yes=True),
            Option.answer(ctx.say("board.withdraw_no"), "no"),
        ])
    repo.withdraw(post, ctx.now)
    return ctx.reply("board.withdrawn", post=post.id)


def _withdraw_label(post: BoardPost, ctx: Context) -> str:
    return ctx.say("board.withdraw_option", post=post.id, text=_short(post.text, 16),
                   status=ctx.say(f"board.statuses.{post.status}"))
