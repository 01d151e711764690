"""What an action may use: the store, the community's settings and words, the clock, staff."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogue.responses import Responses
from bot.dialogue.turn import FormState, Turn
from bot.errors import BindingRequired
from bot.privacy import mask_openid
from bot.settings import Config
from store import Store
from store.models import Escalation, Household, Resident


@dataclass
class Context:
    store: Store
    config: Config
    responses: Responses
    now: datetime
    today: date
    resident: Resident
    state: FormState

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.config.community.timezone)

    # --- words -------------------------------------------------------------------------
    def say(self, key: str, **values: Any) -> str:
        """A text from the responses file, with the community's details filled in."""
        community = self.config.community
        defaults = {
            "community": community.name,
            "property_phone": community.property_phone,
            "emergency_phone": community.emergency_phone,
            "office_hours": community.office_hours,
        }
        return self.responses.text(key, **{**defaults, **values})

    # --- identity ----------------------------------------------------------------------
    @property
    def household(self) -> Household | None:
        if self.resident.household_id is None:
            return None
        return self.store.households.get(self.resident.household_id)

    def require_household(self, turn: Turn) -> Household:
        """The resident's household; asks them to bind first when there is none."""
        household = self.household
        if household is None:
            raise BindingRequired(turn.intent)
        return household

    def who(self) -> str:
        """How staff see this resident: flat and name when bound, a masked openid otherwise."""
        household = self.household
        if household is None:
            return f"未绑定住户 {mask_openid(self.resident.openid)}"
        member = self.resident.member
        return f"{household.address} {member.name}" if member else household.address

    # --- staff -------------------------------------------------------------------------
    def notify_staff(self, text: str, source_key: str) -> int:
        """Queue ``text`` for every on-duty staff member (once per source message)."""
        queued = 0
        for staff_openid in self.config.staff.on_duty_openids:
            queued += self.store.outbox.enqueue(
                staff_openid, "staff_notice", {"content": text}, self.now,
                dedup_key=f"staff:{source_key}:{staff_openid}")
        return queued

    def escalate(self, turn: Turn, reason: str, text: str | None = None) -> tuple[Escalation, bool]:
        """Put the conversation in the staff inbox; returns (escalation, newly_opened)."""
        existing = self.store.escalations.open_for(turn.openid)
        if existing is not None:  # staff already have the story: add only what is new
            latest = text if text is not None else turn.text
            if latest:
                self.store.escalations.append(existing, latest, self.now)
            return existing, False
        words = text if text is not None else self._recent_words(turn)
        household = self.household
        escalation = self.store.escalations.open(
            turn.openid, reason, words, self.now,
            household_id=household.id if household else None, source_key=turn.msg_key)
        self.notify_staff(
            self.say("handoff.staff_notice", who=self.who(), text=words or "（无）",
                     reason=self.responses.text(f"handoff.reasons.{reason}")),
            source_key=turn.msg_key)
        return escalation, True

    def _recent_words(self, turn: Turn) -> str:
        """What the resident said lately, so staff need not ask again."""
        lines = [m.text for m in self.store.messages.recent(turn.openid, limit=6)
                 if m.direction == "in" and m.text]
        if turn.text and (not lines or lines[-1] != turn.text):
            lines.append(turn.text)
        return "\n".join(lines[-5:])
