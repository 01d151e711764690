"""A photo sent with no form open: probably something broken. Offer to report it, keeping the
photo for the report (it is attached when the resident says yes)."""
from __future__ import annotations

from actions.repair import flow
from bot.dialogue import Context, Option, Reply, Stage, Turn


@flow.trigger(Stage.FALLBACK, kinds=("image",))
def photo_offer(turn: Turn, ctx: Context) -> Reply | None:
    if turn.photo is None or ctx.dialog.form is not None:
        return None
    return Reply.text(ctx.say("repair.photo_offer"), [
        Option.intent(ctx.say("repair.photo_yes"), "repair_report"),
        Option.answer(ctx.say("repair.photo_no"), "no"),
    ]).with_slots(_photo=turn.photo.to_dict())
