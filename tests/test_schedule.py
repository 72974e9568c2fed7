"""`tracker schedule` and `tracker scrape all` as a user runs them: real processes, signals, a
real SQLite file, and the replay server standing in for the Hub and GitHub."""

from __future__ import annotations

import json
import os
import pickle
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from tests.conftest import DEMO_DIR
from tracker.config import Config, Schedule, load_config
from tracker.db.engine import make_engine, upgrade_to_head
from tracker.db.models import SourceLock, apscheduler_jobs
from tracker.errors import TrackerError
from tracker.locks import SourceBusy, acquire
from tracker.replay import FaultPlan, ReplayServer
from tracker.schedule import (
    DIGEST_JOB_ID,
    SCRAPE_JOB_ID,
    draft_last_week,
    scheduled_digest,
    scrape_all,
)
from tracker.scrape import Summary
from tracker.settings import Settings

POKEMON = "alkiskoudounas/sd-pokemon-256px"
PIXEL = "nerijs/pixel-art-xl"
SUMMARY = r"run \d+: (\d+) fetched, (\d+) unchanged, (\d+) failed, (\d+) new events"


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "HF_", "GITHUB_"))}
    return {**env, **extra}


def tracker(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


class Scheduler:
    """`tracker schedule` in a subprocess, its stderr read line by line on a thread."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "schedule", *args],
            cwd=cwd,
            env=env or base_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = datetime.now(UTC).timestamp() + timeout
        while (left := deadline - datetime.now(UTC).timestamp()) > 0:
            try:
                if text in self.lines.get(timeout=left):
                    return
            except queue.Empty:
                break
        self.proc.kill()
        pytest.fail(f"no {text!r} from tracker schedule:\n{''.join(self.stderr)}")

    def stop(self, sig: signal.Signals, timeout: float = 10) -> tuple[int, str]:
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.reader.join(timeout=10)
            assert self.proc.stdout is not None and self.proc.stderr is not None
            self.proc.stdout.close()
            self.proc.stderr.close()
            said = "".join(self.stderr)[-3000:]
            pytest.fail(f"tracker schedule did not exit within {timeout} s of {sig.name}:\n{said}")
        self.reader.join(timeout=10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, "".join(self.stderr)


def stored_jobs(db: Path) -> dict[str, tuple[datetime, dict[str, object]]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(select(apscheduler_jobs)).all()
    engine.dispose()
    return {
        row.id: (datetime.fromtimestamp(row.next_run_time, UTC), pickle.loads(row.job_state))
        for row in rows
    }


def locks(engine: Engine) -> list[SourceLock]:
    with Session(engine) as s:
        return list(s.exec(select(SourceLock)).scalars())  # type: ignore[call-overload]


def test_schedule_stores_its_jobs_in_the_database_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tracker.db"
    config = tmp_path / "tracker.toml"
    config.write_text(
        '[schedule]\nscrape = "03:00"\ndigest = "tue 09:30"\n'
        'misfire_grace_seconds = 900\ntimezone = "Europe/Paris"\n',
        encoding="utf-8",
    )
    sched = Scheduler(tmp_path, "--db", str(db))
    sched.wait_for("scheduler running")
    jobs = stored_jobs(db)
    assert set(jobs) == {SCRAPE_JOB_ID, DIGEST_JOB_ID}
    paris = ZoneInfo("Europe/Paris")
    scrape_at, scrape = jobs[SCRAPE_JOB_ID]
    digest_at, digest = jobs[DIGEST_JOB_ID]
    assert scrape_at.astimezone(paris).strftime("%H:%M") == "03:00"
    assert digest_at.astimezone(paris).strftime("%a %H:%M") == "Tue 09:30"
    assert scrape_at > datetime.now(UTC) and digest_at > datetime.now(UTC)
    assert scrape["func"] == "tracker.schedule:scheduled_scrape"
    assert digest["func"] == "tracker.schedule:scheduled_digest"
    for state in (scrape, digest):
        assert (state["coalesce"], state["max_instances"]) == (True, 1)
        assert state["misfire_grace_time"] == 900
        assert (state["args"], state["kwargs"]) == ((), {})  # no database URL in the table

    code, stderr = sched.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "SIGTERM: stopping" in stderr and "scheduler stopped" in stderr
    assert "Traceback" not in stderr
    engine = make_engine(f"sqlite:///{db}")
    assert locks(engine) == []
    engine.dispose()


def test_sigterm_during_a_scheduled_scrape_finishes_that_source_and_starts_no_other(
    tmp_path: Path, server: ReplayServer, faults: FaultPlan
) -> None:
    """`--scrape-now` starts the scrape job at once; model infos answer after 1 s, so the Hub
    source is mid-way when SIGTERM comes. It finishes, GitHub is not started, exit 0."""
    hub = DEMO_DIR / "hub"
    ids = sorted(f"{o.name}/{r.name}" for o in hub.iterdir() for r in o.iterdir())
    faults.add("slow", r"^/api/models/", count=len(ids), delay=1.0)
    (tmp_path / "tracker.toml").write_text(
        f"[sources.hf]\nmodels = {json.dumps(ids)}\nfollow_bases = false\n\n"
        '[sources.github]\nrepos = ["CompVis/stable-diffusion"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "tracker.db"
    env = base_env(HF_ENDPOINT=server.url, GITHUB_API_URL=server.github_api_url)
    sched = Scheduler(tmp_path, "--db", str(db), "--scrape-now", env=env)
    sched.wait_for("Running job")
    engine = make_engine(f"sqlite:///{db}")
    deadline = datetime.now(UTC).timestamp() + 20
    while not locks(engine) and datetime.now(UTC).timestamp() < deadline:
        threading.Event().wait(0.05)
    assert [lock.source for lock in locks(engine)] == ["hf"]  # the Hub scrape is under way
    code, stderr = sched.stop(signal.SIGTERM, timeout=60)
    assert code == 0, stderr
    assert "SIGTERM: stopping (waiting for a running job to finish)" in stderr
    assert f"scrape hf: run 1: {len(ids)} fetched, 0 unchanged, 0 failed" in stderr
    assert "scrape github: not started (shutting down)" in stderr
    assert "Traceback" not in stderr
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        runs = conn.exec_driver_sql("SELECT source, status FROM run").all()
        snapshots = conn.exec_driver_sql("SELECT count(*) FROM snapshot").scalar()
    assert [tuple(r) for r in runs] == [("hf", "finished")]
    assert snapshots == len(ids)
    assert locks(engine) == []
    engine.dispose()


def test_a_restart_replaces_the_jobs_with_the_new_times(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    config = tmp_path / "sched.toml"
    for scrape_time in ("03:00", "05:15"):
        config.write_text(f'[schedule]\nscrape = "{scrape_time}"\n', encoding="utf-8")
        sched = Scheduler(tmp_path, "--config", str(config), "--db", str(db))
        sched.wait_for("scheduler running")
        code, stderr = sched.stop(signal.SIGINT)
        assert code == 0 and "Traceback" not in stderr, stderr
    jobs = stored_jobs(db)
    assert set(jobs) == {SCRAPE_JOB_ID, DIGEST_JOB_ID}
    assert jobs[SCRAPE_JOB_ID][0].strftime("%H:%M") == "05:15"


def test_schedule_once_scrapes_the_configured_models_and_prints_the_summary(
    tmp_path: Path, replay_server: ReplayServer
) -> None:
    (tmp_path / "tracker.toml").write_text(
        f'[sources.hf]\nmodels = ["{POKEMON}", "{PIXEL}"]\nfollow_bases = false\n\n'
        '[sources.github]\nrepos = ["CompVis/stable-diffusion"]\n\n'
        "[sources.lists]\nrepos = []\n",
        encoding="utf-8",
    )
    env = base_env(HF_ENDPOINT=replay_server.url, GITHUB_API_URL=replay_server.github_api_url)
    first = tracker(tmp_path, "schedule", "--once", env=env)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["hf", "github"]
    assert [re.search(SUMMARY, line).groups() for line in lines] == [  # type: ignore[union-attr]
        ("2", "0", "0", "2"),
        ("1", "0", "0", "1"),
    ]
    again = tracker(tmp_path, "scrape", "all", env=env)
    assert again.returncode == 0, again.stderr
    assert [re.search(SUMMARY, line).groups()[:3] for line in again.stdout.splitlines()] == [  # type: ignore[union-attr]
        ("0", "2", "0"),
        ("0", "1", "0"),
    ]
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    assert locks(engine) == []
    engine.dispose()


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def test_scrape_all_skips_a_busy_source_and_scrapes_the_next(
    tmp_path: Path, migrated: Engine, settings: Settings
) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(
        f'[sources.hf]\nmodels = ["{POKEMON}"]\n[sources.github]\nrepos = ["meta-llama/llama"]\n'
        "[sources.lists]\nrepos = []\n",
        encoding="utf-8",
    )
    config = load_config(path, environ={})
    with acquire(migrated, "hf", holder="manual-run:77"):
        outcomes = list(scrape_all(migrated, settings, config, progress=False))
    assert [source for source, _ in outcomes] == ["hf", "github"]
    busy, github = outcomes[0][1], outcomes[1][1]
    assert isinstance(busy, SourceBusy) and busy.holder == "manual-run:77"
    assert isinstance(github, Summary) and (github.fetched, github.failed) == (1, 0)
    assert locks(migrated) == []


def test_scrape_all_starts_no_source_once_halted(
    tmp_path: Path, migrated: Engine, settings: Settings
) -> None:
    path = tmp_path / "tracker.toml"
    path.write_text(f'[sources.hf]\nmodels = ["{POKEMON}"]\n', encoding="utf-8")
    halt = threading.Event()
    halt.set()
    config = load_config(path, environ={})
    assert list(scrape_all(migrated, settings, config, progress=False, halt=halt)) == []


def test_scrape_all_cli_reports_a_busy_source_and_exits_2(
    tmp_path: Path, migrated: Engine, replay_server: ReplayServer
) -> None:
    (tmp_path / "tracker.toml").write_text(
        '[sources.github]\nrepos = ["meta-llama/llama"]\n[sources.lists]\nrepos = ["a/list"]\n',
        encoding="utf-8",
    )
    env = base_env(HF_ENDPOINT=replay_server.url, GITHUB_API_URL=replay_server.github_api_url)
    with acquire(migrated, "github", holder="manual-run:78"):
        res = tracker(tmp_path, "scrape", "all", env=env)
    assert res.returncode == 2
    assert res.stderr.splitlines()[0].startswith(
        "error: github: source github is being scraped by manual-run:78 since "
    )
    assert res.stdout.startswith("lists: run ")


def test_the_weekly_job_drafts_the_week_that_ended(migrated: Engine, tmp_path: Path) -> None:
    out = tmp_path / "digests"
    config = Config(schedule=Schedule(digest_out=str(out)))
    said = draft_last_week(migrated, config, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert said == f"drafted 2026-W47: 0 items in {out / '2026-W47'}"
    assert (out / "2026-W47" / "digest.html").is_file()
    assert (out / "2026-W47" / "curation.yaml").is_file()


def test_the_weekly_job_outside_the_scheduler_is_an_error() -> None:
    with pytest.raises(TrackerError, match="outside `tracker schedule`"):
        scheduled_digest()
