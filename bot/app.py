"""The ASGI application: the WeChat webhook, the health check and the background jobs."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bot.outbox import OutboxWorker
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.webhook import SUCCESS, WeChatEndpoint
from bot.wechat.api import WeChatApi
from store import Store
from store.db import transaction

log = logging.getLogger(__name__)


def create_app(runtime: Runtime, *, background: bool = True) -> FastAPI:
    """The app for ``runtime``; ``background`` starts the outbox and housekeeping jobs."""
    settings = runtime.settings
    executor = ThreadPoolExecutor(max_workers=settings.config.server.worker_threads, thread_name_prefix="turn")
    endpoint = WeChatEndpoint(settings, runtime.assistant, executor)
    outbox = _outbox_worker(runtime)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = Scheduler(runtime, outbox) if background else None
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="邻里助手", version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.outbox = outbox
    app.add_api_route("/wechat", endpoint.verify, methods=["GET"], include_in_schema=False)
    app.add_api_route("/wechat", endpoint.receive, methods=["POST"], include_in_schema=False)

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
