"""The databases storage tests run on: a SQLite file, and PostgreSQL where CI provides one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker.db.engine import make_engine

PG_ENV = "TRACKER_TEST_POSTGRES_URL"


def empty_database(kind: str, tmp_path: Path) -> str:
    """A URL to an empty database of `kind` ("sqlite" or "postgresql"); skips PostgreSQL when
    TRACKER_TEST_POSTGRES_URL is unset, and empties its public schema otherwise."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"{PG_ENV} is not set: run `make test-pg` for the PostgreSQL tests "
            "(CI sets it through scripts/with-postgres, so there they run)"
        )
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url
