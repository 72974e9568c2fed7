"""Scraping Hub models through the real huggingface_hub client into a real database file.

The replay server serves a writable copy of the demo snapshot; changing a repo's files between
two scrapes is how the Hub changes between two days.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.corpus import CORPUS
from tests.scrape_world import events, scrape_world, stored_audits
from tracker.db.models import (
    Artifact,
    Event,
    Finding,
    LineageEdge,
    Snapshot,
    SnapshotFile,
    TextBlob,
)
from tracker.scrape import scrape_hub

POKEMON = "alkiskoudounas/sd-pokemon-256px"


@pytest.fixture
def world(snapshot_copy: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    with scrape_world(snapshot_copy, tmp_path / "tracker.db") as (engine, settings):
        yield engine, settings, snapshot_copy


def test_first_scrape_stores_snapshot_texts_findings_and_new_artifact_event(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    summary = scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    assert (summary.fetched, summary.failed) == (1, 0)
    with Session(engine) as s:
        snap = s.exec(select(Snapshot)).one()
        assert snap.status == "ok" and snap.declared_license == "mit" and snap.revision
        files = {f.path: f for f in s.exec(select(SnapshotFile)).all()}
        assert set(files) == {"README.md", "LICENSE"}
        blob = s.get(TextBlob, files["LICENSE"].sha256)
        assert blob is not None and "Permission is hereby granted" in blob.content
        rules = {f.rule for f in s.exec(select(Finding)).all()}
        assert {"RAIL001", "RAIL002"} <= rules
    assert events(engine, POKEMON) == [("new-artifact", {"license": "mit"})]


def test_relicensing_mit_to_creativeml_produces_license_and_finding_events(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, snapshot = world
    scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    repo = snapshot / "hub" / POKEMON
    card = (repo / "README.md").read_text(encoding="utf-8")
    (repo / "README.md").write_text(
        card.replace("license: mit", "license: creativeml-openrail-m", 1), encoding="utf-8"
    )
    shutil.copy(CORPUS / "licenses" / "creativeml-openrail-m.txt", repo / "LICENSE")
    second = scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    assert second.fetched == 1
    got = events(engine, POKEMON)[1:]
    assert ("license-changed", {"from": "mit", "to": "creativeml-openrail-m"}) in got
    resolved = {d["rule"] for k, d in got if k == "finding-resolved"}
    assert {"RAIL001", "RAIL002", "RAIL003"} <= resolved


def test_unchanged_repo_is_a_cheap_unchanged_snapshot_and_no_events(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    again = scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    assert (again.fetched, again.unchanged, again.events) == (0, 1, 0)
    with Session(engine) as s:
        statuses = [x.status for x in s.exec(select(Snapshot).order_by(Snapshot.id)).all()]
        assert statuses == ["ok", "unchanged"]
        assert len(s.exec(select(TextBlob)).all()) == 2  # texts stored once


def test_missing_repo_is_recorded_and_the_run_goes_on(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    summary = scrape_hub(
        engine, settings, ["nobody/missing", POKEMON], follow_bases=False, progress=False
    )
    assert (summary.fetched, summary.failed) == (1, 1)
    with Session(engine) as s:
        failed = s.exec(select(Snapshot).where(Snapshot.status == "failed")).one()
        assert failed.error and "nobody/missing" in failed.error


def test_base_models_are_followed_up_the_lineage(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    scrape_hub(engine, settings, ["sayakpaul/sd-model-finetuned-lora-t4"], progress=False)
    with Session(engine) as s:
        keys = {a.key for a in s.exec(select(Artifact)).all()}
    assert "CompVis/stable-diffusion-v1-4" in keys


def test_cli_discovers_by_license_tag_and_base_model(replay_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.corpus import ROOT

    env = {**os.environ, "HF_ENDPOINT": replay_server.url}
    db = tmp_path / "t.db"
    base = [
        sys.executable,
        "-m",
        "tracker.cli",
        "scrape",
        "hf",
        "--no-follow-bases",
        "--db",
        str(db),
    ]
    res = subprocess.run(
        [*base, "--filter", "base_model:runwayml/stable-diffusion-v1-5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert "1 fetched, 0 unchanged, 0 failed" in res.stdout
    res = subprocess.run(
        [*base, "--filter", "license:creativeml-openrail-m", "--limit", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "2 fetched, 1 unchanged, 0 failed" in res.stdout  # abdd68/output was fetched before


def test_audits_in_worker_processes_store_what_audits_on_the_thread_store(
    snapshot_copy: Path, tmp_path: Path
) -> None:
    """The pool path (spawned processes, reports pickled back, stored in batches of 4) and the
    in-thread path (batches of 64) write the same licenses and findings for every model."""
    ids = sorted(
        f"{owner.name}/{repo.name}"
        for owner in (snapshot_copy / "hub").iterdir()
        for repo in owner.iterdir()
    )
    results = []
    for processes, batch in ((0, 64), (1, 4)):
        db = tmp_path / f"p{processes}.db"
        with scrape_world(snapshot_copy, db) as (engine, settings):
            summary = scrape_hub(
                engine,
                settings,
                ids,
                follow_bases=False,
                progress=False,
                audit_processes=processes,
                batch_size=batch,
            )
            assert (summary.fetched, summary.failed) == (len(ids), 0)
            results.append(stored_audits(engine))
    assert len(results[0]) == len(ids) >= 9
    assert any(findings for _, findings in results[0].values())
    assert results[0] == results[1]


def test_lineage_and_popularity_are_stored_with_the_snapshot(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, snapshot = world
    info = snapshot / "hub" / POKEMON / ".model_info.json"
    info.write_text('{"downloads": 1234, "likes": 56}', encoding="utf-8")
    scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    with Session(engine) as s:
        snap = s.exec(select(Snapshot)).one()
        assert (snap.downloads, snap.likes) == (1234, 56)
        edges = s.exec(select(LineageEdge)).all()
    # "Stable Diffusion" in the title: SD 1.x by the knowledge base, a RAIL family license.
    assert [(e.found_in, e.license_id, e.license_family) for e in edges] == [
        ("card title", "creativeml-openrail-m", "rail")
    ]


def test_tracker_now_dates_the_snapshots_and_events(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    monkeypatch.setenv("TRACKER_NOW", "2026-11-18T09:30:00")
    scrape_hub(engine, settings, [POKEMON], follow_bases=False, progress=False)
    with Session(engine) as s:
        snap = s.exec(select(Snapshot)).one()
        event = s.exec(select(Event)).one()
    assert snap.fetched_at.isoformat().startswith("2026-11-18T09:30:00")
    assert event.created_at.isoformat().startswith("2026-11-18T09:30:00")


def test_the_cli_scrapes_with_audit_processes(tmp_path: Path) -> None:
    """Enough models for the audit process pool, scraped by the command a user runs: the
    spawned audit processes start, audit every model and the run ends cleanly."""
    from tests.processes import run_tracker
    from tracker.audit_pool import PROCESS_POOL_FROM
    from tracker.replay import ReplayServer

    with ReplayServer.generated(PROCESS_POOL_FROM) as server:
        assert server.generated_hub is not None
        ids = server.generated_hub.ids
        models = [arg for repo_id in ids for arg in ("--model", repo_id)]
        db = tmp_path / "tracker.db"
        env = {
            k: v
            for k, v in __import__("os").environ.items()
            if not k.startswith(("HF_", "TRACKER_"))
        }
        done = run_tracker(
            "scrape",
            "hf",
            *models,
            "--no-follow-bases",
            "--db",
            str(db),
            env={**env, "HF_ENDPOINT": server.url},
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f": {len(ids)} fetched, 0 unchanged, 0 failed" in done.stdout
