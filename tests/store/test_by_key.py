"""Rows loaded by key on the hot path behave in the unit of work exactly as ``Session.get``'s."""
from __future__ import annotations

from sqlalchemy import Engine, event, inspect

from store import Store
from store.clock import utcnow
from store.db import make_sessionmaker, transaction
from store.models import Household, Resident
from store.repositories._by_key import ByKey
from store.repositories.households import NewMember


def _columns(instance: object) -> dict[str, object]:
    return {attribute.key: getattr(instance, attribute.key) for attribute in inspect(type(instance)).column_attrs}


def _bound_resident(factory, openid: str) -> int:  # type: ignore[no-untyped-def]
    now = utcnow()
    with transaction(factory) as session:
        store = Store(session)
        household = store.households.create("7", "701", [NewMember("赵六", "13900007701")])
        resident = store.residents.get_or_create(openid, now)
        store.residents.bind(resident, household, household.members[0], now)
        return household.id


def test_a_row_loaded_by_key_is_the_one_session_get_loads(database: Engine) -> None:
    factory = make_sessionmaker(database)
    household_id = _bound_resident(factory, "o_by_key")
    with transaction(factory) as session:
        expected = _columns(session.get(Resident, "o_by_key"))
        expected_flat = _columns(session.get(Household, household_id))
    with transaction(factory) as session:
        resident = ByKey(Resident).get(session, "o_by_key")
        assert resident is not None and _columns(resident) == expected
        state = inspect(resident)
        assert state.persistent and not state.modified and resident in session and not session.dirty
        assert ByKey(Resident).get(session, "o_by_key") is resident is session.get(Resident, "o_by_key")
        assert resident.household is not None and resident.household.id == household_id  # loads on use
        assert resident.member is not None and resident.member.name == "赵六"
        flat = ByKey(Household).get(session, household_id)
        assert flat is resident.household and _columns(flat) == expected_flat
        assert [member.name for member in flat.members] == ["赵六"]
        assert ByKey(Resident).get(session, "o_nobody") is None
        assert ByKey(Household).get(session, 10**9) is None


def test_loading_writes_nothing_and_a_change_writes_only_what_changed(database: Engine) -> None:
    factory = make_sessionmaker(database)
    _bound_resident(factory, "o_by_key_write")
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(database, "before_cursor_execute", seen)
    try:
        with transaction(factory) as session:
            ByKey(Resident).get(session, "o_by_key_write")
        assert not any(statement.startswith("UPDATE") for statement in statements)
        with transaction(factory) as session:
            resident = ByKey(Resident).get(session, "o_by_key_write")
            assert resident is not None
            resident.window_sends = 7
        updates = [statement for statement in statements if statement.startswith("UPDATE")]
        assert len(updates) == 1 and "window_sends" in updates[0] and "household_id" not in updates[0]
    finally:
        event.remove(database, "before_cursor_execute", seen)
    with transaction(factory) as session:
        assert session.get(Resident, "o_by_key_write").window_sends == 7  # type: ignore[union-attr]


def test_an_expired_or_just_added_row_is_read_as_session_get_would(database: Engine) -> None:
    factory = make_sessionmaker(database)
    _bound_resident(factory, "o_by_key_expired")
    with transaction(factory) as session:
        resident = ByKey(Resident).get(session, "o_by_key_expired")
        assert resident is not None
        session.connection().execute(Resident.__table__.update().values(window_sends=3)
                                     .where(Resident.openid == "o_by_key_expired"))
        session.expire(resident)
        assert ByKey(Resident).get(session, "o_by_key_expired") is resident and resident.window_sends == 3
        session.add(Resident(openid="o_by_key_new", first_seen_at=utcnow(), subscribed=True, window_sends=0,
                             bind_failures=0))
        added = ByKey(Resident).get(session, "o_by_key_new")
        assert added is not None and inspect(added).persistent


def test_a_row_loaded_by_key_can_be_deleted(database: Engine) -> None:
    factory = make_sessionmaker(database)
    _bound_resident(factory, "o_by_key_gone")
    with transaction(factory) as session:
        resident = ByKey(Resident).get(session, "o_by_key_gone")
        session.delete(resident)
        session.flush()
        assert inspect(resident).deleted
    with transaction(factory) as session:
        assert session.get(Resident, "o_by_key_gone") is None


def test_a_list_read_on_the_driver_is_the_list_the_orm_reads(database: Engine) -> None:
    from sqlalchemy import select

    from store.repositories._prepared import Prepared

    factory = make_sessionmaker(database)
    _bound_resident(factory, "o_by_key_list_0")
    with transaction(factory) as session:
        for number in (1, 2):
            Store(session).residents.get_or_create(f"o_by_key_list_{number}", utcnow())
    everyone = Prepared(select(*Resident.__table__.columns).where(Resident.openid.startswith("o_by_key_list_"))
                        .order_by(Resident.openid))
    with transaction(factory) as session:
        expected = [_columns(r) for r in session.scalars(select(Resident).where(
            Resident.openid.startswith("o_by_key_list_")).order_by(Resident.openid))]
    with transaction(factory) as session:
        held = session.get(Resident, "o_by_key_list_1")
        assert held is not None
        held.window_sends = 5  # not written yet: the list is read after it is, as a query would
        session.add(Resident(openid="o_by_key_list_9", first_seen_at=utcnow(), subscribed=True, window_sends=0,
                             bind_failures=0))
        found = ByKey(Resident).all(session, everyone, {})
        assert [r.openid for r in found] == [e["openid"] for e in expected] + ["o_by_key_list_9"]
        assert found[1] is held and held.window_sends == 5
        assert [_columns(r) for r in found[:1]] == expected[:1] and found[0].household is not None
        session.expire(found[2])
        assert ByKey(Resident).all(session, everyone, {})[2] is found[2] and found[2].window_sends == 0
        assert all(inspect(r).persistent for r in found) and not session.dirty


def test_a_row_added_on_the_driver_is_what_the_orm_would_have_written(database: Engine) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from store.repairs import RepairTicket

    factory = make_sessionmaker(database)
    household_id = _bound_resident(factory, "o_by_key_add")
    now = utcnow()
    given = {"openid": "o_by_key_add", "household_id": household_id, "category": "水电", "location": "7-701 厨房",
             "source_key": "by-key-add", "updated_at": now}
    with transaction(factory) as session:
        ticket = ByKey(RepairTicket).add(session, given)
        assert inspect(ticket).persistent and ticket.id is not None and not session.dirty
        assert session.get(RepairTicket, ticket.id) is ticket
        ticket.status = "accepted"  # changed afterwards: written at commit like any loaded row
    with transaction(factory) as session:
        orm = RepairTicket(**(given | {"source_key": "by-key-orm"}))
        session.add(orm)
        session.flush()
        expected = _columns(orm)
    with transaction(factory) as session:
        stored = _columns(session.get(RepairTicket, ticket.id))
    unset = {"id", "source_key", "created_at", "status"}
    assert {k: v for k, v in stored.items() if k not in unset} == {k: v for k, v in expected.items() if k not in unset}
    assert stored["status"] == "accepted" and stored["description"] == "" and stored["urgent"] is False
    assert abs((stored["created_at"] - now).total_seconds()) < 60  # the Python default, called
    with pytest.raises(IntegrityError), transaction(factory) as session:
        ByKey(RepairTicket).add(session, given)  # the same source key again


def test_notices_are_found_by_kind_words_and_date_as_the_orm_query_found_them(database: Engine) -> None:
    from datetime import timedelta

    from sqlalchemy import or_, select

    from store.announcements import Announcement, AnnouncementRepository, NewAnnouncement

    factory = make_sessionmaker(database)
    now = utcnow()
    with transaction(factory) as session:
        notices = Store(session)[AnnouncementRepository]
        for days, kind, title, body in ((9, "property", "停水通知", "3号楼周三停水"),
                                        (5, "news", "九九重阳", "敬老活动 100% 报名"),
                                        (2, "property", "电梯检修", "5号楼电梯 a_b 检修"),
                                        (1, "party", "党课", "学习")):
            notices.publish(NewAnnouncement(kind, title, body), now - timedelta(days=days))

    def orm(kinds, words, since, limit):  # type: ignore[no-untyped-def]  # the query as the ORM wrote it
        query = select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc())
        if kinds is not None:
            query = query.where(Announcement.kind.in_(list(kinds)))
        if words:
            query = query.where(or_(*[column.contains(word, autoescape=True) for word in words
                                      for column in (Announcement.title, Announcement.body)]))
        if since is not None:
            query = query.where(Announcement.created_at >= since)
        if limit is not None:
            query = query.limit(limit)
        return [a.title for a in session.scalars(query)]

    with transaction(factory) as session:
        notices = Store(session)[AnnouncementRepository]
        for kinds, words, since, limit in ((None, (), None, None), (["property"], (), None, None),
                                           (["property", "party"], (), None, 2), ([], (), None, None),
                                           (None, ("停水", "电梯"), None, None), (None, ("0%",), None, None),
                                           (None, ("%",), None, None), (None, ("_",), None, None),
                                           (None, ("a_b",), None, None), (None, (), now - timedelta(days=3), None),
                                           (["property"], ("检修",), now - timedelta(days=30), 1)):
            expected = orm(kinds, words, since, limit)
            assert [a.title for a in notices.latest(kinds, words=words, since=since, limit=limit)] == expected
        assert orm(None, ("0%",), None, None) == ["九九重阳"] and orm(None, ("_",), None, None) == ["电梯检修"]
