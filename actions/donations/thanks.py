"""donor_list (爱心公示) and charity_orgs (爱心组织): readable by everyone, bound or not.

The thank-you list shows confirmed donations, newest first, each with the name its donor chose
(冯建国, or 冯** by default), never the pledges of donors who chose not to appear, nor pledges
staff have not confirmed. The charities are the ones the operator configured, as links.
"""
from __future__ import annotations

from datetime import datetime

from actions.bills.reading import lines_reply
from actions.donations import flow
from actions.donations.pledge import my_pledges
from bot.dialogue import Context, Option, Reply, Turn
from bot.dialogue.text import mentions
from bot.privacy import mask_phone
from store.donations import Donation, DonationRepository, masked_name


@flow.action("donor_list")
def donor_list(turn: Turn, ctx: Context) -> Reply:
    settings = flow.config(ctx)
    asks_after = not turn.tapped and bool(turn.text) and mentions(turn.text, settings.status_words)
    if asks_after and ctx.store[DonationRepository].of_openid(ctx.resident.openid):
        return my_pledges(ctx)  # 我的捐赠确认了吗: their own, not the public list
    donations = ctx.store[DonationRepository].thank_you_list(settings.list_size)
    options = [Option.intent(ctx.say("donations.choice_donate"), "donate")]
    if flow.config(ctx).charity_orgs:
        options.append(Option.intent(ctx.label_of("charity_orgs"), "charity_orgs"))
    if not donations:
        return Reply.text(ctx.say("donations.list_none"), options)
    lines = [ctx.say("donations.list_header")]
    lines += [ctx.say("donations.list_line", date=_day(d.decided_at or d.created_at, ctx), name=shown_name(d, ctx),
                      what=mask_phone(d.public_text or d.description)) for d in donations]
    return lines_reply(lines, options)


def shown_name(donation: Donation, ctx: Context) -> str:
    """The name as its donor chose: in full, or the family name only."""
    if donation.display == "full" and donation.donor_name:
        return donation.donor_name
    return masked_name(donation.donor_name) or ctx.say("donations.someone")


def _day(moment: datetime, ctx: Context) -> str:
    local = moment.astimezone(ctx.timezone)
    if local.year != ctx.today.year:
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.month}月{local.day}日"


@flow.action("charity_orgs")
def charity_orgs(turn: Turn, ctx: Context) -> Reply:
    charities = flow.config(ctx).charity_orgs
    donate = Option.intent(ctx.say("donations.choice_donate_here"), "donate")
    if not charities:
        return Reply.text(ctx.say("donations.orgs_none"), [donate])
    lines = [ctx.say("donations.orgs_header")]
    for charity in charities:
        about = ctx.say("donations.org_about", about=charity.about) if charity.about else ""
        phone = ctx.say("donations.org_phone", phone=charity.phone) if charity.phone else ""
        key = "donations.org_link" if charity.url else "donations.org_plain"
        lines.append(ctx.say(key, name=charity.name, url=charity.url, about=about, phone=phone))
    return lines_reply(lines, [donate, Option.intent(ctx.label_of("donor_list"), "donor_list")])
