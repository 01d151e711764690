"""平江党建 for residents: 党费缴纳 and 党员联系.

- :mod:`actions.party.fees` — ``party_fee``: what a party member owes per month and what is paid,
  paying in WeChat (a ``party_fee`` payable kind of :mod:`bot.pay`) or at the party office;
  a kind word, and no amount, for a resident who is not a member; reminders of unpaid fees;
- :mod:`actions.party.contacts` — ``party_contact``: the branch secretary's and group leaders'
  contacts for everyone, the members' list (phones masked) for bound party members only;
- :mod:`actions.party.api` — ``/api/party-fees`` for staff;
- :mod:`actions.party.upkeep` — demo fees and what is kept about a member.

党务公开 and 党政学习 are announcements of kind ``party`` and ``study`` (actions/notice), and
党员活动 are party-only events (actions/events): those flows answer them.

The flow's words are the ``party`` section of responses.yml; its settings the ``party``
section of config.yml; its data store/party_fees.py.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.dialogue import Flow, FlowSettings, MenuEntry
from bot.settings import CommunityConfig


class Contact(BaseModel):
    """Someone residents may call about party matters, as the operator lists them."""

    model_config = ConfigDict(extra="forbid")

    name: str
    phone: str = ""
    #: The role (党总支书记) or the group led (第一党小组（1–4 号楼）).
    title: str = ""


class PartySettings(FlowSettings):
    #: Where the party office is and when it is open (empty: the property office and its hours).
    office: str = ""
    hours: str = ""
    secretary: Contact | None = None
    group_leaders: list[Contact] = Field(default_factory=list)
    #: Unpaid fees are recalled to their members once, from this day of the month on.
    reminder_day: int = Field(10, ge=1, le=28)
    #: How long a link to the payment page works.
    pay_link_hours: int = Field(24, ge=1, le=24 * 7)
    #: How many paid months a member's answer shows besides the unpaid ones.
    paid_months_shown: int = Field(3, ge=0, le=12)


flow: Flow[PartySettings] = Flow("party", settings=PartySettings, menu=[
    MenuEntry("party_fee", order=80), MenuEntry("party_contact", order=82)])


def office_of(settings: PartySettings, community: CommunityConfig) -> tuple[str, str]:
    """The party office and its hours, or the property office's when none is configured."""
    return settings.office or community.property_office, settings.hours or community.office_hours


from actions.party import api, contacts, fees, upkeep  # noqa: E402,F401  (they register on the flow)
