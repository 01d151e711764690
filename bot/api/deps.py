"""FastAPI dependencies every staff API route uses: the runtime, the store, the clock.

``StoreDep`` is one unit of work per request: it commits when the route function returns
and rolls back when it raises (an ``ApiError`` included), before the answer is sent — so a
client never sees success for something that was not written, nor a half-written import::

    @router.post("/bills", status_code=201)
    def create_bill(body: BillIn, store: StoreDep, now: NowDep) -> Created: ...
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from bot.api.errors import not_found
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction

__all__ = ["NowDep", "RuntimeDep", "StoreDep", "get_runtime", "get_store", "not_found", "now"]


def get_runtime(request: Request) -> Runtime:
    """The runtime the app was created with (``create_app`` keeps it on the app's state)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_store(runtime: RuntimeDep) -> Iterator[Store]:
    """One transaction for the request: commit after the route returns, roll back if it raises."""
    with transaction(runtime.factory) as session:
        yield Store(session)


# scope="function": the transaction ends when the route function does, before the response.
StoreDep = Annotated[Store, Depends(get_store, scope="function")]


def now() -> datetime:
    """The request's time (aware UTC); tests may override it through ``app.dependency_overrides``."""
    return utcnow()


NowDep = Annotated[datetime, Depends(now)]
