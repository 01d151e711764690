"""A resident talking to the bot in-process, through the same Assistant the webhook uses."""
from __future__ import annotations

import itertools
import time

from bot.dialogue.turn import Reply, Turn
from bot.runtime import Runtime
from bot.wechat.inbound import Inbound
from nlu.types import IntentPrediction, Parse

_ids = itertools.count(1)


def read_every_message_as(runtime: Runtime, intent: str, confidence: float) -> None:
    """From now on the NLU reads every message as ``intent`` (its entities kept): for checking
    what works whatever the NLU makes of the words."""
    understand = runtime.assistant.read

    def misread(inbound: Inbound) -> Turn:
        turn = understand(inbound)
        return turn.with_parse(Parse(turn.text, IntentPrediction(intent, confidence), turn.entities))

    runtime.assistant.read = misread  # type: ignore[method-assign]


class Resident:
    def __init__(self, runtime: Runtime, openid: str) -> None:
        self.runtime = runtime
        self.openid = openid
        self.last: Reply | None = None

    def say(self, words: str) -> str:
        """What the resident reads back (plain text, options numbered)."""
        inbound = Inbound(openid=self.openid, account="gh_test", kind="text", create_time=int(time.time()),
                          msg_id=str(next(_ids) + 10**12), text=words, raw_type="text")
        return self.read(inbound)

    def send(self, inbound: Inbound) -> str:
        return self.read(inbound)

    def read(self, inbound: Inbound) -> str:
        reply = self.runtime.assistant.handle(inbound)
        self.last = reply
        if reply is None or reply.silent:
            return ""
        return self.runtime.assistant.plain_text(reply)

    @property
    def options(self) -> list[str]:
        return [option.label for option in self.last.options] if self.last else []
