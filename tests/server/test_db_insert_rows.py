"""server.db.insert_rows and rows_where_in: the writer's bulk statements, on SQLite and PostgreSQL.

insert_rows never steps one statement a row (on SQLite that lets go of the GIL each time:
docs/performance.md "The GIL"); on PostgreSQL it copies the rows in. rows_where_in on PostgreSQL is
never a prepared statement, whose generic plan, made while the table was small, scanned every
receipt a batch (docs/performance.md, eleventh session)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, ProgrammingError
from sqlalchemy.orm import Session

from server import db
from server.models import audit_records_table, ballot_receipts_table
from tests.conftest import drop_postgres_database, fresh_postgres_database


@pytest.fixture
def postgres_url(postgres_admin: str) -> Iterator[str]:
    """An empty PostgreSQL database, migrated, its receipts not bound to a vote (what is checked
    here is PostgreSQL's own: a column's length, the statements it keeps, the planner's choice)."""
    name, url = fresh_postgres_database(postgres_admin)
    try:
        db.migrate(url)
        engine = db.make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE ballot_receipts DROP CONSTRAINT ballot_receipts_vote_id_fkey")
        engine.dispose()
        yield url
    finally:
        drop_postgres_database(postgres_admin, name)


def _counting(session: Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The plain statements the session's connection runs through SQLAlchemy from here on."""
    statements: list[str] = []
    connection = session.connection()
    original = connection.exec_driver_sql

    def counted(statement: str, parameters: Any = None) -> Any:
        statements.append(statement)
        return original(statement, parameters)

    monkeypatch.setattr(connection, "exec_driver_sql", counted)
    return statements


def _receipts(count: int) -> list[dict[str, Any]]:
    return [{"key_hash": secrets.token_hex(32), "vote_id": "v1", "leaf_index": i, "seal": secrets.token_hex(32),
             "token_hash": None if i % 3 else secrets.token_hex(32), "replaced": i % 7 == 0} for i in range(count)]


def test_insert_rows_stores_every_row_as_given_in_bulk(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db.migrate(database_url)
    engine = db.make_engine(database_url, writer=True)
    monkeypatch.setattr(db, "MAX_PARAMETERS", 7)  # SQLite: 3 rows of 2 columns a statement
    records = [{"seq": seq, "data": b'{"x":%d}' % seq + bytes(range(256))} for seq in range(17)]  # every byte value
    try:
        with Session(engine) as session:
            statements = _counting(session, monkeypatch)
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
    if db.is_sqlite(database_url):
        assert len(statements) == 4 + 3  # ceil(10 / 3) and ceil(7 / 3): never one statement a row
        assert statements[0].count("(?, ?)") == 3
    else:
        assert statements == []  # COPY: no statement with parameters at all


@pytest.mark.postgres
def test_insert_rows_keeps_nulls_and_booleans_and_refuses_a_value_too_long_on_postgresql(postgres_url: str) -> None:
    """COPY stores None as NULL and booleans as such, and keeps the column's own checks: a value
    longer than its column is refused, never cut short. What PostgreSQL refuses reaches the writer
    as SQLAlchemy's errors, as any other statement's would."""
    engine = db.make_engine(postgres_url, writer=True)
    rows = _receipts(20)
    try:
        with Session(engine) as session:
            db.insert_rows(session, ballot_receipts_table, rows)
            session.commit()
        with Session(engine) as session:
            stored = {row.key_hash: row._asdict() for row in session.execute(select(ballot_receipts_table))}
        assert stored == {row["key_hash"]: row for row in rows}
        too_long = {**_receipts(1)[0], "key_hash": "k" * 65}
        with Session(engine) as session, pytest.raises(DataError, match="too long"):  # as SQLAlchemy's, for the writer
            db.insert_rows(session, ballot_receipts_table, [too_long])
        with Session(engine) as session, pytest.raises(ProgrammingError):
            db.rows_where_in(session, ballot_receipts_table, ["no_such_column"], "key_hash", ["k"])
    finally:
        engine.dispose()


def test_rows_where_in_finds_exactly_the_rows_named(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's duplicate-id query (cast_ballot._fresh): every row named found once, none
    other, nothing for no values; on SQLite one plain statement per ``MAX_PARAMETERS`` values."""
    db.migrate(database_url)
    engine = db.make_engine(database_url, writer=True)
    records = [{"seq": seq, "data": b'{"x":%d}' % seq} for seq in range(12)]
    try:
        with Session(engine) as session:
            db.insert_rows(session, audit_records_table, records)
            session.commit()
        monkeypatch.setattr(db, "MAX_PARAMETERS", 4)
        with Session(engine) as session:
            statements = _counting(session, monkeypatch)
            wanted = [11, 0, 5, 99, 3, 7, 2, -1, 8]  # 99 and -1 are not there
            found = db.rows_where_in(session, audit_records_table, ["seq", "data"], "seq", wanted)
            assert sorted((seq, bytes(data)) for seq, data in found) == \
                [(r["seq"], r["data"]) for r in records if r["seq"] in wanted]
            assert db.rows_where_in(session, audit_records_table, ["seq"], "seq", []) == []
    finally:
        engine.dispose()
    assert len(statements) == (3 if db.is_sqlite(database_url) else 0)  # PostgreSQL: one array, below SQLAlchemy


@pytest.mark.postgres
def test_rows_where_in_is_never_kept_as_a_prepared_statement_on_postgresql(postgres_url: str) -> None:
    """Run as often as under a burst, the duplicate-id query is never prepared (so never run on a
    generic plan made while the table was small), and once the receipts are many it is planned as
    a probe of their primary key."""
    engine = db.make_engine(postgres_url, writer=True)
    rows = _receipts(30_000)
    try:
        with Session(engine) as session:
            for n in range(8):  # psycopg prepares a statement on its fifth run
                wanted = [rows[3750 * n]["key_hash"]] + [secrets.token_hex(32) for _ in range(99)]
                found = db.rows_where_in(session, ballot_receipts_table, ["key_hash", "vote_id"], "key_hash", wanted)
                assert found == []  # not stored yet
                db.insert_rows(session, ballot_receipts_table, rows[3750 * n:3750 * (n + 1)])
            wanted = [rows[7]["key_hash"], rows[29_999]["key_hash"]] + [secrets.token_hex(32) for _ in range(98)]
            found = db.rows_where_in(session, ballot_receipts_table, ["key_hash", "vote_id"], "key_hash", wanted)
            assert sorted(found) == sorted([(rows[7]["key_hash"], "v1"), (rows[29_999]["key_hash"], "v1")])
            connection = session.connection()
            kept = [text for (text,) in connection.exec_driver_sql("SELECT statement FROM pg_prepared_statements")]
            assert not [text for text in kept if "ballot_receipts" in text], kept
            session.commit()
        with Session(engine) as session:
            connection = session.connection()
            connection.exec_driver_sql("ANALYZE ballot_receipts")
            ids = "'{" + ",".join(wanted) + "}'"
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN SELECT key_hash, vote_id FROM ballot_receipts WHERE key_hash = ANY({ids}::VARCHAR[])"))
    finally:
        engine.dispose()
    assert "ballot_receipts_pkey" in plan and "Seq Scan" not in plan, plan
