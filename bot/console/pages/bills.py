"""Bills: the list by household and month, a spreadsheet import (the staff API's importer: all or
nothing, with the per-row report) and payments made at the office (the API's ``PATCH``)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from actions.bills.api import BillPatch, import_bills, update_bill
from bot.console.access import Pages, ViewerDep, allow, runtime_of
from bot.console.web import attempt, audit, now, redirect, render, work
from store import Store
from store.bills import BillRepository, fen_to_yuan

pages = Pages("bills", flow="bills", order=40)
BILL_ROLES = allow("property")
MONTH = r"^(\d{4}-\d{2})?$"


def _bills_page(request: Request, household_id: int | None, period: str, paid: str, status_code: int = 200,
                **context: object) -> Response:
    with work(request) as store:
        bills = store[BillRepository].list(household_id, period or None, {"yes": True, "no": False}.get(paid))
        addresses = {household.id: household.address for household in store.households.list()}
    total = sum(bill.amount_fen for bill in bills if not bill.paid)
    return render(request, "bills.html", status_code=status_code, bills=list(reversed(bills)), addresses=addresses,
                  household_id=household_id or "", period=period, paid=paid, unpaid_total=fen_to_yuan(total),
                  yuan=fen_to_yuan, **context)


@pages.get("/bills", roles=BILL_ROLES, nav=True)
def bills(request: Request, viewer: ViewerDep, household_id: Annotated[str, Query(pattern=r"^\d{0,9}$")] = "",
          period: Annotated[str, Query(pattern=MONTH)] = "",
          paid: Annotated[str, Query(pattern="^(yes|no)?$")] = "") -> Response:
    return _bills_page(request, int(household_id) if household_id else None, period, paid)


@pages.post("/bills/import", roles=BILL_ROLES)
def import_file(request: Request, viewer: ViewerDep, file: UploadFile) -> Response:
    """The staff API's importer (``POST /api/bills/import``): nothing is imported when a row is wrong."""
    runtime = runtime_of(request)

    def load(store: Store) -> int:
        result = import_bills(file, store, runtime, now())
        audit(store, request, "bill_import", "bills", "", detail=f"{file.filename}: {result.imported}")
        return result.imported

    imported, refused = attempt(request, load)
    if refused is not None:
        errors = refused.body.get("errors") or [{"row": None, "field": "file", "message": refused.detail}]
        return _bills_page(request, None, "", "", status_code=422, errors=errors, filename=file.filename)
    return redirect("/bills", done="imported", count=imported)


@pages.post("/bills/{bill_id}/paid", roles=BILL_ROLES)
def mark_paid(request: Request, viewer: ViewerDep, bill_id: int, back: Annotated[str, Form()] = "") -> Response:
    """A payment made at the office (``PATCH /api/bills/{id}`` ``{"paid": true}``)."""

    def pay(store: Store) -> None:
        update_bill(bill_id, BillPatch(paid=True), store, now())
        audit(store, request, "bill_paid", "bill", bill_id)

    _, refused = attempt(request, pay)
    from urllib.parse import parse_qsl

    kept = {name: value for name, value in parse_qsl(back) if name in ("household_id", "period", "paid")}
    if refused is not None:
        return redirect("/bills", **kept, error="not_found")
    return redirect("/bills", **kept, done="paid", bill=bill_id)
