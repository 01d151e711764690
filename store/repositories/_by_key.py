"""``Session.get`` for the rows every message loads, at a fraction of its cost.

Every message loads its resident, and most a bound resident's household. ``Session.get``
runs the ORM's whole loading pipeline for that one row (a compiled-statement lookup, a query
context, a result object, a row processor, the instance built through its instrumented
constructor and attached through the session's cascade) — about 100 µs of Python. :class:`ByKey`
reads the row with :class:`~store.repositories._prepared.Prepared` and puts the instance into the
unit of work the way the ORM's loader itself does (``sqlalchemy.orm.loading``): a new instance,
its columns set in its ``__dict__``, its identity key, attached to the identity map as loaded
and persistent. Relationships load on first use, changes are flushed as for any loaded object.

It leans on four of SQLAlchemy's internal names (``_add_unpresent``, ``_commit_all``,
``session_id``, ``hash_key``); ``tests/store/test_by_key.py`` holds it to ``Session.get``'s
behaviour, so an upgrade that changes them fails there, not in production.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, bindparam, insert, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict, instance_state

from store.repositories._prepared import Prepared

T = TypeVar("T")


class ByKey(Generic[T]):
    """Instances of one mapped class with a one-column primary key, by that key."""

    def __init__(self, model: type[T]) -> None:
        self.model = model

    @cached_property
    def _plan(self) -> tuple[Any, tuple[str, ...], int, Prepared]:
        """The mapper, the attribute of each of the table's columns (in the table's order), where
        the key is among them, the SELECT by key (worked out on first use: the mapper is
        complete only once every model is imported)."""
        mapper: Any = inspect(self.model)
        (key_column,) = mapper.primary_key
        columns = tuple(mapper.local_table.columns)
        names = tuple(mapper.get_property_by_column(column).key for column in columns)
        key_at = next(at for at, column in enumerate(columns) if column is key_column)
        return mapper, names, key_at, Prepared(select(*columns).where(key_column == bindparam("key")))

    def select(self) -> Select[Any]:
        """A SELECT of every column of the table, in the table's order: what :meth:`all` and
        :meth:`first` read (add the WHERE and ORDER BY, then wrap it in ``Prepared``)."""
        return select(*self.model.__table__.columns)  # type: ignore[attr-defined]

    def first(self, session: Session, statement: Prepared, params: dict[str, Any]) -> T | None:
        """The first instance :meth:`all` would give, or None."""
        found = self.all(session, statement, params)
        return found[0] if found else None

    def all(self, session: Session, statement: Prepared, params: dict[str, Any]) -> list[T]:
        """The instances a SELECT of every column of the table (in the table's order,
        :meth:`select`) finds, as ``session.scalars`` of the same query would give them: what the
        unit of work changed is written first, and an instance it already holds is that one."""
        if session.autoflush:
            session.flush()  # nothing to do when nothing changed
        mapper, _, key_at, _ = self._plan
        found: list[T] = []
        for row in statement.rows(session.connection(), params):
            identity = mapper.identity_key_from_primary_key((row[key_at],))
            held = session.identity_map.get(identity)
            if held is not None and inspect(held).expired_attributes:  # as the ORM would: read again
                held = session.get(self.model, row[key_at])
            found.append(held if held is not None else self.loaded(session, row))
        return found

    def get(self, session: Session, key: Any) -> T | None:
        """As ``session.get(model, key)``: the instance already in this unit of work (refreshed
        if it was expired), else the stored row, else None."""
        mapper, _, _, statement = self._plan
        if mapper.identity_key_from_primary_key((key,)) in session.identity_map:
            return session.get(self.model, key)
        if session.new and session.autoflush:  # as a query would: what was added is written first
            session.flush()
        rows = statement.rows(session.connection(), {"key": key})
        return self.loaded(session, rows[0]) if rows else None

    def add(self, session: Session, values: dict[str, Any]) -> T:
        """As ``session.add(model(**values))`` and a flush: the row written at once (what the
        unit of work changed first), every column not given taking its default, and the
        instance as loaded from what the INSERT returned."""
        if session.autoflush:
            session.flush()
        statement, defaults = self._insert
        row = {name: default() for name, default in defaults.items() if name not in values} | values
        return self.loaded(session, statement.rows(session.connection(), row)[0])

    @cached_property
    def _insert(self) -> tuple[Prepared, dict[str, Callable[[], Any]]]:
        """INSERT … RETURNING every column, and the default of every column but the key."""
        mapper: Any = inspect(self.model)
        table = mapper.local_table
        (key_column,) = mapper.primary_key
        defaults: dict[str, Callable[[], Any]] = {}
        for column in table.columns:
            if column is key_column:
                continue
            default = column.default
            if default is None or (default.is_scalar and default.arg is None):
                defaults[column.key] = _none
            elif default.is_scalar:
                defaults[column.key] = _constant(default.arg)
            elif default.is_callable:
                defaults[column.key] = _called(default.arg)
            else:
                raise TypeError(f"{table.name}.{column.key}: only scalar and Python defaults are written here")
        return Prepared(insert(table).returning(*table.columns)), defaults

    def loaded(self, session: Session, row: tuple[Any, ...]) -> T:
        """The instance for ``row`` (every column, in the table's order), in the session as loaded."""
        mapper, names, key_at, _ = self._plan
        instance = mapper.class_manager.new_instance()
        values = instance_dict(instance)
        values.update(zip(names, row, strict=True))
        identity = mapper.identity_key_from_primary_key((row[key_at],))
        state = instance_state(instance)
        state.key = identity
        state.identity_token = None
        state.session_id = session.hash_key
        session.identity_map._add_unpresent(state, identity)
        state._commit_all(values, session.identity_map)
        return instance


def _none() -> None:
    return None


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _called(function: Callable[[Any], Any]) -> Callable[[], Any]:
    return lambda: function(None)  # SQLAlchemy hands a Python default its execution context
