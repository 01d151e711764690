"""The redelivery spool: what waits for the database survives a restart, and a file that
cannot be read is left for a person, not lost or retried forever."""
from __future__ import annotations

import threading
from pathlib import Path

from bot.dialogue.turn import Location, Photo
from bot.redelivery import Redelivery, spool_for
from bot.wechat.inbound import Inbound
from store.repositories.processed import ClaimState
from tests.waiting import wait_for


def test_a_kept_message_comes_back_whole_after_a_restart(tmp_path: Path) -> None:
    message = Inbound(openid="o_spool", account="gh_x", kind="location", create_time=1_764_000_000, msg_id="42",
                      location=Location(31.25, 121.4, "阳光花苑3号楼"), photo=Photo("http://p", "m1"),
                      raw_type="location")
    first = Redelivery(lambda _: ClaimState.UNAVAILABLE, spool=tmp_path, pauses=(60.0,))
    first.later(message)
    first.stop()  # the worker stops while the database is still down
    assert len(list(tmp_path.glob("*.json"))) == 1

    taken: list[Inbound] = []
    done = threading.Event()

    def take(inbound: Inbound) -> ClaimState:
        taken.append(inbound)
        done.set()
        return ClaimState.DONE

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    second = Redelivery(take, spool=tmp_path, pauses=(0.05,))
    assert second.resume() == 1
    assert done.wait(5)
    assert taken == [message]
    wait_for(lambda: len(list(tmp_path.glob("*.json"))) == 1, 5)
    assert [p.name for p in tmp_path.glob("*.json")] == ["broken.json"]  # taken: forgotten; unreadable: left


def test_each_database_has_its_own_spool(tmp_path: Path) -> None:
    assert spool_for(f"sqlite:///{tmp_path}/a.db", tmp_path) == tmp_path / "a.db.redelivery"
    one = spool_for("postgresql+psycopg://u@db1:5432/community", tmp_path)
    other = spool_for("postgresql+psycopg://u@db1:5432/other", tmp_path)
    assert one != other and one.parent == tmp_path / "var" / "redelivery"
