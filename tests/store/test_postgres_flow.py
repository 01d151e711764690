"""A whole conversation on PostgreSQL, and concurrent turns of one resident."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bot.runtime import build_runtime
from bot.settings import DEFAULT_CONFIG, load_settings
from store import Store
from store.db import make_engine, transaction
from store.demo import seed_demo
from store.repairs import RepairRepository
from tests.conftest import wechat_env
from tests.talk import Resident


@pytest.fixture
def pg_runtime(postgres_url: str, understanding):
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    runtime = build_runtime(load_settings(DEFAULT_CONFIG, {"DATABASE_URL": postgres_url, **wechat_env()}),
                            understanding=understanding)
    with transaction(runtime.factory) as session:
        seed_demo(Store(session))
    yield runtime
    runtime.close()


def test_bind_and_report_a_repair_on_postgres(pg_runtime) -> None:
    resident = Resident(pg_runtime, "o_pg")
    assert "绑定成功" in resident.say("绑定 3-502 张三 1234")
    resident.say("我家厨房水管漏水了")
    assert "报修已提交" in resident.say("1")
    with transaction(pg_runtime.factory) as session:
        assert len(Store(session)[RepairRepository].list()) == 1


def test_concurrent_messages_of_one_resident_take_turns(pg_runtime) -> None:
    """Each turn locks the conversation row: no message's state change is lost."""
    resident = Resident(pg_runtime, "o_busy")
    barrier = threading.Barrier(6)
    replies: list[str] = []

    def send() -> None:
        barrier.wait()
        replies.append(resident.say("你好"))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 6 and all("邻里助手" in r for r in replies)
    with transaction(pg_runtime.factory) as session:
        logged = [m for m in Store(session).messages.recent("o_busy", limit=50) if m.direction == "in"]
    assert len(logged) == 6


def test_a_message_and_its_retries_at_once_run_one_action_and_get_one_reply(pg_runtime) -> None:
    """WeChat's retries racing the first delivery on PostgreSQL: one ticket, the same reply."""
    from bot.wechat.inbound import Inbound

    resident = Resident(pg_runtime, "o_race")
    resident.say("绑定 3-502 张三 1234")
    resident.say("我家厨房水管漏水了")
    confirm = Inbound(openid="o_race", account="gh", kind="text", create_time=1, msg_id="77001",
                      text="1", raw_type="text")
    barrier = threading.Barrier(4)
    replies: list[str] = []

    def deliver() -> None:
        barrier.wait()
        reply = pg_runtime.assistant.handle(confirm)
        replies.append(reply.content if reply else "")

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(replies)) == 1 and "报修已提交" in replies[0]
    with transaction(pg_runtime.factory) as session:
        assert len(Store(session)[RepairRepository].list()) == 1
