"""Passive reply XML: written directly, it is still exactly what wechatpy's replies render."""
from __future__ import annotations

import pytest
from wechatpy.replies import TextReply

from bot.dialogue.turn import Option, Reply
from bot.wechat.render import render_xml, text_reply_xml


@pytest.mark.parametrize("content", ["你好", "1. 报修\n2. 缴费", "a ]] > b", "<a href=\"weixin://x\">x</a>", " "])
def test_text_reply_is_what_wechatpy_renders(content: str) -> None:
    expected = TextReply(source="gh_account", target="o_resident", time=1700000000, content=content).render()
    assert text_reply_xml(content, openid="o_resident", account="gh_account", create_time=1700000000) == expected


def test_rendered_reply_with_options_matches_wechatpy() -> None:
    reply = Reply.text("要报修什么？", [Option.intent("水电", "repair_report"), Option.intent("门窗", "repair_report")])
    xml = render_xml(reply, openid="o_resident", account="gh_account", create_time=1700000000, footer="回复0看菜单")
    assert xml is not None
    content = xml.split("<Content><![CDATA[", 1)[1].split("]]></Content>", 1)[0]
    expected = TextReply(source="gh_account", target="o_resident", time=1700000000, content=content).render()
    assert xml == expected
    assert "1. <a href=" in content
