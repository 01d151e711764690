"""The few statements every message runs, sent to SQLite's driver without SQLAlchemy's per-call work.

Each message runs the same handful of statements (lock the conversation row, look the message
key up, store the reply, log the words, write the row back). SQLAlchemy spends some 30 µs of
Python on every ``Connection.execute`` — an execution context, parameter dictionaries, a
result object — about as much as SQLite needs to run the statement. :class:`Prepared`
compiles its statement once per set of parameter names and runs it on the driver's
connection with SQLAlchemy's own SQL text and its own bind and result processors, so values
are written and read exactly as SQLAlchemy writes and reads them (JSON, aware datetimes).

Only where that holds exactly: SQLite (the default, and the single writer the hot path waits
for), a statement with no Python-side defaults to compute and nothing expanded at execution.
Anything else — PostgreSQL included — goes through ``Connection.execute`` as before. A driver
error is raised as SQLAlchemy would raise it (``sqlalchemy.exc.IntegrityError`` …).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor | None], ...]        #: each ``?``'s bound name and its processor
    constants: dict[str, Any]                              #: values bound in the statement itself
    returns_rows: bool                                     #: a SELECT or … RETURNING
    converted: tuple[tuple[int, Processor], ...]           #: the result columns that have a processor


class Prepared:
    """One Core statement, run straight on the driver where that is exactly equivalent."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled | None] = {}

    def rows(self, connection: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows (a SELECT, or an INSERT … RETURNING); ``[]`` for none."""
        compiled = self._for(connection, params)
        if compiled is None:
            result = connection.execute(self.statement, params)
            return [tuple(row) for row in result] if result.returns_rows else []
        cursor = self._run(connection, compiled, [params])
        if not compiled.returns_rows:
            return []
        fetched = cursor.fetchall()
        converted = compiled.converted
        if not converted:
            return fetched  # the driver's rows are tuples already
        out = []
        for row in fetched:
            values = list(row)
            for at, process in converted:
                values[at] = process(values[at])
            out.append(tuple(values))
        return out

    def run(self, connection: Connection, params: dict[str, Any] | Sequence[dict[str, Any]]) -> None:
        """Run the statement once, or once per parameter set (all with the same names)."""
        many = list(params) if not isinstance(params, dict) else [params]
        compiled = self._for(connection, many[0]) if many else None
        if compiled is None:
            connection.execute(self.statement, params)
            return
        self._run(connection, compiled, many)

    # --- inside -------------------------------------------------------------------------------
    def _for(self, connection: Connection, params: dict[str, Any]) -> _Compiled | None:
        if connection.dialect.name != "sqlite":
            return None
        key = tuple(params)
        try:
            return self._compiled[key]
        except KeyError:
            compiled = self._compiled[key] = _compile(self.statement, connection.dialect, key)
            return compiled

    @staticmethod
    def _run(connection: Connection, compiled: _Compiled, many: list[dict[str, Any]]) -> Any:
        rows = []
        binds = compiled.binds
        for params in many:
            values = compiled.constants | params if compiled.constants else params
            rows.append(tuple([values[name] if process is None else process(values[name]) for name, process in binds]))
        driver = connection.connection.dbapi_connection
        assert driver is not None
        try:
            if len(rows) == 1:
                return driver.execute(compiled.sql, rows[0])
            return driver.executemany(compiled.sql, rows)
        except connection.dialect.loaded_dbapi.Error as error:
            connection._handle_dbapi_exception(error, compiled.sql, rows, None, None)
            raise  # not reached: the line above raises SQLAlchemy's form of the error


def driver_sql(connection: Connection, sql: str) -> None:
    """A fixed statement (``BEGIN IMMEDIATE``) run on the driver, its errors raised as SQLAlchemy's."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    try:
        driver.execute(sql)
    except connection.dialect.loaded_dbapi.Error as error:
        connection._handle_dbapi_exception(error, sql, (), None, None)


def _compile(statement: Any, dialect: Dialect, names: tuple[str, ...]) -> _Compiled | None:
    """The driver's SQL and processors for ``statement`` bound with ``names``; None when the
    statement needs SQLAlchemy at execution (defaults computed in Python, expanding lists)."""
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(names))
    if (not compiled.positional or compiled.insert_prefetch or compiled.update_prefetch
            or compiled.literal_execute_params or compiled.post_compile_params
            or compiled.schema_translate_map or compiled.escaped_bind_names):
        return None
    order = tuple(compiled.positiontup)
    constants = {name: value for name, value in compiled.construct_params(dict.fromkeys(names)).items()
                 if name not in names}
    if set(order) - set(names) - set(constants):
        return None
    processors = compiled._bind_processors
    results = [column.type._cached_result_processor(dialect, None) for column in compiled._result_columns]
    converted = tuple((at, process) for at, process in enumerate(results) if process is not None)
    return _Compiled(compiled.string, tuple((name, processors.get(name)) for name in order), constants,
                     bool(compiled._result_columns), converted)
