"""The database: which URL, an engine set up for it, sessions, and migrations to head.

The embedded default is a SQLite file, `tracker.db` in the working directory; any SQLAlchemy
URL (PostgreSQL: `postgresql+psycopg://user@host/db`) or a bare file path works through `--db`
or `TRACKER_DB`. The schema is only created and changed by the Alembic migrations in
`migrations/` (`tracker/_migrations` in an installed wheel), run here without an alembic.ini.

Driver errors are translated where they enter: failing to connect, or to migrate, raises
`ConfigError` naming the URL with its password masked.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlmodel import Session

from tracker.errors import ConfigError

DEFAULT_URL = "sqlite:///tracker.db"
ENV_VAR = "TRACKER_DB"

#: Applied to every new SQLite connection: concurrent readers with one writer (WAL), a writer
#: waits up to 30 s for the lock instead of failing, and foreign keys are enforced.
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=30000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
#: How long a new connection retries switching a brand-new file to WAL while another process
#: is creating it: SQLite answers "locked" at once there, without waiting (deadlock avoidance).
WAL_SWITCH_PATIENCE_S = 30.0

#: PostgreSQL advisory lock key held while migrating ("trackmig" as a 64-bit integer).
_MIGRATION_LOCK = int.from_bytes(b"trackmig", "big") >> 1
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HERE = Path(__file__).resolve().parent


def database_url(cli_value: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The database URL: `--db`, else `TRACKER_DB`, else `sqlite:///tracker.db`.

    A bare filesystem path (`tracker.db`, `/var/lib/tracker.db`) means a SQLite file.
    """
    env = os.environ if environ is None else environ
    value = cli_value or env.get(ENV_VAR) or DEFAULT_URL
    if _SCHEME.match(value):
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def mask_password(url: str) -> str:
    """The URL as it may be shown to a user: its password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite with WAL and a busy timeout, PostgreSQL with pre-ping."""
    parsed = _parse(url)
    try:
        engine = create_engine(parsed, **_engine_options(parsed))
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"{mask_password(url)}: no database driver for {parsed.drivername!r} ({exc})"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"{mask_password(url)!r} is not a database URL "
            "(expected e.g. sqlite:///tracker.db or postgresql+psycopg://user@host/db)"
        ) from None


def _engine_options(url: URL) -> dict[str, Any]:
    if url.get_backend_name() != "postgresql":
        return {}
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 10
    return {"pool_pre_ping": True, "connect_args": connect_args}


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            if "journal_mode" in pragma:
                _switch_to_wal(cursor, pragma)
            else:
                cursor.execute(pragma)
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any, pragma: str) -> None:
    deadline = time.monotonic() + WAL_SWITCH_PATIENCE_S
    while True:
        try:
            cursor.execute(pragma)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls everything back if it raises."""
    with _connect_errors(engine), Session(engine) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


@contextmanager
def _connect_errors(engine: Engine) -> Iterator[None]:
    """Turn a failure to connect (a DBAPI error with no statement) into ConfigError."""
    try:
        yield
    except DBAPIError as exc:
        if exc.statement is not None:
            raise
        raise ConfigError(_cannot("connect to", engine, exc)) from None


def _cannot(action: str, engine: Engine, exc: BaseException, hint: str = "") -> str:
    """One line: what failed, on which database (password masked), the driver's first line."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    url = engine.url.render_as_string(hide_password=True)
    detail = reason[0].strip() if reason else type(exc).__name__
    return f"cannot {action} {url}: {detail}; {hint}check --db or {ENV_VAR}"


def migrations_dir() -> Path:
    """`tracker/_migrations` in an installed wheel, `migrations/` in a checkout."""
    bundled = _HERE.parent / "_migrations"
    return bundled if bundled.is_dir() else _HERE.parents[1] / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration built in code; migrations/env.py runs on `engine` if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str | None:
    """The newest migration this version of genai-tracker knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for a database never initialised."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except DBAPIError as exc:
        raise ConfigError(_cannot("read the schema version of", engine, exc)) from None


def upgrade_to_head(engine: Engine) -> str | None:
    """Apply every pending migration in one transaction, then refill the reference tables
    (tracker.db.reference); return the revision now current."""
    from tracker.db.reference import sync_reference

    try:
        command.upgrade(alembic_config(engine), "head")
        with migration_connection(engine) as conn:  # one at a time, like the migrations
            sync_reference(conn)
    except DBAPIError as exc:
        action = "connect to" if exc.statement is None else "migrate"
        raise ConfigError(_cannot(action, engine, exc)) from None
    except CommandError as exc:
        hint = "was it migrated by a newer genai-tracker? "
        raise ConfigError(_cannot("migrate", engine, exc, hint)) from None
    return current_revision(engine)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection holding one transaction for a whole upgrade, committed at the end.

    PostgreSQL has transactional DDL; an advisory lock makes a second `tracker init` wait for
    the first, then find nothing to do. On SQLite this follows SQLite's own procedure for schema
    changes (https://www.sqlite.org/lang_altertable.html): foreign keys off outside the
    transaction, `BEGIN IMMEDIATE` (so a second `tracker init` waits, then finds nothing to do),
    `PRAGMA foreign_key_check` before the commit, foreign keys back on.
    """
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                yield conn
            return
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
            if broken is not None:
                raise ConfigError(f"migration broke a foreign key in table {broken[0]!r}")
            conn.commit()
        finally:
            conn.rollback()
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
