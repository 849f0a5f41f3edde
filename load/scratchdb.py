"""Scratch PostgreSQL databases for a benchmark run or a test: made beside the one an admin URL
names, so nothing is ever written into a database someone else uses, and dropped afterwards."""

from __future__ import annotations

import secrets


def create_scratch_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """A new, empty PostgreSQL database beside the one ``admin_url`` names (for a test or a
    benchmark run, so it never writes into a database someone else uses). Returns (name, URL)."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_scratch_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
