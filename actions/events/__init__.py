"""活动报名: community events (社区活动, 讲座, 团购报名, 党员活动) — list, sign up, cancel.

A bound household signs up once per event with a head count (本人 + 家属); when the places
left are fewer than the group, it waits in arrival order and is told the moment a place is
its own. Party-only events take party members only. The day before, those confirmed get a
reminder. Staff create events, read sign-ups, check households in (love-bank points) and
call an event off through the staff API.

The flow's words are the ``events`` section of responses.yml; its settings the ``events``
section of config.yml; its data ``store/events.py``.
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class EventSettings(FlowSettings):
    #: Love-bank points a household gets when staff check it in (0: none).
    checkin_points: int = Field(10, ge=0, le=10_000)
    #: How many upcoming events a list shows.
    list_limit: int = Field(8, ge=1, le=9)
    #: The most people one household may sign up.
    max_per_household: int = Field(5, ge=1, le=50)
    #: Local hour from which the day-before reminders go out.
    reminder_hour: int = Field(9, ge=0, le=23)
    #: Words that ask for party members' events (党员活动).
    party_words: list[str] = Field(default_factory=lambda: ["党员", "党日", "党建", "组织生活"])
    #: Words that ask when or where (活动在哪里举行, 讲座几点开始): the list then says it for each event.
    detail_words: list[str] = Field(default_factory=lambda: [
        "在哪", "哪里", "什么地方", "啥地方", "地点", "地址", "几点", "什么时候", "啥时候", "时间", "几号", "哪天"])
    #: Words that ask about the household's own sign-ups (我报了哪些活动): the list then shows those.
    mine_words: list[str] = Field(default_factory=lambda: [
        "我报了", "我报名了", "我报的", "我报名的", "我的报名", "我家报", "我们报", "报了哪些", "报了什么", "报了啥",
        "报名了哪些", "报名了什么", "报名了啥", "报过", "报名记录", "活动报名", "报上名了没"])
    #: Words that say nothing about which event is meant (报名, 活动 …), ignored when a
    #: resident names one.
    filler_words: list[str] = Field(default_factory=lambda: [
        "报名", "参加", "参与", "取消", "活动", "社区", "小区", "我要", "我想", "我们", "想去", "要去", "一下",
        "那个", "这个", "的", "了", "吧", "呢", "啊", "名额", "还有", "有没有", "去", "要", "想", "个人", "人",
        "我", "和", "老伴", "家属", "本人", "一起", "不去", "能", "可以", "帮我"])


flow: Flow[EventSettings] = Flow("events", settings=EventSettings, menu=[MenuEntry("event_list", order=40)])

from actions.events import api, cancel, listing, reminders, signup, upkeep  # noqa: E402,F401  (they register)
