"""The hot path's statements on the driver write and read exactly what SQLAlchemy would."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from store import Store
from store.clock import utcnow
from store.db import make_sessionmaker, transaction
from store.models import Conversation, Household, MessageLog
from store.repositories._prepared import Prepared


def test_a_conversation_row_written_and_read_on_the_hot_path_is_what_the_orm_sees(database: Engine) -> None:
    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        store = Store(session)
        before = store.conversations.create_row("o_prepared", now)
        slots = {"location": "3号楼 502", "phone": "13912341234", "address": {"building": "3", "room": "502"}}
        options = [{"label": "确认", "message": "1"}]
        assert store.conversations.save_row(before, {
            "form": "repair_report", "slots": slots, "requested_slot": "phone", "options": options, "misses": 2,
            "pending_intent": None, "form_started_at": now - timedelta(minutes=3), "updated_at": now})
    with transaction(factory) as session:
        row = Store(session).conversations.lock_row("o_prepared")
        orm = session.get(Conversation, "o_prepared")
        assert row is not None and orm is not None
        assert (row.form, row.slots, row.requested_slot, row.options, row.misses) == \
               (orm.form, orm.slots, orm.requested_slot, orm.options, orm.misses) == \
               ("repair_report", slots, "phone", options, 2)
        assert row.form_started_at == orm.form_started_at == now - timedelta(minutes=3)
        assert row.updated_at == orm.updated_at == now
        assert row.updated_at.tzinfo is not None


def test_the_message_log_and_the_stored_reply_read_back_through_the_orm(database: Engine) -> None:
    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        store = Store(session)
        store.messages.record_many("o_log", [("text", "in", "水管漏水了", "repair_report"),
                                             ("text", "out", "请问在哪里？", None)], now, msg_key="msg:o_log:1")
        assert store.processed.record("msg:o_log:1", "o_log", {"text": "请问在哪里？", "created": 1}, now)
        assert not store.processed.record("msg:o_log:1", "o_log", {"text": "another"}, now)
    with transaction(factory) as session:
        logged = session.scalars(select(MessageLog).order_by(MessageLog.id)).all()
        assert [(m.direction, m.text, m.intent, m.msg_key, m.created_at) for m in logged] == [
            ("in", "水管漏水了", "repair_report", "msg:o_log:1", now),
            ("out", "请问在哪里？", None, "msg:o_log:1", now)]
        stored = Store(session).processed.get("msg:o_log:1")
        assert stored is not None and stored.reply == {"text": "请问在哪里？", "created": 1}


def test_a_statement_with_defaults_computed_in_python_still_gets_them(database: Engine) -> None:
    with transaction(make_sessionmaker(database)) as session:
        Prepared(insert(Household.__table__)).run(session.connection(), {"building": "9", "unit": "", "room": "901"})
        household = session.scalars(select(Household).where(Household.building == "9")).one()
        assert household.created_at is not None


def test_a_driver_error_is_raised_as_sqlalchemys(database: Engine) -> None:
    statement = Prepared(insert(Conversation.__table__))
    now = utcnow()
    values = {"openid": "o_twice", "slots": {}, "options": [], "misses": 0, "updated_at": now}
    with pytest.raises(IntegrityError), transaction(make_sessionmaker(database)) as session:
        statement.run(session.connection(), values)
        statement.run(session.connection(), values)
