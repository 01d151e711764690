"""Replies as WeChat sees them: passive XML replies, customer-service payloads, terminal text.

Numbered options become clickable ``weixin://bizmsgmenu`` links, so an elderly resident can
tap instead of type; the digit in front of each still works when typed.
"""
from __future__ import annotations

import re
from typing import Any

from wechatpy.replies import ArticlesReply

from bot.dialogue.turn import Reply

#: WeChat cuts passive text replies at 2048 bytes; stay clear of it.
MAX_TEXT_BYTES = 2000
_LINK_UNSAFE = re.compile(r'[<>"&\n\r]')


def render_text(reply: Reply, footer: str = "", *, links: bool = True) -> str:
    """The reply's words with its options numbered under them (and the menu hint if asked)."""
    lines = [reply.content] if reply.content else []
    for number, option in enumerate(reply.options, start=1):
        label = _LINK_UNSAFE.sub(" ", option.label).strip()
        if links:
            send = _LINK_UNSAFE.sub(" ", option.message).strip()
            lines.append(f'{number}. <a href="weixin://bizmsgmenu?msgmenucontent={send}&msgmenuid={number}">{label}</a>')
        else:
            lines.append(f"{number}. {label}")
    if reply.footer and not reply.options and footer:
        lines.append(footer)
    return _clip("\n".join(lines))


def _clip(text: str) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_TEXT_BYTES:
        return text
    return encoded[: MAX_TEXT_BYTES - 3].decode("utf-8", errors="ignore") + "…"


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]] >")


def render_xml(reply: Reply, *, openid: str, account: str, create_time: int, footer: str = "") -> str | None:
    """The passive reply XML, or None when there is nothing to say (WeChat gets ``success``)."""
    if reply.silent:
        return None
    if reply.article is not None:
        article = reply.article
        news = ArticlesReply(source=account, target=openid, time=create_time, articles=[{
            "title": _cdata_safe(article.title), "description": _cdata_safe(article.description),
            "image": article.image, "url": article.url,
        }])
        return str(news.render())
    text = render_text(reply, footer)
    if not text:
        return None
    return text_reply_xml(_cdata_safe(text), openid=openid, account=account, create_time=create_time)


def text_reply_xml(content: str, *, openid: str, account: str, create_time: int) -> str:
    """A passive text reply, byte for byte as wechatpy's ``TextReply.render()`` writes it (the
    reply of almost every message, so it is written directly rather than through wechatpy's
    field descriptors)."""
    return (f"<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n"
            f"<FromUserName><![CDATA[{account}]]></FromUserName>\n<ToUserName><![CDATA[{openid}]]></ToUserName>\n"
            f"<CreateTime>{int(create_time)}</CreateTime>\n</xml>")


def render_custom(reply: Reply, footer: str = "") -> dict[str, Any] | None:
    """The body for the customer-service message API (message/custom/send), or None."""
    if reply.silent:
        return None
    if reply.article is not None:
        article = reply.article
        return {"msgtype": "news", "news": {"articles": [{
            "title": article.title, "description": article.description, "url": article.url,
            "picurl": article.image}]}}
    text = render_text(reply, footer)
    return {"msgtype": "text", "text": {"content": text}} if text else None
