"""complaint (投诉建议): a complaint or suggestion in the resident's own words reaches a person.

"楼上天天半夜装修太吵了，我要投诉" is recorded as it is; a bare "我要投诉" asks what it is
about first. Noise is never filed: what is recorded must say something.
"""
from __future__ import annotations

import re
from typing import Any

from bot.dialogue import Context, Flow, Form, MenuEntry, Reply, Turn
from bot.dialogue.text import is_noise

flow: Flow = Flow("complaint", menu=[MenuEntry("complaint", order=60)])

#: Only asks to complain, without saying about what.
_BARE = re.compile(r"^(?:我|我们)?(?:要|想|需要)?"
                   r"(?:投诉|提意见|提个意见|提建议|提个建议|反映问题|反映一下|反映个问题|建议|意见|批评)"
                   r"(?:一下|下)?(?:物业|居委会|你们)?(?:吧|啊|呀)?$")


@flow.form
class Complaint(Form):
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
        text = str(value).strip()
        return text[:2000] if len(text) >= 4 else None

    def submit(self, slots: dict[str, Any], turn: Turn, ctx: Context) -> Reply:
        escalated = ctx.escalate(turn, "complaint", text=str(slots["text"]))
        return ctx.reply("complaint.received" if escalated.opened else "handoff.already", case=escalated.escalation.id)
