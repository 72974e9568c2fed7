"""Per-source locks on real databases: a SQLite file, and PostgreSQL when TRACKER_TEST_POSTGRES_URL
is set (`scripts/with-postgres`), with real processes holding, dying and racing for a lock."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from tests.corpus import ROOT
from tests.databases import empty_database
from tracker.db.engine import make_engine, upgrade_to_head
from tracker.db.models import SourceLock
from tracker.locks import SourceBusy, acquire, holder_id, release

SINCE = r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"

#: A process that takes the lock on `hf` (as argv[2] if given), says so, and holds it until killed.
HOLDER = """
import sys, time
from tracker.db.engine import make_engine
from tracker.locks import acquire
with acquire(make_engine(sys.argv[1]), "hf", holder=(sys.argv[2:] or [None])[0]) as me:
    print(me, flush=True)
    time.sleep(120)
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database: a SQLite file under tmp_path, or an emptied test PostgreSQL."""
    url = empty_database(request.param, tmp_path)
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def holders(engine: Engine) -> dict[str, str]:
    with Session(engine) as s:
        return {row.source: row.holder for row in s.exec(select(SourceLock)).all()}


def start_holder(db_url: str, *holder: str) -> subprocess.Popen[str]:
    """Another process holding the lock on `hf` (it prints its holder id once it has it)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url, *holder], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.stdout is not None
    proc.stdout.close()


@pytest.fixture
def holder_process(db_url: str) -> Iterator[subprocess.Popen[str]]:
    proc = start_holder(db_url)
    yield proc
    kill(proc)


def test_acquire_holds_a_row_for_the_block_and_deletes_it_after(engine: Engine) -> None:
    with acquire(engine, "hf") as me:
        assert me == holder_id() and me.endswith(f":{os.getpid()}")
        assert holders(engine) == {"hf": me}
    assert holders(engine) == {}


def test_a_second_holder_gets_source_busy_naming_the_first(engine: Engine) -> None:
    with acquire(engine, "hf", holder="build-1:4242"):
        with pytest.raises(
            SourceBusy, match=rf"^source hf is being scraped by build-1:4242 {SINCE}$"
        ):
            with acquire(engine, "hf", holder="build-2:99"):
                pytest.fail("two holders at once")
        with acquire(engine, "github", holder="build-2:99"):
            assert holders(engine) == {"hf": "build-1:4242", "github": "build-2:99"}
    assert holders(engine) == {}


def test_the_lock_is_released_when_the_block_raises(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="scrape failed"), acquire(engine, "lists"):
        raise RuntimeError("scrape failed")
    assert holders(engine) == {}


def test_a_sigkilled_holder_on_this_host_is_taken_over_at_once(
    engine: Engine, holder_process: subprocess.Popen[str]
) -> None:
    kill(holder_process)
    assert holders(engine)["hf"] == f"{socket.gethostname()}:{holder_process.pid}"
    with acquire(engine, "hf") as me:
        assert holders(engine) == {"hf": me}
    assert holders(engine) == {}


def test_a_dead_holder_on_another_host_blocks_until_stale_then_is_taken_over(
    db_url: str, engine: Engine
) -> None:
    far = "far-away-host:4242"  # its process cannot be checked from here: only time tells
    kill(start_holder(db_url, far))
    assert holders(engine) == {"hf": far}
    with pytest.raises(SourceBusy, match=rf"scraped by {far} {SINCE}"):
        with acquire(engine, "hf"):
            pass
    time.sleep(1.2)
    with acquire(engine, "hf", stale_after=timedelta(seconds=1)) as me:
        assert holders(engine) == {"hf": me}
    assert holders(engine) == {}


def test_the_heartbeat_keeps_a_long_run_from_looking_stale(engine: Engine) -> None:
    stale_after = timedelta(seconds=0.6)
    with acquire(engine, "hf", stale_after=stale_after, holder="long:1"):
        time.sleep(1.5)  # over twice stale_after: only the heartbeat keeps the lock fresh
        with pytest.raises(SourceBusy, match="scraped by long:1"):
            with acquire(engine, "hf", stale_after=stale_after, holder="other:2"):
                pass
    assert holders(engine) == {}


def test_a_holder_whose_lock_was_taken_over_does_not_release_the_new_one(engine: Engine) -> None:
    with ExitStack() as taker:
        with acquire(engine, "hf", stale_after=timedelta(minutes=5), holder="slow:1"):
            time.sleep(0.6)  # slow:1 beats every 100 s, so it is stale to a 0.5 s reader
            taker.enter_context(
                acquire(engine, "hf", stale_after=timedelta(seconds=0.5), holder="taker:2")
            )
        assert holders(engine) == {"hf": "taker:2"}
        assert release(engine, "hf", "slow:1") is False
    assert holders(engine) == {}


def test_of_many_racing_for_one_source_exactly_one_wins(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(6)]
    start, won, busy = threading.Barrier(len(engines)), [], []

    def race(i: int) -> None:
        start.wait()
        try:
            with acquire(engines[i], "hf", holder=f"racer:{i}"):
                won.append(i)
                time.sleep(0.5)
        except SourceBusy:
            busy.append(i)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert (len(won), len(busy)) == (1, len(engines) - 1)
    assert holders(engines[0]) == {}
    for e in engines:
        e.dispose()


def test_manual_scrape_of_a_busy_source_exits_2_with_one_line(
    db_url: str, holder_process: subprocess.Popen[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    res = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "scrape", "hf", "--model", "a/b", "--db", db_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "HF_ENDPOINT": "http://127.0.0.1:9"},  # never reached: the lock comes first
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(
        f"error: source busy: source hf is being scraped by {holder_id().split(':')[0]}:"
        f"{holder_process.pid} since "
    )
    assert "taken over after at most 10 minutes" in lines[0]
    assert res.stdout == ""
