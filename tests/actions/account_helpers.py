"""What the account tests share: a follower talking through POST /wechat as WeChat delivers it
(signed, encrypted, events with their own clock), and a look at every table of the database."""
from __future__ import annotations

import itertools
import time
from typing import Any

from sqlalchemy import inspect, text

from bot.runtime import Runtime
from tests.wechat_client import Delivery, WeChatServer, event_xml

_clock = itertools.count(int(time.time()))


class Follower:
    """One WeChat user: follows, scans, taps and types. Each event gets its own CreateTime, as
    two real events would (events are deduplicated on sender + CreateTime)."""

    def __init__(self, wechat: WeChatServer, openid: str) -> None:
        self.wechat = wechat
        self.openid = openid

    def event(self, name: str, key: str = "") -> Delivery:
        extra = "<Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8v]]></Ticket>" if key else ""
        return self.wechat.post(event_xml(self.openid, name, key, create_time=next(_clock), extra=extra), safe=True)

    def follow(self, scene: str = "") -> str:
        return self.event("subscribe", f"qrscene_{scene}" if scene else "").content

    def scan(self, scene: str) -> str:
        return self.event("SCAN", scene).content

    def unfollow(self) -> Delivery:
        return self.event("unsubscribe")

    def say(self, words: str, msg_id: int | None = None) -> str:
        return self.wechat.say(self.openid, words, safe=True, msg_id=msg_id).content


def tables_mentioning(runtime: Runtime, needle: str) -> dict[str, int]:
    """How many rows of each table hold ``needle`` anywhere (any column, as text)."""
    found: dict[str, int] = {}
    with runtime.database.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                if any(needle in str(value) for value in row if value is not None):
                    found[table] = found.get(table, 0) + 1
    return found


def links(content: str) -> list[str]:
    """The tap-to-send texts of a reply's weixin://bizmsgmenu links."""
    import re

    return re.findall(r"msgmenucontent=(.*?)&msgmenuid=", content)


def only(rows: list[Any]) -> Any:
    assert len(rows) == 1, rows
    return rows[0]
