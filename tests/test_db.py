"""Storage on real databases: a SQLite file, and the PostgreSQL server `scripts/with-postgres`
starts (CI runs the suite under it; `make test-pg` does the same locally).

Every test that takes `db_url` runs once per backend. PostgreSQL tests share one database and
start from an empty `public` schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from tests.corpus import ROOT
from tests.databases import empty_database
from tracker.db.engine import (
    alembic_config,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    migrations_dir,
    session,
    upgrade_to_head,
)
from tracker.db.models import Artifact, Run, Snapshot, TextBlob
from tracker.errors import ConfigError

TABLES = set(SQLModel.metadata.tables)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database: a SQLite file under tmp_path, or the test PostgreSQL."""
    return empty_database(request.param, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    upgrade_to_head(engine)
    return engine


def tracker(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"TRACKER_DB", "TRACKER_DEBUG"}}
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, **(env or {})},
        timeout=120,
    )


def count(engine: Engine, model: type[SQLModel]) -> int:
    with session(engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_upgrade_to_head_creates_every_table(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert upgrade_to_head(engine) == head_revision() == "0005"
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    assert current_revision(engine) == head_revision()


def test_migrations_and_models_agree(migrated: Engine) -> None:
    with migrated.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == [], "models.py and migrations/ differ: add a migration (migrations/README.md)"


def test_migrations_downgrade_to_base_and_back(migrated: Engine) -> None:
    command.downgrade(alembic_config(migrated), "base")
    assert set(inspect(migrated).get_table_names()) <= {"alembic_version"}
    assert current_revision(migrated) is None
    assert upgrade_to_head(migrated) == head_revision()


BROKEN_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "0005"


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("run", sa.Column("note", sa.Text()))
    raise RuntimeError("migration failed half-way")
"""


def test_a_migration_that_fails_half_way_changes_nothing(migrated: Engine, tmp_path: Path) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_broken.py").write_text(BROKEN_MIGRATION, encoding="utf-8")
    cfg = alembic_config(migrated)
    cfg.set_main_option("script_location", str(scripts))
    with pytest.raises(RuntimeError, match="half-way"):
        command.upgrade(cfg, "head")
    assert current_revision(migrated) == "0005"
    assert "half_done" not in inspect(migrated).get_table_names()
    assert "note" not in {c["name"] for c in inspect(migrated).get_columns("run")}


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_a_session_that_raises_leaves_no_partial_rows(migrated: Engine) -> None:
    with pytest.raises(RuntimeError, match="half-way"), session(migrated) as s:
        artifact = Artifact(kind="hf-model", key="owner/model")
        run = Run(source="hf")
        s.add_all([artifact, run])
        s.flush()
        assert artifact.id is not None
        s.add(Snapshot(artifact_id=artifact.id, run_id=run.id, status="ok"))
        s.flush()
        raise RuntimeError("the run failed half-way")
    assert [count(migrated, m) for m in (Artifact, Run, Snapshot)] == [0, 0, 0]


def test_a_text_stored_twice_by_hash_is_one_row(migrated: Engine) -> None:
    text = "Apache License\nVersion 2.0, January 2004\n"
    blob = {"sha256": "a" * 64, "size": len(text.encode()), "content": text}
    for _ in range(2):
        with session(migrated) as s:
            s.merge(TextBlob(**blob))
    assert count(migrated, TextBlob) == 1
    with pytest.raises(IntegrityError), session(migrated) as s:
        s.add(TextBlob(**blob))
    assert count(migrated, TextBlob) == 1


def test_foreign_keys_are_enforced(migrated: Engine) -> None:
    with pytest.raises(IntegrityError), session(migrated) as s:
        s.add(Snapshot(artifact_id=12345, status="ok"))
    assert count(migrated, Snapshot) == 0


def test_tracker_init_prints_the_head_revision_and_is_idempotent(db_url: str) -> None:
    first = tracker("init", "--db", db_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == head_revision()
    again = tracker("init", "--db", db_url)
    assert (again.returncode, again.stdout) == (0, first.stdout), again.stderr
    engine = make_engine(db_url)
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    engine.dispose()


def test_concurrent_inits_both_succeed(db_url: str) -> None:
    cmd = [sys.executable, "-m", "tracker.cli", "init", "--db", db_url]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == [head_revision()] * 2


def test_tracker_init_reads_tracker_db_and_accepts_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "from-env.db"
    res = tracker("init", env={"TRACKER_DB": str(path)})
    assert res.returncode == 0, res.stderr
    assert path.is_file()
    assert res.stdout.strip() == head_revision()


def test_tracker_init_unreachable_server_is_one_line_exit_2_without_password() -> None:
    res = tracker("init", "--db", "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: invalid configuration: cannot connect to")
    assert "nobody:***@127.0.0.1:1/x" in lines[0]
    assert "s3cret" not in res.stderr + res.stdout


@pytest.mark.parametrize(
    ("url", "expect"),
    [
        ("sqlite:///{tmp}/no/such/dir/tracker.db", "unable to open database file"),
        ("{tmp}/not-a-database.db", "file is not a database"),
        ("nosuchdialect://host/db", "no database driver for 'nosuchdialect'"),
    ],
    ids=["missing-directory", "not-a-database", "unknown-dialect"],
)
def test_bad_databases_are_one_line_config_errors(tmp_path: Path, url: str, expect: str) -> None:
    (tmp_path / "not-a-database.db").write_text("hello, I am a text file\n" * 100)
    with pytest.raises(ConfigError, match=expect):
        upgrade_to_head(make_engine(database_url(url.format(tmp=tmp_path))))


def test_database_url_precedence_and_bare_paths() -> None:
    env = {"TRACKER_DB": "postgresql+psycopg://u@h/env"}
    assert database_url("sqlite:///cli.db", env) == "sqlite:///cli.db"
    assert database_url(None, env) == "postgresql+psycopg://u@h/env"
    assert database_url(None, {}) == "sqlite:///tracker.db"
    assert database_url("data/t.db", {}) == "sqlite:///data/t.db"
    assert database_url("/var/lib/t.db", {}) == "sqlite:////var/lib/t.db"
