"""SQLite: a message whose transaction can start at once is taken on the event loop; one that
would have to wait (another writer of this process or of another) waits in the writer thread,
held to the reply budget, and the event loop stays free meanwhile."""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import NO_WAIT, WriterBusy, transaction
from tests.conftest import AES_KEY, APPID, BACKEND, TOKEN
from tests.waiting import wait_for
from tests.wechat_client import WeChatServer

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="PostgreSQL takes every transaction in a worker thread")


def threads_of_turns(runtime: Runtime, by_whom: dict[str, str] | None = None) -> list[str]:
    """The names of the threads the turns run in, from now on (and by resident in ``by_whom``)."""
    names: list[str] = []
    respond = runtime.assistant.dialogue.respond

    def noted(turn, ctx, state):
        names.append(threading.current_thread().name)
        if by_whom is not None:
            by_whom[turn.openid] = threading.current_thread().name
        return respond(turn, ctx, state)

    runtime.assistant.dialogue.respond = noted  # type: ignore[method-assign]
    return names


def outbox_of(runtime: Runtime, openid: str) -> list[str]:
    with transaction(runtime.factory) as session:
        return [str(m.payload) for m in Store(session).outbox.for_openid(openid)]


@pytest.fixture
def budget_runtime(make_runtime: Callable[..., Runtime], config_with: Callable[..., Path]) -> Runtime:
    return make_runtime(config_with(server={"reply_budget_seconds": 0.3}))


@pytest.fixture
def http(budget_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(budget_runtime, background=False)) as client:
        yield client


def test_a_turn_that_can_start_at_once_runs_on_the_event_loop(wechat: WeChatServer, runtime: Runtime) -> None:
    wechat.say("o_loop", "你好")  # the pool now holds an open connection
    names = threads_of_turns(runtime)
    assert "物业报修" in wechat.say("o_loop", "菜单").content
    assert names and not names[0].startswith(("store", "turn"))


def test_with_the_setting_off_every_turn_runs_in_the_writer_thread(
        make_runtime: Callable[..., Runtime], config_with: Callable[..., Path]) -> None:
    runtime = make_runtime(config_with(server={"turns_on_event_loop": False}))
    names = threads_of_turns(runtime)
    with TestClient(create_app(runtime, background=False)) as client:
        wechat = WeChatServer(client, TOKEN, APPID, AES_KEY)
        for text in ("你好", "菜单"):
            assert wechat.say("o_writer", text).status == 200
    assert len(names) == 2 and all(name.startswith("store") for name in names)


def test_a_message_behind_a_long_write_of_this_process_waits_in_the_writer_thread(
        budget_runtime: Runtime, http: TestClient) -> None:
    wechat = WeChatServer(http, TOKEN, APPID, AES_KEY)
    wechat.say("o_behind", "你好")
    names = threads_of_turns(budget_runtime)
    holding = threading.Event()

    def long_write() -> None:  # a staff import, say, holding the database for a few seconds
        with transaction(budget_runtime.factory):
            holding.set()
            time.sleep(4.0)

    writer = threading.Thread(target=long_write)
    writer.start()
    assert holding.wait(5)
    started = time.monotonic()
    reply = wechat.say("o_behind", "菜单")
    # Inside the budget (0.3 s), long before the write ends; the bounds leave room for a busy machine.
    assert reply.body == "success" and time.monotonic() - started < 2.0
    started = time.monotonic()
    # The loop is free: a blocked loop would answer only when the write ends, 2 s or more from here.
    assert http.get("/healthz").status_code == 200 and time.monotonic() - started < 1.5
    writer.join()
    assert wait_for(lambda: any("物业报修" in text for text in outbox_of(budget_runtime, "o_behind")), 5)
    assert names == ["store_0"]  # taken once, in the writer thread


def test_once_the_writer_has_caught_up_messages_run_on_the_event_loop_again(
        runtime: Runtime, wechat: WeChatServer) -> None:
    """A message that had to queue for the writer makes later ones wait for it, not queue
    behind it: under steady load the queue would otherwise never empty again."""
    for openid in ("o_first", "o_second"):
        wechat.say(openid, "你好")
    by_whom: dict[str, str] = {}
    threads_of_turns(runtime, by_whom)
    holding, release = threading.Event(), threading.Event()

    def staff_write() -> None:
        with transaction(runtime.factory):
            holding.set()
            release.wait(5)

    def say(openid: str) -> None:
        replies[openid] = wechat.say(openid, "菜单").content

    replies: dict[str, str] = {}
    writer = threading.Thread(target=staff_write)
    writer.start()
    assert holding.wait(5)
    first = threading.Thread(target=say, args=("o_first",))
    first.start()
    time.sleep(0.2)  # o_first is queued for the writer now
    second = threading.Thread(target=say, args=("o_second",))
    second.start()
    time.sleep(0.2)
    release.set()
    for thread in (writer, first, second):
        thread.join(10)
    assert all("物业报修" in replies[openid] for openid in ("o_first", "o_second"))
    assert by_whom["o_first"].startswith("store") and not by_whom["o_second"].startswith(("store", "turn"))


def test_another_process_writing_holds_up_no_reply_past_the_budget(budget_runtime: Runtime,
                                                                    http: TestClient) -> None:
    wechat = WeChatServer(http, TOKEN, APPID, AES_KEY)
    wechat.say("o_other_process", "你好")
    other = sqlite3.connect(budget_runtime.database.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process (a command-line import) is writing
    try:
        started = time.monotonic()
        reply = wechat.say("o_other_process", "菜单")
        assert reply.body == "success" and time.monotonic() - started < 0.9
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert wait_for(lambda: any("物业报修" in text for text in outbox_of(budget_runtime, "o_other_process")), 5)
    assert "物业报修" in wechat.say("o_other_process", "菜单").content  # and the next one is answered at once


def test_a_transaction_asked_not_to_wait_raises_having_done_nothing(runtime: Runtime) -> None:
    with transaction(runtime.factory) as session:  # an open connection in the pool from now on
        Store(session).conversations.create_row("o_nowait", utcnow())
    other = sqlite3.connect(runtime.database.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(WriterBusy), transaction(runtime.factory, wait=False):
            pytest.fail("the block must not run")
        assert time.monotonic() - started < 0.5  # at once, not after SQLite's busy timeout
    finally:
        other.execute("ROLLBACK")
        other.close()
    with transaction(runtime.factory, wait=False) as session:  # free again: it starts
        assert Store(session).conversations.lock_row("o_nowait") is not None


def test_a_connection_that_was_asked_not_to_wait_waits_again_for_a_transaction_that_may(runtime: Runtime) -> None:
    with transaction(runtime.factory, wait=False) as session:  # this connection's busy timeout is now 0
        Store(session).conversations.create_row("o_waits_again", utcnow())
        first = session.connection().connection.dbapi_connection
    other = sqlite3.connect(runtime.database.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
    releaser.start()
    try:
        started = time.monotonic()
        with transaction(runtime.factory) as session:  # waits for the other writer, does not fail
            assert session.connection().connection.dbapi_connection is first
            assert Store(session).conversations.lock_row("o_waits_again") is not None
        assert time.monotonic() - started >= 0.25
    finally:
        releaser.join()
        other.close()


def test_writers_take_turns_on_one_kept_connection_until_something_goes_wrong(runtime: Runtime) -> None:
    def driver() -> object:
        with transaction(runtime.factory, wait=False) as session:
            Store(session).conversations.lock_row("o_kept")
            return session.connection().connection.dbapi_connection

    with transaction(runtime.factory) as session:
        Store(session).conversations.create_row("o_kept", utcnow())
        kept = session.connection().connection.dbapi_connection
    assert driver() is kept and driver() is kept
    assert runtime.database.pool.checkedout() == 1  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError), transaction(runtime.factory) as session:
        Store(session).conversations.create_row("o_kept_rolled_back", utcnow())
        raise RuntimeError("an action failed")
    assert runtime.database.pool.checkedout() == 0  # type: ignore[attr-defined]  # given back, rolled back
    with transaction(runtime.factory) as session:
        assert Store(session).conversations.lock_row("o_kept_rolled_back") is None
        assert Store(session).conversations.lock_row("o_kept") is not None
    runtime.database.dispose()  # the pool's connections are done with: so is the kept one
    with transaction(runtime.factory) as session:
        assert session.connection().connection.dbapi_connection is not kept


def test_the_kept_connection_is_told_whether_to_wait_only_when_that_changes(runtime: Runtime) -> None:
    told: list[bool] = []
    event.listen(runtime.database, "set_connection_execution_options",
                 lambda connection, options: told.append(bool(options.get(NO_WAIT))))
    for wait in (True, True, False, False, True):
        with transaction(runtime.factory, wait=wait) as session:
            Store(session).conversations.lock_row("o_told")
    assert told in ([False, True, False], [True, False])  # each change once (none if it already was so)
