"""The ASGI application: the WeChat webhook, the staff API, the staff console, the health check and the
background jobs."""
from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot import metrics
from bot.api import install_api
from bot.api.errors import install_error_handling
from bot.console import install_console
from bot.outbox import OutboxWorker
from bot.pay import settings as pay_settings
from bot.pay import web as pay_web
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.webhook import SUCCESS, WeChatEndpoint
from bot.wechat.api import WeChatApi
from store import Store
from store.db import Checkpointer, schema_is_current, transaction

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, background: bool = True, routers: Iterable[APIRouter] = ()) -> FastAPI:
    """The app for ``runtime``; ``background`` starts the outbox and housekeeping jobs;
    ``routers`` are staff API routes besides those the installed flows declare (``flow.api``),
    all served under ``/api`` behind the staff token."""
    settings = runtime.settings
    executor = ThreadPoolExecutor(max_workers=settings.config.server.worker_threads, thread_name_prefix="turn")
    writer = writer_for(runtime)
    endpoint = WeChatEndpoint(settings, runtime.assistant, executor, writer)
    outbox = _outbox_worker(runtime)
    checkpointer = Checkpointer(runtime.database, settings.config.server.wal_checkpoint_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = Scheduler(runtime, outbox) if background else None
        if scheduler is not None:
            scheduler.start()
        endpoint.redelivery.resume()  # what a stopped worker left waiting for the database
        checkpointer.start()  # SQLite: the log copied into the database off the event loop
        _settle_heap()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            checkpointer.stop()
            executor.shutdown(wait=False, cancel_futures=True)
            if writer is not None:
                writer.shutdown(wait=False, cancel_futures=True)
            if endpoint.redelivery.pending():
                log.warning("stopping with %d message(s) still waiting for the database; they are kept in %s "
                            "and taken again at the next start", endpoint.redelivery.pending(),
                            endpoint.redelivery.spool)
            endpoint.redelivery.stop()

    app = FastAPI(title="邻里助手", version="0.1.0", lifespan=lifespan,
                  description="The staff API of the community's WeChat assistant. Every `/api` route "
                              "needs `Authorization: Bearer <STAFF_API_TOKEN>`.",
                  swagger_ui_parameters={"persistAuthorization": True})
    app.state.runtime = runtime
    app.state.outbox = outbox
    app.state.redelivery = endpoint.redelivery
    app.state.checkpointer = checkpointer
    # Plain Starlette routes: the webhook reads its request itself, so FastAPI's per-request
    # dependency solving would be work for nothing on every message.
    app.add_route("/wechat", endpoint.verify, methods=["GET"], include_in_schema=False)
    app.add_route("/wechat", endpoint.receive, methods=["POST"], include_in_schema=False)
    install_api(app, runtime, [*runtime.registry.routers, *routers])
    install_console(app)  # the staff console at /console (its own login, roles and CSRF checks)
    if pay_settings.current() is None:  # a half-configured merchant stops here, with its sentence
        log.info("WeChat Pay is not configured: residents are told where and how to pay")
    app.include_router(pay_web.router)  # the payment page and WeChat Pay's notifications (public)
    install_error_handling(app)
    app.add_middleware(WeChatFirst, endpoint=endpoint)  # outermost of ours: before the router and the rest

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """Ready when the database answers; reports the outbox backlog for monitoring."""
        try:
            with transaction(runtime.read_factory) as session:
                session.execute(text("SELECT 1"))
                pending = Store(session).outbox.pending_count()
        except Exception as error:  # the check itself must answer, whatever the database does
            log.warning("health check: database unavailable: %s", error.__class__.__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({
            "status": "ok",
            "database": "ok",
            "nlu_intents": len(runtime.nlu.intents),
            "nlu": runtime.nlu.health(),
            "outbox_pending": pending,
            "outbound_api": outbox is not None,
        })

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Ready to take traffic: the database answers and its schema is the newest."""
        try:
            current = schema_is_current(runtime.database)
        except Exception as error:  # the check itself must answer, whatever the database does
            log.warning("readiness: database unavailable: %s", error.__class__.__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        if not current:
            return JSONResponse({"status": "unavailable", "database": "schema out of date"}, status_code=503)
        return JSONResponse({"status": "ready"})

    metrics.watch(runtime)

    @app.get("/metrics", include_in_schema=False)
    def metrics_page() -> Response:
        """Prometheus metrics (nothing personal in them)."""
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if request.url.path.startswith("/wechat"):
            return PlainTextResponse(SUCCESS)
        return JSONResponse({"error": "temporarily unavailable"}, status_code=503)

    return app


def _outbox_worker(runtime: Runtime) -> OutboxWorker | None:
    secrets = runtime.settings.wechat
    if not (secrets.appid and secrets.secret):
        log.warning("WECHAT_APPID / WECHAT_SECRET not set: messages for the customer-service API "
                    "wait in the outbox until they are")
        return None
    config = runtime.settings.config
    api = WeChatApi(secrets, config.wechat.api_timeout_seconds, runtime.settings.redis_url)
    return OutboxWorker(runtime.factory, api, config, runtime.responses)


def from_environment() -> FastAPI:
    """The app of one worker process of ``python -m bot serve --workers N``: settings from the
    environment (and ``LINLI_CONFIG``, the config file the parent was given)."""
    import os
    from pathlib import Path

    from bot.privacy import configure_logging
    from bot.runtime import build_runtime
    from bot.settings import load_settings

    configure_logging()
    config = os.environ.get("LINLI_CONFIG")
    settings = load_settings(Path(config) if config else None, require_token=True)
    return create_app(build_runtime(settings))


def _settle_heap() -> None:
    """Keep what start-up built (the NLU model, flows, routes: most of the heap) out of the
    garbage collector's full passes, which otherwise walk all of it every few thousand
    messages and stall every reply behind them (the longest replies under load, measured in
    bench/RESULTS.md). Objects made later are collected as usual."""
    gc.collect()
    gc.freeze()


def writer_for(runtime: Runtime) -> ThreadPoolExecutor | None:
    """The thread that runs messages' transactions, on SQLite; None elsewhere.

    SQLite takes one writer at a time. Many turn threads queueing for it cost more than they
    give: they compete with the event loop for the interpreter, the lock lets the one that
    just left jump the queue (the tail grows), and each brings its own connection, whose page
    cache another connection's commit has emptied. One thread takes the transactions in the
    order they come, on one warm connection; the NLU and slow preparation still run beside it
    in the worker threads (and a transaction that can start at once runs on the event loop, see
    :meth:`bot.webhook.WeChatEndpoint._take`). PostgreSQL runs transactions side by side, in the
    worker threads."""
    if runtime.database.dialect.name != "sqlite":
        return None
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")


class WeChatFirst:
    """ASGI middleware: WeChat's requests (GET and POST ``/wechat``) go straight to the webhook.

    Every message would otherwise pass our error middleware, Starlette's exception middleware,
    FastAPI's exit stack and the router's match against every route: about 3 % of a message's
    CPU for nothing, since the webhook answers every request itself, errors included (the
    routes stay registered for anything that reaches the router another way)."""

    def __init__(self, app: ASGIApp, endpoint: WeChatEndpoint) -> None:
        self.app = app
        self.handlers = {"GET": endpoint.verify, "POST": endpoint.receive}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.handlers.get(scope.get("method", "")) if scope["type"] == "http" and \
            scope["path"] == "/wechat" and not scope.get("root_path") else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        response = await handler(Request(scope, receive))
        await response(scope, receive, send)
