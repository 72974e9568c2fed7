"""Shared fixtures: the replay server over the bundled demo snapshot, and settings pointing at it.

Clients in tests reach the server exactly as a user reaches a mirror: through `Settings`
(`hf_endpoint`, `github_api_url`), never by patching tracker's functions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.replay import FaultPlan, ReplayServer
from tracker.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO_ROOT / "data" / "demo"
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def replay_server() -> Iterator[ReplayServer]:
    """One server for the session, serving `data/demo` (read-only: do not edit its files)."""
    with ReplayServer(DEMO_DIR) as server:
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """A server over `data/demo` for one module whose tests inject faults into it."""
    with ReplayServer(DEMO_DIR) as running:
        yield running


@pytest.fixture
def faults(server: ReplayServer) -> Iterator[FaultPlan]:
    """The module server's fault plan, emptied (and the stats reset) around each test."""
    server.faults.clear()
    server.stats.reset()
    yield server.faults
    server.faults.clear()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A fresh huggingface_hub cache folder for one test."""
    return tmp_path / "hf-cache"


@pytest.fixture
def settings(replay_server: ReplayServer) -> Settings:
    """Settings whose Hub endpoint and GitHub API base are the session's replay server."""
    return Settings(
        hf_endpoint=replay_server.url,
        github_api_url=replay_server.github_api_url,
        http_timeout=10.0,
    )


@pytest.fixture
def snapshot_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo snapshot, for tests that add or change repos."""
    target = tmp_path / "snapshot"
    shutil.copytree(DEMO_DIR, target)
    return target


@pytest.fixture(scope="session")
def shared_fixtures_dir() -> Path:
    """The recorded real exchanges in ../shared/fixtures (CI has them beside the checkout)."""
    path = SHARED_DIR / "fixtures"
    if not path.is_dir():
        pytest.skip(f"recorded fixtures not found at {path}")
    return path


@pytest.fixture(scope="session")
def fixtures_server(shared_fixtures_dir: Path) -> Iterator[ReplayServer]:
    """A server replaying ../shared/fixtures/{hf,github}."""
    with ReplayServer.from_fixtures(shared_fixtures_dir) as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The two-week world (tests/digest_world.py) in a SQLite file of its own, checkpointed so
    the file is whole; for tests that open it from another process. Do not write to it."""
    from tests.digest_world import digest_world

    tmp = tmp_path_factory.mktemp("query-cli")
    shutil.copytree(DEMO_DIR, tmp / "snapshot")
    db = tmp / "db" / "tracker.db"
    db.parent.mkdir()
    with pytest.MonkeyPatch.context() as mp, digest_world(tmp / "snapshot", db, mp) as w:
        with w.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    yield db
