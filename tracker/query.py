"""Read-only SQL over the tracker's database, for `tracker query` and `tracker export`.

A query can never change the database, whatever it says:

- SQLite: the file is opened read-only (`mode=ro`), and an authorizer allows only reading
  (SELECT, reading tables and views, functions, read-only PRAGMAs); INSERT, UPDATE, DELETE,
  CREATE, DROP, ATTACH, PRAGMA writes and transactions are refused before they run. The
  sqlite3 module runs one statement per call, so nothing can ride along after a SELECT.
- PostgreSQL: the session's transactions are READ ONLY and the statement is sent as a prepared
  statement, which holds exactly one command; whatever it was is rolled back.

A refused statement raises `QueryRefused` naming what was refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine, make_url

from tracker.errors import ConfigError, QueryRefused


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


_READ_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
#: The authorizer's action codes that write or change something, by name (sqlite3 exports
#: other constants with the same numbers, so they are named here, not looked up).
_WRITE_ACTIONS = (
    "INSERT", "UPDATE", "DELETE", "CREATE_TABLE", "CREATE_INDEX", "CREATE_VIEW",
    "CREATE_TRIGGER", "CREATE_TEMP_TABLE", "CREATE_TEMP_INDEX", "CREATE_TEMP_VIEW",
    "CREATE_TEMP_TRIGGER", "CREATE_VTABLE", "DROP_TABLE", "DROP_INDEX", "DROP_VIEW",
    "DROP_TRIGGER", "DROP_TEMP_TABLE", "DROP_TEMP_INDEX", "DROP_TEMP_VIEW",
    "DROP_TEMP_TRIGGER", "DROP_VTABLE", "ALTER_TABLE", "REINDEX", "ANALYZE", "ATTACH", "DETACH",
    "TRANSACTION", "SAVEPOINT", "PRAGMA",
)  # fmt: skip
_ACTION_NAMES = {getattr(sqlite3, f"SQLITE_{n}"): n.replace("_", " ") for n in _WRITE_ACTIONS}


def run_query(engine: Engine, sql: str) -> QueryResult:
    """Run one read-only statement; QueryRefused if it would write, ConfigError if it fails."""
    if not sql.strip():
        raise ConfigError("the query is empty")
    if engine.dialect.name == "sqlite":
        return _run_sqlite(engine, sql)
    return _run_server(engine, sql)


@contextmanager
def read_only_sqlite(engine: Engine) -> Iterator[tuple[sqlite3.Connection, list[str]]]:
    """A sqlite3 connection to `engine`'s file that can only read (see the module docstring),
    and the list where the authorizer notes what it refused."""
    path = make_url(str(engine.url)).database
    if not path or path == ":memory:":
        raise ConfigError("tracker query needs a database file, not an in-memory database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise ConfigError(f"{path}: cannot open the database read-only ({exc})") from None
    refused: list[str] = []
    conn.set_authorizer(_authorizer(refused))
    try:
        yield conn, refused
    finally:
        conn.close()


def _authorizer(refused: list[str]) -> Any:
    def authorize(action: int, arg1: str | None, arg2: str | None, *_: object) -> int:
        if action in _READ_ACTIONS:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA and arg2 is None:  # PRAGMA x (reading); not x = y
            return sqlite3.SQLITE_OK
        what = _ACTION_NAMES.get(action, str(action))
        refused.append(f"{what} {arg1}" if arg1 else what)
        return sqlite3.SQLITE_DENY

    return authorize


def _run_sqlite(engine: Engine, sql: str) -> QueryResult:
    with read_only_sqlite(engine) as (conn, refused):
        try:
            cursor = conn.execute(sql)
            rows = cursor.fetchall()
        except sqlite3.ProgrammingError as exc:  # more than one statement
            raise QueryRefused(f"tracker query runs one statement: {exc}") from None
        except sqlite3.DatabaseError as exc:
            if refused:
                raise QueryRefused(f"tracker query is read-only: {refused[0]} refused") from None
            raise ConfigError(f"the query failed: {exc}") from None
        columns = [d[0] for d in cursor.description or ()]
    return QueryResult(columns, [tuple(r) for r in rows])


def _run_server(engine: Engine, sql: str) -> QueryResult:
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            driver.rollback()  # type: ignore[union-attr]  # so that the next SET comes first
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.execute(sql, prepare=True)
            rows = cursor.fetchall() if cursor.description else []
            columns = [d.name for d in cursor.description or ()]
        except Exception as exc:  # the driver's errors: one line, rolled back below
            message = " ".join(str(exc).split())
            if "read-only transaction" in message or "multiple commands" in message:
                raise QueryRefused(f"tracker query is read-only: {message}") from None
            raise ConfigError(f"the query failed: {message}") from None
        finally:
            driver.rollback()  # type: ignore[union-attr]
    finally:
        raw.invalidate()  # never hand a READ ONLY session back to the pool
    return QueryResult(columns, [tuple(r) for r in rows])
