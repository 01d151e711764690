"""What a handler may use: the store, the community's settings and words, the clock, staff.

A handler reads where the conversation stands through :attr:`Context.dialog` (read-only) and
says what should change through the Reply it returns; it never edits the conversation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.dialogue.responses import Responses
from bot.dialogue.text import chinese_punctuation
from bot.dialogue.turn import DialogView, Option, Reply, Said, Turn
from bot.errors import BindingRequired
from bot.privacy import mask_openid
from bot.settings import Config
from store import Store
from store.models import Escalation, Household, Member, Resident

if TYPE_CHECKING:
    from bot.dialogue.flow import FlowSettings
    from bot.dialogue.registry import Registry


@dataclass(frozen=True, slots=True)
class Escalated:
    """What putting a conversation in the staff inbox did: the case, whether it is new, and
    how many staff members were actually told (0 means nobody is on duty to hear it now)."""

    escalation: Escalation
    opened: bool
    notified: int


@dataclass
class Context:
    store: Store
    config: Config
    responses: Responses
    now: datetime
    today: date
    resident: Resident
    dialog: DialogView
    registry: Registry
    sections: dict[str, FlowSettings] = field(default_factory=dict)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.config.community.timezone)

    # --- words -------------------------------------------------------------------------
    def say(self, key: str, **values: Any) -> Said:
        """A text from the responses file, with the community's details filled in."""
        community = self.config.community
        defaults = {
            "community": community.name,
            "property_phone": community.property_phone,
            "emergency_phone": community.emergency_phone,
            "office_hours": community.office_hours,
            "property_office": community.property_office,
        }
        return Said(self.responses.text(key, **{**defaults, **values}), key)

    def reply(self, key: str, **values: Any) -> Reply:
        """A reply of one text, with the menu hint under it."""
        return Reply.text(self.say(key, **values), footer=True)

    def label_of(self, intent: str) -> str:
        """How the bot names an intent when it offers it as a choice."""
        label = self.config.intent_labels.get(intent)
        if label:
            return label
        words = self.registry.words_of(intent)
        if words and self.responses.has(f"{words}.labels.{intent}"):
            return self.responses.text(f"{words}.labels.{intent}")
        return intent

    def with_a_person(self, options: list[Option] | tuple[Option, ...]) -> list[Option]:
        """``options`` with a person to talk to as one more choice, unless one is there already."""
        if any(option.value.get("intent") == "human_handoff" for option in options):
            return list(options)
        return [*options, Option.intent(self.label_of("human_handoff"), "human_handoff")]

    # --- identity ----------------------------------------------------------------------
    @property
    def household(self) -> Household | None:
        if self.resident.household_id is None:
            return None
        return self.store.households.get(self.resident.household_id)

    @property
    def member(self) -> Member | None:
        """Who the resident bound as (on the roster of their flat); None when not bound."""
        if self.resident.member_id is None:
            return None
        return self.store.households.member(self.resident.member_id)

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
        member = self.member
        return f"{household.address} {member.name}" if member else household.address

    # --- staff -------------------------------------------------------------------------
    def notify_staff(self, text: str, source_key: str, role: str = "staff") -> int:
        """Tell the staff whose business it is (``role``: ``property`` for repairs and bills,
        ``party`` for party matters, ``staff`` for the committee): on duty first, else all of
        that role (see store/staff.py). Returns how many people it was queued for, so that a
        reply never claims a notice nobody will get."""
        from bot.cases import tell_staff

        return tell_staff(self.store, self.config, text, source_key, self.now, role)

    def escalate(self, turn: Turn, reason: str, text: str | None = None) -> Escalated:
        """Put the conversation in the staff inbox (or add to the open case) and tell staff."""
        existing = self.store.escalations.open_for(turn.openid)
        if existing is not None:  # staff already have the story: add only what is new
            latest = chinese_punctuation(text if text is not None else turn.text)
            if latest and not turn.tapped:
                self.store.escalations.append(existing, latest, self.now)
            return Escalated(existing, False, 0)
        words = chinese_punctuation(text if text is not None else self._recent_words(turn))
        household = self.household
        escalation = self.store.escalations.open(
            turn.openid, reason, words, self.now,
            household_id=household.id if household else None, source_key=turn.msg_key)
        notified = self.notify_staff(
            self.say("handoff.staff_notice", who=self.who(), text=words or "（无）", case=escalation.id,
                     reason=self.responses.text(f"handoff.reasons.{reason}")),
            source_key=turn.msg_key)
        return Escalated(escalation, True, notified)

    def _recent_words(self, turn: Turn) -> str:
        """What the resident said lately, so staff need not ask again."""
        lines = [m.text for m in self.store.messages.recent(turn.openid, limit=6)
                 if m.direction == "in" and m.text and not m.text.startswith("[")]
        if turn.text and not turn.tapped and (not lines or lines[-1] != turn.text):
            lines.append(turn.text)
        return "\n".join(lines[-5:])
