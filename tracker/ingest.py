"""Storing what a scrape fetched: dated snapshots, texts once by hash, findings, events.

Each artifact is stored in its own transaction: its snapshot, files, findings and events commit
together or not at all, so a scrape killed half-way leaves a consistent database and the next
run carries on from there. A failed fetch is itself recorded (status "failed", with its reason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from auditors import audit
from auditors.engine import __version__ as AUDITOR_VERSION
from auditors.repo import RepoView
from auditors.report import Report
from tracker.db.models import (
    Artifact,
    Event,
    Finding,
    ListEntry,
    Snapshot,
    SnapshotFile,
    TextBlob,
    utcnow,
)
from tracker.events import Change, State, changes


@dataclass(frozen=True)
class Stored:
    """The outcome of storing one artifact, for the run's summary."""

    key: str
    status: str  # ok | unchanged | failed
    events: int
    bases: tuple[str, ...] = ()  # base models named by the stored repo, to follow up the lineage


def artifact_for(session: Session, kind: str, key: str) -> Artifact:
    found = session.exec(select(Artifact).where(Artifact.kind == kind, Artifact.key == key)).first()
    if found is not None:
        return found
    artifact = Artifact(kind=kind, key=key)
    session.add(artifact)
    session.flush()
    return artifact


def latest_snapshot(session: Session, artifact_id: int) -> Snapshot | None:
    """The artifact's last successful snapshot (failed fetches are not a state to compare with)."""
    query = (
        select(Snapshot)
        .where(Snapshot.artifact_id == artifact_id, col(Snapshot.status).in_(["ok", "unchanged"]))
        .order_by(col(Snapshot.fetched_at).desc(), col(Snapshot.id).desc())
    )
    return session.exec(query).first()


def last_revision(session: Session, kind: str, key: str) -> str | None:
    last = _last(session, kind, key)
    return last.revision if last is not None else None


def last_etag(session: Session, kind: str, key: str) -> str | None:
    last = _last(session, kind, key)
    return last.etag if last is not None else None


def _last(session: Session, kind: str, key: str) -> Snapshot | None:
    query = select(Artifact).where(Artifact.kind == kind, Artifact.key == key)
    artifact = session.exec(query).first()
    if artifact is None or artifact.id is None:
        return None
    return latest_snapshot(session, artifact.id)


def store_text(session: Session, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if session.get(TextBlob, digest) is None:
        session.add(TextBlob(sha256=digest, size=len(text.encode("utf-8")), content=text))
        session.flush()  # no relationship() orders it before the rows that point at it
    return digest


def record_failure(session: Session, kind: str, key: str, run_id: int | None, error: str) -> Stored:
    artifact = artifact_for(session, kind, key)
    assert artifact.id is not None
    session.add(Snapshot(artifact_id=artifact.id, run_id=run_id, status="failed", error=error))
    session.commit()
    return Stored(key, "failed", 0)


def record_unchanged(
    session: Session, kind: str, key: str, run_id: int | None, revision: str | None
) -> Stored:
    artifact = artifact_for(session, kind, key)
    assert artifact.id is not None
    previous = latest_snapshot(session, artifact.id)
    snap = Snapshot(artifact_id=artifact.id, run_id=run_id, status="unchanged", revision=revision)
    if previous is not None:
        snap.revision = revision or previous.revision
        snap.etag = previous.etag
        snap.declared_license = previous.declared_license
        snap.detected_license = previous.detected_license
        snap.metadata_json = previous.metadata_json
    session.add(snap)
    session.commit()
    return Stored(key, "unchanged", 0)


def store_repo(
    session: Session,
    kind: str,
    view: RepoView,
    run_id: int | None,
    revision: str | None = None,
    etag: str | None = None,
) -> Stored:
    """Store a fetched repo as a new snapshot, audit it, and record what changed."""
    artifact = artifact_for(session, kind, view.repo_id or view.name)
    assert artifact.id is not None
    previous = latest_snapshot(session, artifact.id)
    before = _state(session, previous) if previous is not None else None
    report = audit(view)
    snap = Snapshot(
        artifact_id=artifact.id,
        run_id=run_id,
        status="ok",
        revision=revision,
        etag=etag,
        metadata_json=json.dumps(dict(view.hub_metadata or {}), sort_keys=True, default=str),
        declared_license=_first(report.declared),
        detected_license=_first(report.detected),
    )
    session.add(snap)
    session.flush()
    assert snap.id is not None
    _store_files(session, snap.id, view)
    _store_findings(session, snap.id, report)
    n = _store_events(session, artifact.id, snap.id, before, _report_state(report))
    session.commit()
    bases = tuple(b.repo_id for b in report.base_models if "/" in b.repo_id)
    return Stored(artifact.key, "ok", n, bases)


def store_list(
    session: Session, url: str, text: str, entries: list[Any], run_id: int | None
) -> Stored:
    """Store one ecosystem list document and its parsed entries; events are entry changes,
    paired the way `sd_lists.diff_entries` pairs them (a moved entry is no change)."""
    from tracker.sources.sd_lists import ListEntry as Parsed
    from tracker.sources.sd_lists import diff_entries

    artifact = artifact_for(session, "sd-list", url)
    assert artifact.id is not None
    previous = latest_snapshot(session, artifact.id)
    snap = Snapshot(artifact_id=artifact.id, run_id=run_id, status="ok")
    session.add(snap)
    session.flush()
    assert snap.id is not None
    digest = store_text(session, text)
    session.add(
        SnapshotFile(snapshot_id=snap.id, path="README.md", sha256=digest, size=len(text.encode()))
    )
    for e in entries:
        session.add(
            ListEntry(
                snapshot_id=snap.id,
                name=e.name[:512],
                link=e.link[:2048],
                section=e.section,
                description=e.description,
            )
        )
    if previous is None:
        found = [Change("new-artifact", {"entries": len(entries)})]
    else:
        rows = session.exec(select(ListEntry).where(ListEntry.snapshot_id == previous.id)).all()
        old = [Parsed(r.name, r.link, r.section, r.description) for r in rows]
        added, removed = diff_entries(old, entries)
        found = [Change("list-entry-added", _entry(e)) for e in added]
        found += [Change("list-entry-removed", _entry(e)) for e in removed]
    n = _add_events(session, artifact.id, snap.id, found)
    session.commit()
    return Stored(url, "ok", n)


def _entry(e: Any) -> dict[str, Any]:
    return {"link": e.link, "name": e.name, "section": e.section}


def _first(idents: list[Any]) -> str | None:
    return idents[0].license_id if idents else None


def _store_files(session: Session, snapshot_id: int, view: RepoView) -> None:
    for f in view.files.values():
        digest = store_text(session, f.text) if f.text is not None else None
        session.add(
            SnapshotFile(
                snapshot_id=snapshot_id,
                path=f.path[:512],
                sha256=digest,
                size=f.size,
                problem=f.problem,
            )
        )


def _store_findings(session: Session, snapshot_id: int, report: Report) -> None:
    for f in report.findings:
        session.add(
            Finding(
                snapshot_id=snapshot_id,
                auditor_version=AUDITOR_VERSION,
                rule=f.rule,
                severity=f.severity.value,
                message=f.message,
                path=f.path,
                line=f.line,
                field=f.field,
            )
        )


def _store_events(
    session: Session, artifact_id: int, snapshot_id: int, before: State | None, after: State
) -> int:
    return _add_events(session, artifact_id, snapshot_id, changes(before, after))


def _add_events(session: Session, artifact_id: int, snapshot_id: int, found: list[Change]) -> int:
    now = utcnow()
    for c in found:
        session.add(
            Event(
                artifact_id=artifact_id,
                snapshot_id=snapshot_id,
                kind=c.kind,
                detail_json=json.dumps(c.detail, sort_keys=True),
                created_at=now,
            )
        )
    return len(found)


def _report_state(report: Report) -> State:
    keys = {(f.rule, f.path or ""): f.message for f in report.findings}
    return State(_first(report.declared) or _first(report.detected), frozenset(keys), keys)


def _state(session: Session, snap: Snapshot) -> State:
    """The comparable state of a stored snapshot (an "unchanged" one stands for its source)."""
    source = snap
    if snap.status == "unchanged":
        query = (
            select(Snapshot)
            .where(Snapshot.artifact_id == snap.artifact_id, Snapshot.status == "ok")
            .order_by(col(Snapshot.id).desc())
        )
        source = session.exec(query).first() or snap
    rows = session.exec(select(Finding).where(Finding.snapshot_id == source.id)).all()
    keys = {(f.rule, f.path or ""): f.message for f in rows}
    return State(source.declared_license or source.detected_license, frozenset(keys), keys)
