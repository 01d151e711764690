"""Small SQL helpers the repositories share."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.repositories._prepared import Prepared


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted.

    Whether a row went in is read from RETURNING, not from the driver's rowcount (which some
    drivers report as -1 for this statement)."""
    connection = session.connection()
    statement = _insert_ignoring(table, connection.dialect.name, tuple(sorted(values)))
    return bool(statement.rows(connection, values))


@lru_cache(maxsize=128)
def _insert_ignoring(table: Table, dialect: str, columns: tuple[str, ...]) -> Prepared:
    """The statement, built once per table and set of columns (values are bound at execution),
    so that SQLAlchemy compiles it once too."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing()
    return Prepared(statement.returning(*table.primary_key.columns))


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(result.rowcount)


def locks_rows(session: Session) -> bool:
    """Whether SELECT … FOR UPDATE means anything here (SQLite locks the whole file instead)."""
    return session.get_bind().dialect.name == "postgresql"


def rows_of_person(session: Session, model: Any, openid: str) -> list[Any]:
    """Rows of ``model`` (a model with ``openid`` and ``source_key``) that are the person's own or
    whose key mentions them: what forgetting a person must anonymise."""
    query = select(model).where((model.openid == openid) | model.source_key.contains(openid, autoescape=True))
    return list(session.scalars(query))
