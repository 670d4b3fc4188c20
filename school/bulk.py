"""Fast inserts of many rows in the current transaction (COPY on PostgreSQL)."""

from __future__ import annotations

import enum
import json
from typing import Any

from school.extensions import db


def bulk_insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of ``model`` in the current session's transaction, fast.

    Every row must have the same keys, with plain values (enum members are stored by value,
    dicts of JSON columns as JSON). PostgreSQL gets a COPY (a 10,000-row roster in a tenth of
    the time of an executemany); other databases a prepared executemany. Defaults of the
    model are not applied on PostgreSQL: give every column that has one a value (columns left
    out get the database's default, NULL for ours).
    """
    if not rows:
        return
    db.session.flush()  # pending ORM changes go first, as they would before any statement
    connection = db.session.connection()
    columns = list(rows[0])
    if connection.dialect.name != "postgresql":
        db.session.execute(
            model.__table__.insert(), [{c: _plain(r[c]) for c in columns} for r in rows]
        )
        return
    from psycopg import sql

    table = model.__table__
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    raw = connection.connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(row[c]) if c in json_columns else _plain(row[c]) for c in columns]
            )


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value
