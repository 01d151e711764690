"""Small SQL helpers the repositories share."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row was inserted.

    Whether a row went in is read from RETURNING, not from the driver's rowcount (which some
    drivers report as -1 for this statement)."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(**values).on_conflict_do_nothing()
    statement = statement.returning(*table.primary_key.columns)
    return session.execute(statement).first() is not None


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(result.rowcount)


def locks_rows(session: Session) -> bool:
    """Whether SELECT … FOR UPDATE means anything here (SQLite locks the whole file instead)."""
    return session.get_bind().dialect.name == "postgresql"
