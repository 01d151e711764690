"""The database unreachable for a while (down, restarting, a network cut): every WeChat request
is still answered in time, what WeChat was told ``success`` for is not lost, and the service
recovers by itself once the database is back. Runs on SQLite and, in `make test-postgres`, on
PostgreSQL: connections are refused (or hang, then fail) at the driver, as a real outage would."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from starlette.testclient import TestClient

import bot.redelivery
from bot.app import create_app
from bot.runtime import Runtime
from store import Store
from store.db import transaction
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.waiting import wait_for
from tests.wechat_client import WeChatServer


class Outage:
    """Makes every new connection to ``engine`` fail (after ``hang`` seconds) while it lasts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = threading.Event()
        self.hang = 0.0
        self.refused = 0
        event.listen(engine, "do_connect", self._connect)

    def _connect(self, dialect: Any, _record: Any, _args: Any, _params: Any) -> None:
        if self.down.is_set():
            self.refused += 1
            time.sleep(self.hang)
            raise dialect.dbapi.OperationalError("could not connect to the database server")

    def start(self, hang: float = 0.0) -> None:
        self.hang = hang
        self.down.set()
        self.engine.dispose()  # the pooled connections die with the server

    def end(self) -> None:
        self.down.clear()


@pytest.fixture
def outage(runtime: Runtime) -> Iterator[Outage]:
    broken = Outage(runtime.database)
    yield broken
    broken.end()


@pytest.fixture
def runtime_in_a_hurry(make_runtime: Callable[..., Runtime], config_with: Callable[..., Path],
                       monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """A reply budget of 0.3 s, and a message waiting for the database taken again every few
    tenths of a second."""
    monkeypatch.setattr(bot.redelivery, "PAUSES", (0.2, 0.4))
    return make_runtime(config_with(server={"reply_budget_seconds": 0.3}))


def _outbox(runtime: Runtime, openid: str) -> list[str]:
    with transaction(runtime.factory) as session:
        return [m.payload.get("content", "") for m in Store(session).outbox.for_openid(openid)]


def test_a_database_down_gets_an_honest_apology_in_time_and_the_service_recovers(
        wechat: WeChatServer, outage: Outage) -> None:
    assert "邻里助手" in wechat.say("o_outage", "你好", safe=True).content
    outage.start()
    started = time.monotonic()
    during = wechat.say("o_outage", "你好", safe=True)
    assert time.monotonic() - started < 4.5
    assert during.status == 200 and "没有办成" in during.content and outage.refused
    outage.end()
    after = wechat.say("o_outage", "菜单", safe=True)
    assert "没有办成" not in after.content and "物业报修" in after.content


def test_a_message_waiting_when_the_worker_stops_is_answered_after_the_next_start(runtime_in_a_hurry: Runtime) -> None:
    """Restarting during an outage loses nothing: the waiting message is kept on disk."""
    runtime = runtime_in_a_hurry
    outage = Outage(runtime.database)
    app = create_app(runtime, background=False)
    with TestClient(app) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        assert "邻里助手" in server.say("o_restart", "你好").content
        outage.start(hang=0.5)
        assert server.say("o_restart", "菜单").body == "success"
        spool = app.state.redelivery.spool
        assert wait_for(lambda: len(list(spool.glob("*.json"))) == 1)
    # the worker stopped; the database comes back before it starts again
    outage.end()
    assert _outbox(runtime, "o_restart") == [] and len(list(spool.glob("*.json"))) == 1
    with TestClient(create_app(runtime, background=False)):
        assert wait_for(lambda: bool(_outbox(runtime, "o_restart")))
        assert wait_for(lambda: not list(spool.glob("*.json")))
    queued = _outbox(runtime, "o_restart")
    assert len(queued) == 1 and "请回复数字" in queued[0]


def test_a_message_told_success_while_the_database_hangs_is_answered_once_it_is_back(
        runtime_in_a_hurry: Runtime) -> None:
    runtime = runtime_in_a_hurry
    outage = Outage(runtime.database)
    with TestClient(create_app(runtime, background=False)) as http:
        server = WeChatServer(http, TOKEN, APPID, AES_KEY)
        assert "邻里助手" in server.say("o_hang", "你好").content
        outage.start(hang=0.5)
        started = time.monotonic()
        delivery = server.say("o_hang", "菜单")
        assert delivery.body == "success" and time.monotonic() - started < 1.5
        time.sleep(1.5)  # still down: the message is taken again and again, and waits
        assert outage.refused >= 2
        outage.end()
        wait_for(lambda: bool(_outbox(runtime, "o_hang")))
        time.sleep(1.0)  # a second delivery, were there one, would be queued by now
        queued = _outbox(runtime, "o_hang")
    assert len(queued) == 1 and "请回复数字" in queued[0]
