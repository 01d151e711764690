"""The staff console at ``/console``: server-rendered pages (Jinja2), in Chinese, usable on a phone.

Each page is a module of :mod:`bot.console.pages` with a ``pages`` object
(:class:`bot.console.access.Pages`) whose routes declare the roles that may use them; the
modules are found by walking the package, so adding a page touches nothing here. The pages
reuse the store's repositories and the same functions as the staff API and the flows
(answering a case through :mod:`bot.cases`, the API's importers and status changes), and write
an audit row for every change. How to add one: /console pages are described in
``bot/console/pages/__init__.py``.
"""
from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from bot.console import pages as page_package
from bot.console.access import ConsoleError, LoginRequired, NavEntry, Pages
from bot.console.web import SECURITY_HEADERS, STATIC, render

PREFIX = "/console"


def load_pages() -> list[Pages]:
    """Every page module's ``pages``, in navigation order."""
    found = []
    for info in pkgutil.iter_modules(page_package.__path__, prefix=f"{page_package.__name__}."):
        module = importlib.import_module(info.name)
        pages = getattr(module, "pages", None)
        if isinstance(pages, Pages):
            found.append(pages)
    return sorted(found, key=lambda pages: (pages.order, pages.name))


def install_console(app: FastAPI) -> None:
    """Mount the console's pages and stylesheet on ``app`` (which holds the runtime)."""
    nav: list[NavEntry] = []
    for pages in load_pages():
        app.include_router(pages.router, prefix=PREFIX)
        if pages.nav is not None:
            nav.append(pages.nav)
    app.state.console_nav = nav
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(ConsoleError, _refused)


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, ConsoleError)
    if isinstance(error, LoginRequired):
        from urllib.parse import urlencode

        response: Response = RedirectResponse(f"{PREFIX}/login?{urlencode({'next': error.back_to})}", status_code=303)
        response.headers.update(SECURITY_HEADERS)
        return response
    return render(request, "error.html", status_code=error.status_code, reason=error.reason)
