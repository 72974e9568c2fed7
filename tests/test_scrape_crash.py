"""A scrape killed with SIGKILL half-way leaves an intact database, and the next run finishes
the job without duplicates."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.corpus import CORPUS, ROOT
from tracker.replay import ReplayServer

N_REPOS = 120


def corpus_hub(root: Path, n: int) -> list[str]:
    """A Hub of `n` real cards from the corpus, each under its real repo id."""
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "card"]
    ids: list[str] = []
    for row in rows:
        repo_id = row["hf_repo_id"]
        if repo_id.count("/") != 1 or repo_id in ids:
            continue
        target = root / "hub" / repo_id
        target.mkdir(parents=True)
        shutil.copy(CORPUS / row["file"], target / "README.md")
        ids.append(repo_id)
        if len(ids) == n:
            break
    return ids


def snapshots(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("select count(*) from snapshot").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_sigkill_mid_scrape_then_rerun(tmp_path: Path) -> None:
    ids = corpus_hub(tmp_path / "snapshot", N_REPOS)
    db = tmp_path / "tracker.db"
    args = [
        sys.executable,
        "-m",
        "tracker.cli",
        "scrape",
        "hf",
        "--no-follow-bases",
        "--db",
        str(db),
    ]
    args += [a for repo_id in ids for a in ("-m", repo_id)]
    with ReplayServer(tmp_path / "snapshot") as server:
        env = {**os.environ, "HF_ENDPOINT": server.url}
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while snapshots(db) < 15 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the scrape finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_before = snapshots(db)
        assert 0 < done_before < N_REPOS
        with sqlite3.connect(db) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        rerun = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        artifacts = conn.execute("select count(*), count(distinct key) from artifact").fetchone()
        assert artifacts == (N_REPOS, N_REPOS)
        ok = dict(
            conn.execute(
                "select a.key, count(*) from snapshot s join artifact a on a.id = s.artifact_id "
                "where s.status = 'ok' group by a.key"
            ).fetchall()
        )
        assert len(ok) == N_REPOS and set(ok.values()) == {1}  # each fetched once, no duplicates
        new = conn.execute("select count(*) from event where kind = 'new-artifact'").fetchone()[0]
        assert new == N_REPOS
        unchanged = conn.execute(
            "select count(*) from snapshot where status = 'unchanged'"
        ).fetchone()[0]
        assert unchanged == done_before  # what the killed run stored is not fetched again
