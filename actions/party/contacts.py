"""party_contact (党员联系): who to call about party matters, and the members' list.

Everyone — bound or not, member or not — gets the branch secretary's and the group leaders'
contacts (numbers they chose to publish, shown in full so a tap calls them) and the party
office. The list of members (names from the roster, phones masked) is for bound party members
only; anyone else is told so, without a single name.
"""
from __future__ import annotations

import re

from actions.bills.reading import lines_reply
from actions.party import flow, office_of
from bot.dialogue import Context, Option, Reply, Turn
from store.party_fees import PartyFeeRepository

_MOBILE = re.compile(r"1[3-9]\d{9}")


def masked_number(phone: str) -> str:
    """A resident's number as others may see it: 138****1101, 021****6602; short ones mostly hidden."""
    digits = re.sub(r"\D", "", phone)
    if not digits:
        return ""
    if _MOBILE.fullmatch(digits) or len(digits) >= 8:
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    return "*" * (len(digits) - 2) + digits[-2:]


@flow.action("party_contact")
def party_contact(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    office, hours = office_of(settings, ctx.config.community)
    lines: list[str] = [ctx.say("party.contacts_header")]
    if settings.secretary is not None:
        lines.append(ctx.say("party.contact_line", title=settings.secretary.title or ctx.say("party.secretary"),
                             name=settings.secretary.name, phone=settings.secretary.phone))
    lines += [ctx.say("party.contact_line", title=leader.title or ctx.say("party.group_leader"), name=leader.name,
                      phone=leader.phone) for leader in settings.group_leaders]
    lines.append(ctx.say("party.office_line", office=office, hours=hours))
    member = ctx.member if ctx.resident.household_id is not None else None
    options: list[Option] = []
    if member is not None and member.party_member:
        roster = ctx.store[PartyFeeRepository].party_members()
        lines.append(ctx.say("party.members_header", count=len(roster)))
        lines += [ctx.say("party.member_line", name=person.name, phone=masked_number(person.phone))
                  for person, _ in roster]
        options.append(Option.intent(ctx.label_of("party_fee"), "party_fee"))
    elif member is None and ctx.resident.household_id is None:
        lines.append(ctx.say("party.members_only_bind"))
        options.append(Option.intent(ctx.label_of("bind_household"), "bind_household"))
    else:
        lines.append(ctx.say("party.members_only"))
    return lines_reply(lines, options)
