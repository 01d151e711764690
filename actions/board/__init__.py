"""邻里圈 (the neighbourhood board): 交易买卖, 物品租借, 家有喜事, 团购, 社区招聘, 兴趣群.

A bound resident posts in plain words ("我有一辆儿童自行车想卖，九成新，50块"): the kind is
recognised from its words, the post is shown back with a choice of contact, and after the
resident confirms it waits for staff, who publish or reject it. Residents browse published
posts by kind, like a 家有喜事 post (点赞 3, its author is told), and withdraw their own
(撤回我的帖子). Posts expire after ``expire_days``.

The flow's words are the ``board`` section of responses.yml; its settings the ``board``
section of config.yml; its data ``store/board.py``.
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry
from bot.dialogue.text import plain
from store.board import KINDS


def _kind_words() -> dict[str, list[str]]:
    return {
        "market": ["二手", "闲置", "转让", "出售", "便宜卖", "想卖", "要卖", "卖掉", "卖了", "低价", "几成新", "成新",
                   "九成新", "八成新", "全新", "出一", "出个", "买卖", "在卖", "卖的", "卖东西", "收购", "求购", "卖"],
        "lend": ["借", "租", "出租", "租借", "借用", "借我", "借给", "借一下", "租一下"],
        "good_news": ["喜事", "喜讯", "喜报", "报喜", "考上", "考取", "录取", "结婚", "订婚", "出嫁", "娶", "生了",
                      "添了", "出生", "满月", "百天", "大寿", "寿宴", "金婚", "银婚", "升学", "中榜", "金榜", "获奖",
                      "得奖", "喜得", "乔迁", "荣获", "高兴的事"],
        "group_buy": ["团购", "拼团", "拼单", "开团", "团长", "一起买", "接龙", "团一下"],
        "job": ["招聘", "招人", "招工", "诚聘", "聘请", "招一个", "招个", "招保姆", "钟点工", "保姆", "育儿嫂", "月嫂",
                "兼职", "全职", "家教", "找工作", "求职", "找活", "工资", "薪资", "待遇", "收银员", "服务员"],
        "group": ["兴趣群", "兴趣小组", "群", "俱乐部", "广场舞", "合唱", "棋友", "球友", "搭子", "一起跳", "一起玩",
                  "一起练", "爱好者", "书法", "摄影", "读书会", "太极队", "舞蹈队", "队伍"],
    }


class BoardSettings(FlowSettings):
    #: A published post comes off the board after this many days.
    expire_days: int = Field(30, ge=1, le=365)
    #: How many posts a list shows.
    browse_limit: int = Field(8, ge=1, le=9)
    #: A post says at least this much (characters, punctuation left out).
    min_chars: int = Field(4, ge=1, le=50)
    max_chars: int = Field(300, ge=20, le=1000)
    #: Words that tell the kind of a post (the kind with the most of them wins).
    kind_words: dict[str, list[str]] = Field(default_factory=_kind_words)


flow: Flow[BoardSettings] = Flow("board", settings=BoardSettings, menu=[
    MenuEntry("board_browse", order=70), MenuEntry("board_post", order=71)])


def kind_of(text: str, settings: BoardSettings) -> str | None:
    """The kind of post these words are about, or None when no kind (or two kinds equally) fit.
    Longer words weigh more, so 兴趣群 outweighs a stray 群 and 招聘 a stray 借."""
    reduced = plain(text)
    scores = {kind: sum(len(word) for word in words if plain(word) in reduced)
              for kind, words in settings.kind_words.items() if kind in KINDS}
    best = max(scores.values(), default=0)
    winners = [kind for kind, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else None


from actions.board import api, browse, post, upkeep  # noqa: E402,F401  (they register)
