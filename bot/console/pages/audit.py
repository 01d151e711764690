"""The audit log (admins only): who did what to which record, and when, newest first."""
from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import ADMIN_ONLY, Pages, ViewerDep
from bot.console.web import render, work
from store.console import AuditRepository

pages = Pages("audit", order=90)
PAGE_SIZE = 100


@pages.get("/audit", roles=ADMIN_ONLY, nav=True)
def audit_log(request: Request, viewer: ViewerDep, action: Annotated[str, Query(max_length=64)] = "",
              page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    with work(request) as store:
        entries = store[AuditRepository].recent(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE, action=action or None)
    return render(request, "audit.html", entries=entries[:PAGE_SIZE], more=len(entries) > PAGE_SIZE, page=page,
                  action=action)
