"""community_info: what the bot can answer from config.yml — where the property office is,
its hours, the phone numbers, how to bind a household, where an access card is replaced."""
from __future__ import annotations

from bot.dialogue import Context, Flow, MenuEntry, Option, Reply, Turn
from bot.dialogue.text import mentions

flow: Flow = Flow("community_info", menu=[MenuEntry("community_info", order=85)])

#: Which part of the answer the question is about (several may apply).
_TOPICS = {
    "office": ("在哪", "哪里", "地址", "怎么走", "位置", "办公室"),
    "hours": ("几点", "时间", "上班", "下班", "周末", "开门", "关门", "营业"),
    "phones": ("电话", "号码", "热线", "值班", "联系"),
    "binding": ("绑定", "认证", "登记"),
    "card": ("门禁卡", "门卡", "补卡", "补办", "加办", "办卡"),
}


@flow.action("community_info")
def community_info(turn: Turn, ctx: Context) -> Reply:
    topics = [topic for topic, words in _TOPICS.items() if mentions(turn.text, words)] or ["office", "hours", "phones"]
    community = ctx.config.community
    lines = [ctx.say(f"community_info.{topic}", gas_phone=community.gas_emergency_phone or community.emergency_phone,
                     elevator_phone=community.elevator_emergency_phone or community.emergency_phone)
             for topic in topics]
    if "binding" in topics and ctx.household is None:
        return Reply.text("\n".join(lines), [Option.intent(ctx.say("community_info.bind_now"), "bind_household")])
    return Reply.text("\n".join(lines), footer=True)
