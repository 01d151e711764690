"""repair_status (报修进度): where the resident's latest repair stands, in one plain sentence.

The latest open ticket (or the latest of all when none is open) is told as a sentence —
what, where, since when, where it stands and what happens next — and the rest are one
digit away. "师傅什么时候来" is the same question about the latest open ticket.

"催一下" (or the choice offered under an open ticket) hurries it along: the case goes to the
staff inbox and the property staff are told, once per ticket a day; the resident hears
whether anyone was told.
"""
from __future__ import annotations

from actions.repair import flow
from bot.dialogue import Context, Option, Reply, Turn
from bot.dialogue.text import mentions
from store.repairs import OPEN_STATUSES, RepairRepository, TicketSummary

SHOWN = 10
#: "All of them, please": the list instead of the latest.
_ALL_WORDS = ("所有", "全部", "都看", "历史", "以前的", "之前的", "每一", "列表", "记录")


@flow.action("repair_status")
def repair_status(turn: Turn, ctx: Context) -> Reply:
    """The resident's own and their household's tickets — nobody else's."""
    tickets = ctx.store[RepairRepository].summaries_for_resident(turn.openid, ctx.resident.household_id, SHOWN)
    if not tickets:
        report = Option.intent(ctx.label_of("repair_report"), "repair_report")
        return Reply.text(ctx.say("repair.status_none"), [report])
    if (ctx.dialog.slots.get("_choice") or {}).get("all") or mentions(turn.text, _ALL_WORDS):
        lines = [ctx.say("repair.status_header")] + [_line(ticket, ctx) for ticket in tickets]
        return Reply.text("\n".join(lines), footer=True)
    latest = next((t for t in tickets if t.status in OPEN_STATUSES), tickets[0])
    urged = (ctx.dialog.slots.get("_choice") or {}).get("urge")
    if urged is not None or (not turn.tapped and mentions(turn.text, flow.config(ctx).urge_words)):
        ticket = next((t for t in tickets if t.id == urged), latest)
        if ticket.status in OPEN_STATUSES:
            return _urge(ticket, turn, ctx)
    next_step = "urgent" if latest.urgent and latest.status in OPEN_STATUSES else latest.status
    sentence = ctx.say("repair.status_latest", date=_date(latest, ctx), category=_category(latest, ctx),
                       ticket=latest.id, location=latest.location,
                       label=ctx.say(f"repair.statuses.{latest.status}"),
                       status=ctx.say(f"repair.status_next.{next_step}",
                                      who=latest.assigned_to or ctx.say("repair.worker")))
    options = []
    if latest.status in OPEN_STATUSES and ctx.dialog.form is None:  # mid-form, the form's choices stay
        options.append(Option.intent(ctx.say("repair.urge_option"), "repair_status", slots={"urge": latest.id}))
    if len(tickets) > 1:
        options.append(Option.intent(ctx.say("repair.status_all", count=len(tickets)), "repair_status",
                                     slots={"all": True}))
    return Reply.text(sentence, options) if options else Reply.text(sentence, footer=True)


def _urge(summary: TicketSummary, turn: Turn, ctx: Context) -> Reply:
    """Hurry an open ticket along: a case in the staff inbox and the property staff told, once
    per ticket a day (a second 催 the same day is told so, and nobody is told twice)."""
    key = f"repair-urge:{summary.id}:{ctx.today.isoformat()}"
    category = _category(summary, ctx)
    if ctx.store.escalations.by_source(key) is not None:
        return Reply.text(ctx.say("repair.urged_already", ticket=summary.id), footer=True)
    ticket = ctx.store[RepairRepository].get(summary.id)
    assert ticket is not None
    escalation = ctx.store.escalations.open(turn.openid, "repair_urge", "", ctx.now,
                                            household_id=ctx.resident.household_id, source_key=key)
    escalation.text = ctx.say("repair.staff_notice_urge", ticket=summary.id, who=ctx.who(), category=category,
                              location=summary.location, description=ticket.description, date=_date(summary, ctx),
                              label=ctx.say(f"repair.statuses.{summary.status}"), phone=ticket.phone or "—",
                              case=escalation.id)
    told = ctx.notify_staff(escalation.text, key, role="property")
    return Reply.text(ctx.say("repair.urged" if told else "repair.urged_inbox", ticket=summary.id,
                              category=category, location=summary.location), footer=True)


def _date(ticket: TicketSummary, ctx: Context) -> str:
    local = ticket.created_at.astimezone(ctx.timezone)
    return f"{local.month}月{local.day}日"


def _category(ticket: TicketSummary, ctx: Context) -> str:
    key = f"repair.categories.{ticket.category}"
    return ctx.say(key) if ctx.responses.has(key) else ticket.category


def _line(ticket: TicketSummary, ctx: Context) -> str:
    return ctx.say("repair.status_line", ticket=ticket.id, category=_category(ticket, ctx),
                   location=ticket.location, status=ctx.say(f"repair.statuses.{ticket.status}"),
                   date=_date(ticket, ctx))
