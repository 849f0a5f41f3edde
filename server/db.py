"""Engines and migrations. SQLite (WAL, synchronous=FULL, BEGIN IMMEDIATE, busy_timeout) is the
embedded default; PostgreSQL by DATABASE_URL (design.md "Persistence")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: parameters in one statement: SQLite's limit is 32,766 (since 3.32), PostgreSQL's 65,535
MAX_PARAMETERS = 32_000


def _placeholder(connection: Connection) -> str:
    """The driver's parameter mark in plain SQL: sqlite3's ``?``, psycopg's ``%s``."""
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _driver(connection: Connection) -> Any:
    """psycopg's own connection under SQLAlchemy's, in the same transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    return driver


@contextmanager
def _as_sqlalchemy_errors(statement: str) -> Iterator[None]:
    """psycopg's errors from a statement run on its own connection, raised as SQLAlchemy's would
    be (``DBAPIError`` and its kinds): the writer takes any of those as the database failing
    (nothing acknowledged, the batch refused with ``storage_unavailable``), not as a bug."""
    import psycopg

    try:
        yield
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many rows into one table in bulk, without SQLAlchemy's per-row parameter processing (a
    tenth of the writer's time per ballot under a burst).

    On SQLite one statement with a ``VALUES`` row for each (as few as the parameter limit allows).
    Not ``executemany``: the sqlite3 module steps the statement once per row and lets go of the GIL
    each time, and the writer thread then waits up to the switch interval (5 ms) for it beside a
    busy event loop -- 300 rows took 2.9 s so, against 47 ms in one statement (docs/performance.md,
    "The GIL"). On PostgreSQL ``COPY … FROM STDIN`` in the same transaction: psycopg writes the
    rows in C, where a ``VALUES`` list (600 ``%s`` marks for 100 receipts) is parsed in Python on
    every batch -- ≈ 0.3 instead of 1.2–2 ms of CPU for 100 rows (docs/performance.md, eleventh
    session).

    Only for the hot path's tables whose values every driver takes as they are -- str, int, bool
    and bytes, no datetime (which SQLAlchemy stores on SQLite in a format of its own): the audit
    records, the ballots' receipts and their voters. Every row has the first row's keys."""
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with _as_sqlalchemy_errors(statement), _driver(connection).cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
        return
    mark = _placeholder(connection)
    row_marks = f"({', '.join([mark] * len(columns))})"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    step = max(1, MAX_PARAMETERS // len(columns))
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        connection.exec_driver_sql(head + ", ".join([row_marks] * len(chunk)),
                                   tuple(row[column] for row in chunk for column in columns))


def _array_type(table: Table, column: str, connection: Connection) -> str:
    """A column's PostgreSQL type as the element type of an array parameter, without a length
    (``VARCHAR(64)`` → ``VARCHAR``)."""
    return re.sub(r"\(.*\)", "", table.c[column].type.compile(dialect=connection.dialect))


def rows_where_in(session: Session, table: Table, columns: list[str], column: str,
                  values: list[Any]) -> list[tuple[Any, ...]]:
    """``columns`` of the rows whose ``column`` is one of ``values``, without SQLAlchemy building,
    caching and compiling an expanding ``IN`` on every call (the writer asks it once per group
    commit: ≈ 0.5 ms of a batch's ≈ 2 ms fixed cost, docs/performance.md). For the hot path's text
    and integer columns.

    On SQLite one plain ``IN (?, …)`` per ``MAX_PARAMETERS`` values. On PostgreSQL one
    ``= ANY(array)``, never prepared: psycopg prepares a statement it has run five times, and the
    server then keeps a generic plan made while the table was small -- a scan of every receipt
    comparing it with each of a batch's ids in turn, 18–20 ms a batch at 5,000 receipts and growing
    with every ballot (docs/performance.md, eleventh session). Planned afresh, with the batch's
    own ids, it is a hashed scan while the table is small and an index probe once it is not."""
    if not values:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = (f"SELECT {', '.join(columns)} FROM {table.name} "
                     f"WHERE {column} = ANY(%s::{_array_type(table, column, connection)}[])")
        with _as_sqlalchemy_errors(statement), _driver(connection).cursor() as cursor:
            cursor.execute(statement, (list(values),), prepare=False)
            return [tuple(row) for row in cursor.fetchall()]
    mark = _placeholder(connection)
    head = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {column} IN "
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(values), MAX_PARAMETERS):
        chunk = values[start:start + MAX_PARAMETERS]
        result = connection.exec_driver_sql(head + f"({', '.join([mark] * len(chunk))})", tuple(chunk))
        found.extend(tuple(row) for row in result)
    return found


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, writer: bool = False) -> Engine:
    url = normalise_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten, not left in free pages: the marks of who has voted in an
        # open vote go when it closes (server/participation.py).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database to the newest schema (a fresh database is created from nothing)."""
    command.upgrade(alembic_config(url), "head")
