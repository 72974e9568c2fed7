"""A scrape test's world: a migrated SQLite file, a replay server over a snapshot, settings for
the real clients pointed at it; and the events stored for an artifact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.db.engine import make_engine, upgrade_to_head
from tracker.db.models import Artifact, Event, Finding, Snapshot
from tracker.replay import ReplayServer
from tracker.settings import Settings


@contextmanager
def scrape_world(snapshot: Path, db: Path | str) -> Iterator[tuple[Engine, Settings]]:
    """`db`: a SQLite file, or a database URL (tests.databases.empty_database)."""
    engine = make_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    upgrade_to_head(engine)
    try:
        with ReplayServer(snapshot) as server:
            yield (
                engine,
                Settings(
                    hf_endpoint=server.url, github_api_url=server.github_api_url, http_timeout=10.0
                ),
            )
    finally:
        engine.dispose()


def events(engine: Engine, key: str) -> list[tuple[str, dict[str, Any]]]:
    """(kind, detail) of every event of the artifact `key`, oldest first."""
    with Session(engine) as s:
        art = s.exec(select(Artifact).where(Artifact.key == key)).one()
        rows = s.exec(select(Event).where(Event.artifact_id == art.id).order_by(col(Event.id)))
        return [(e.kind, json.loads(e.detail_json)) for e in rows.all()]


def stored_audits(
    engine: Engine,
) -> dict[str, tuple[str | None, list[tuple[str, str | None, str]]]]:
    """Per artifact: its first snapshot's declared license and findings, sorted."""
    out = {}
    with Session(engine) as s:
        for artifact in s.exec(select(Artifact)).all():
            first = select(Snapshot).where(Snapshot.artifact_id == artifact.id)
            snap = s.exec(first.order_by(col(Snapshot.id))).first()
            assert snap is not None
            rows = s.exec(select(Finding).where(Finding.snapshot_id == snap.id)).all()
            out[artifact.key] = (
                snap.declared_license,
                sorted((f.rule, f.path, f.message) for f in rows),
            )
    return out
