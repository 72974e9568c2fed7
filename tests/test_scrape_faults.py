"""Hub scrapes under injected faults: the run completes, per-item failures are recorded with
their reasons, committed data is kept, and the next run fetches what failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from tracker.db.engine import make_engine, upgrade_to_head
from tracker.db.models import Finding, Snapshot
from tracker.replay import ReplayServer
from tracker.scrape import scrape_hub
from tracker.settings import Settings

REPOS = {
    "429": "abdd68/output",
    "5xx": "nerijs/pixel-art-xl",
    "reset": "google/gemma-7b",
    "truncate": "alkiskoudounas/sd-pokemon-256px",
}
CONTENT = {
    "malformed-yaml": ("runwayml/stable-diffusion-v1-5", "README.md", "CARD001"),
    "binary-license": ("CompVis/stable-diffusion-v1-4", "LICENSE", "FILE001"),
    "non-utf8": ("AIDC-AI/Ovis1.6-Gemma2-9B", "README.md", None),
}


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    upgrade_to_head(engine)
    with ReplayServer(Path(__file__).resolve().parents[1] / "data" / "demo") as server:
        settings = Settings(
            hf_endpoint=server.url, github_api_url=server.github_api_url, http_timeout=5.0
        )
        yield engine, settings, server
    engine.dispose()


def test_scrape_survives_every_fault_and_the_next_run_fetches_what_failed(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, server = world
    server.faults.add("429", f"^/api/models/{REPOS['429']}", count=1, retry_after=0)
    server.faults.add("5xx", f"^/{REPOS['5xx']}/resolve/", count=50, status=503)
    server.faults.add("reset", f"^/api/models/{REPOS['reset']}", count=50)
    server.faults.add("truncate", f"^/{REPOS['truncate']}/resolve/", count=50, method="GET")
    for kind, (repo, name, _) in CONTENT.items():
        server.faults.add(kind, f"^/{repo}/resolve/[^/]+/{name}$", count=50)  # HEAD agrees
    ids = list(REPOS.values()) + [repo for repo, _, _ in CONTENT.values()]

    first = scrape_hub(engine, settings, ids, follow_bases=False, progress=False)
    failed = {key for key, _ in first.failures}
    assert first.fetched + first.failed == len(ids)
    assert {REPOS["5xx"], REPOS["reset"], REPOS["truncate"]} <= failed
    assert all(reason for _, reason in first.failures)
    with Session(engine) as s:
        rules = {f.rule for f in s.exec(select(Finding)).all()}
        failures = s.exec(select(Snapshot).where(Snapshot.status == "failed")).all()
    assert {"CARD001", "FILE001"} <= rules  # content faults are findings, not crashes
    assert len(failures) == first.failed

    server.faults.clear()
    second = scrape_hub(engine, settings, ids, follow_bases=False, progress=False)
    assert second.failed == 0
    assert second.fetched >= len(failed)  # everything that failed is fetched now
    with Session(engine) as s:
        ok = s.exec(select(Snapshot).where(Snapshot.status == "ok")).all()
    assert len(ok) == first.fetched + second.fetched  # nothing committed was lost
