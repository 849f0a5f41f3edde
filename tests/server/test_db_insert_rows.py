"""server.db.insert_rows: the writer's bulk inserts, one statement for many rows (never one step per
row, which lets go of the GIL each time: docs/performance.md "The GIL"), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import db
from server.models import audit_records_table


def test_insert_rows_stores_every_row_as_given_across_statement_chunks(database_url: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db.migrate(database_url)
    engine = db.make_engine(database_url, writer=True)
    monkeypatch.setattr(db, "MAX_PARAMETERS", 7)  # 3 rows of 2 columns a statement
    statements: list[str] = []
    records = [{"seq": seq, "data": b'{"x":%d}' % seq} for seq in range(17)]
    try:
        with Session(engine) as session:
            connection = session.connection()
            original = connection.exec_driver_sql

            def counted(statement: str, parameters: object) -> object:
                statements.append(statement)
                return original(statement, parameters)  # type: ignore[arg-type]

            monkeypatch.setattr(connection, "exec_driver_sql", counted)
            db.insert_rows(session, audit_records_table, records[:10])
            db.insert_rows(session, audit_records_table, records[10:])
            db.insert_rows(session, audit_records_table, [])
            session.commit()
        with Session(engine) as session:
            stored = session.execute(select(audit_records_table.c.seq, audit_records_table.c.data)
                                     .order_by(audit_records_table.c.seq)).all()
    finally:
        engine.dispose()
    assert [(row.seq, bytes(row.data)) for row in stored] == [(r["seq"], r["data"]) for r in records]
    assert len(statements) == 4 + 3  # ceil(10 / 3) and ceil(7 / 3): never one statement a row
    assert statements[0].count("(?, ?)") + statements[0].count("(%s, %s)") == 3


def test_rows_where_in_finds_exactly_the_rows_named_across_statement_chunks(database_url: str,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's duplicate-id query (cast_ballot._fresh): one plain statement per
    ``MAX_PARAMETERS`` values, every row named found once, none other, nothing for no values."""
    db.migrate(database_url)
    engine = db.make_engine(database_url, writer=True)
    records = [{"seq": seq, "data": b'{"x":%d}' % seq} for seq in range(12)]
    try:
        with Session(engine) as session:
            db.insert_rows(session, audit_records_table, records)
            session.commit()
        monkeypatch.setattr(db, "MAX_PARAMETERS", 4)
        with Session(engine) as session:
            wanted = [11, 0, 5, 99, 3, 7, 2, -1, 8]  # 99 and -1 are not there
            found = db.rows_where_in(session, audit_records_table, ["seq", "data"], "seq", wanted)
            assert sorted((seq, bytes(data)) for seq, data in found) == \
                [(r["seq"], r["data"]) for r in records if r["seq"] in wanted]
            assert db.rows_where_in(session, audit_records_table, ["seq"], "seq", []) == []
    finally:
        engine.dispose()
