"""Storing what a scrape fetched: dated snapshots, texts once by hash, findings, events.

Nothing here commits: the caller decides what lands together (a Hub scrape commits a batch of
models at once, a GitHub scrape each repo). An artifact's snapshot, files, findings and events
are always in the same transaction, so a scrape killed half-way leaves a consistent database and
the next run carries on from the last commit. A failed fetch is itself recorded (status
"failed", with its reason).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert
from sqlmodel import Session, col, select

from auditors import audit
from auditors.engine import __version__ as AUDITOR_VERSION
from auditors.formats.json_format import finding_dict
from auditors.knowledge import load_knowledge_base
from auditors.repo import RepoFile, RepoView
from auditors.report import Finding as ReportFinding
from auditors.report import Report
from tracker.db.models import (
    Artifact,
    Event,
    Finding,
    LineageEdge,
    ListEntry,
    Snapshot,
    SnapshotFile,
    TextBlob,
    iso_week,
    new_snapshot,
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


def last_revisions(session: Session, kind: str, keys: list[str]) -> dict[str, str]:
    """`last_revision` of many artifacts in one query; keys without one are left out."""
    latest = (
        select(func.max(Snapshot.id))
        .join(Artifact, col(Artifact.id) == col(Snapshot.artifact_id))
        .where(
            Artifact.kind == kind,
            col(Artifact.key).in_(keys),
            col(Snapshot.status).in_(["ok", "unchanged"]),
        )
        .group_by(col(Snapshot.artifact_id))
    )
    query = (
        select(Artifact.key, Snapshot.revision)
        .join(Artifact, col(Artifact.id) == col(Snapshot.artifact_id))
        .where(col(Snapshot.id).in_(latest.scalar_subquery()))
    )
    return {key: rev for key, rev in session.exec(query).all() if rev}


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
    _store_texts(session, [text])
    return _digest(text)


def record_failure(session: Session, kind: str, key: str, run_id: int | None, error: str) -> Stored:
    artifact = artifact_for(session, kind, key)
    assert artifact.id is not None
    session.add(new_snapshot(artifact_id=artifact.id, run_id=run_id, status="failed", error=error))
    session.flush()
    return Stored(key, "failed", 0)


def record_unchanged(
    session: Session,
    kind: str,
    key: str,
    run_id: int | None,
    revision: str | None,
    popularity: tuple[int | None, int | None] | None = None,
) -> Stored:
    """An "unchanged" snapshot repeating the last one; `popularity` (downloads, likes) is
    what the Hub says now, since counts move while files do not."""
    artifact = artifact_for(session, kind, key)
    assert artifact.id is not None
    previous = latest_snapshot(session, artifact.id)
    snap = new_snapshot(
        artifact_id=artifact.id, run_id=run_id, status="unchanged", revision=revision
    )
    if previous is not None:
        snap.revision = revision or previous.revision
        snap.etag = previous.etag
        snap.declared_license = previous.declared_license
        snap.detected_license = previous.detected_license
        snap.metadata_json = previous.metadata_json
        snap.pipeline_tag = previous.pipeline_tag
        snap.downloads, snap.likes = previous.downloads, previous.likes
    if popularity is not None:
        snap.downloads, snap.likes = popularity
    session.add(snap)
    session.flush()
    return Stored(key, "unchanged", 0)


@dataclass(frozen=True)
class FetchedRepo:
    """A fetched repo to store: its view, where it was fetched at, and its audit if done."""

    view: RepoView
    revision: str | None = None
    etag: str | None = None
    report: Report | None = None  # audited on the way in; else `store_repos` audits it
    downloads: int | None = None
    likes: int | None = None

    @property
    def key(self) -> str:
        return self.view.repo_id or self.view.name


def store_repo(
    session: Session,
    kind: str,
    view: RepoView,
    run_id: int | None,
    revision: str | None = None,
    etag: str | None = None,
) -> Stored:
    """Store a fetched repo as a new snapshot, audit it, and record what changed."""
    return store_repos(session, kind, [FetchedRepo(view, revision, etag)], run_id)[0]


def store_repos(
    session: Session, kind: str, repos: Sequence[FetchedRepo], run_id: int | None
) -> list[Stored]:
    """Store fetched repos as new snapshots, with their files, findings and events.

    Written with a handful of multi-row statements whatever the number of repos (a row at a
    time through the ORM cost a scrape more than fetching did). The caller commits: the batch
    lands whole or not at all. A key given twice is stored twice, in order.
    """
    keys = [r.key for r in repos]
    if not keys:
        return []
    if len(set(keys)) < len(keys):
        return [s for r in repos for s in store_repos(session, kind, [r], run_id)]
    reports = [r.report if r.report is not None else audit(r.view) for r in repos]
    ids = _artifact_ids(session, kind, keys)
    before = _states(session, list(ids.values()))
    now = utcnow()
    snapshot_of = _insert_returning_ids(
        session,
        Snapshot,
        "artifact_id",
        [
            {
                "artifact_id": ids[r.key],
                "run_id": run_id,
                "fetched_at": now,
                "fetched_week": iso_week(now),
                "pipeline_tag": _pipeline_tag(r.view),
                "status": "ok",
                "revision": r.revision,
                "etag": r.etag,
                "metadata_json": json.dumps(
                    dict(r.view.hub_metadata or {}), sort_keys=True, default=str
                ),
                "declared_license": _first(report.declared),
                "detected_license": _first(report.detected),
                "downloads": r.downloads,
                "likes": r.likes,
            }
            for r, report in zip(repos, reports, strict=True)
        ],
    )
    files, findings, events, edges, stored = [], [], [], [], []
    for r, report in zip(repos, reports, strict=True):
        artifact_id = ids[r.key]
        snap_id = snapshot_of[artifact_id]
        files += [_file_row(snap_id, f) for f in r.view.files.values()]
        findings += [_finding_row(snap_id, f) for f in report.findings]
        edges += _lineage_rows(snap_id, report)
        found = changes(before.get(artifact_id), _report_state(report))
        events += [_event_row(artifact_id, snap_id, c, now) for c in found]
        bases = tuple(b.repo_id for b in report.base_models if "/" in b.repo_id)
        stored.append(Stored(r.key, "ok", len(found), bases))
    _store_texts(session, [f.text for r in repos for f in r.view.files.values() if f.text])
    tables = ((SnapshotFile, files), (Finding, findings), (Event, events), (LineageEdge, edges))
    for model, rows in tables:
        if rows:
            session.execute(insert(_table(model)), rows)
    return stored


def _artifact_ids(session: Session, kind: str, keys: list[str]) -> dict[str, int]:
    """Artifact ids by key, creating the artifacts not seen before."""
    query = select(Artifact.key, Artifact.id).where(
        Artifact.kind == kind, col(Artifact.key).in_(keys)
    )
    ids: dict[str, int] = {k: i for k, i in session.exec(query).all() if i is not None}
    missing = [k for k in keys if k not in ids]
    if missing:
        now = utcnow()
        rows = [{"kind": kind, "key": k, "first_seen": now} for k in missing]
        ids.update(_insert_returning_ids(session, Artifact, "key", rows))
    return ids


def _insert_returning_ids(
    session: Session, model: Any, unique: str, rows: list[dict[str, Any]]
) -> dict[Any, int]:
    """Insert `rows` (same keys in each); their new ids by their value of `unique`, a column no
    two of them share.

    Ids are matched by that column, not by order: SQLite cannot return ids in the order of the
    rows, and asking SQLAlchemy for that order makes it insert one row a statement.
    """
    table = _table(model)
    statement = insert(table).returning(table.c[unique], table.c.id)
    return {value: int(i) for value, i in session.execute(statement, rows).all()}


def _table(model: Any) -> Table:
    """The model's table, for Core inserts: an executemany of rows that all have the same keys
    (the ORM's bulk insert splits rows by which of their values are None)."""
    table: Table = model.__table__
    return table


def _states(session: Session, artifact_ids: list[int]) -> dict[int, State]:
    """Each artifact's comparable state: its last successful fetch's license and findings.

    An "unchanged" snapshot repeats the "ok" one before it, so the last "ok" one stands for it.
    """
    last_ok = (
        select(Snapshot.artifact_id, func.max(Snapshot.id))
        .where(col(Snapshot.artifact_id).in_(artifact_ids), Snapshot.status == "ok")
        .group_by(col(Snapshot.artifact_id))
    )
    snapshot_of: dict[int, int] = {
        snap_id: artifact_id for artifact_id, snap_id in session.exec(last_ok).all() if snap_id
    }
    if not snapshot_of:
        return {}
    snaps = session.exec(select(Snapshot).where(col(Snapshot.id).in_(list(snapshot_of)))).all()
    messages: dict[int, dict[tuple[str, str], str]] = {sid: {} for sid in snapshot_of}
    rows = session.exec(
        select(Finding.snapshot_id, Finding.rule, Finding.path, Finding.message).where(
            col(Finding.snapshot_id).in_(list(snapshot_of))
        )
    ).all()
    for snap_id, rule, path, message in rows:
        messages[snap_id][(rule, path or "")] = message
    return {
        snapshot_of[s.id]: State(
            s.declared_license or s.detected_license, frozenset(messages[s.id]), messages[s.id]
        )
        for s in snaps
        if s.id is not None
    }


def _store_texts(session: Session, texts: list[str]) -> None:
    """Add the texts not stored yet (by SHA-256), each once."""
    by_digest = {_digest(t): t for t in texts}
    if not by_digest:
        return
    query = select(TextBlob.sha256).where(col(TextBlob.sha256).in_(list(by_digest)))
    known = set(session.exec(query).all())
    rows = [
        {"sha256": d, "size": len(t.encode("utf-8")), "content": t}
        for d, t in by_digest.items()
        if d not in known
    ]
    if rows:
        session.execute(insert(_table(TextBlob)), rows)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_row(snapshot_id: int, f: RepoFile) -> dict[str, Any]:
    return {
        "snapshot_id": snapshot_id,
        "path": f.path[:512],
        "sha256": _digest(f.text) if f.text is not None else None,
        "size": f.size,
        "problem": f.problem,
    }


_FINDING_COLUMNS = ("rule", "severity", "message", "path", "line", "field")


def _finding_row(snapshot_id: int, f: ReportFinding) -> dict[str, Any]:
    """The finding table's row: the report's JSON form of the finding, the columns stored."""
    as_json = finding_dict(f)
    return {
        "snapshot_id": snapshot_id,
        "auditor_version": AUDITOR_VERSION,
        **{column: as_json[column] for column in _FINDING_COLUMNS},
    }


def _pipeline_tag(view: RepoView) -> str | None:
    tag = (view.hub_metadata or {}).get("pipeline_tag")
    return str(tag)[:64] if tag else None


def _lineage_rows(snapshot_id: int, report: Report) -> list[dict[str, Any]]:
    """One row per distinct base model (by lower-cased name), with its license's family."""
    kb = load_knowledge_base()
    rows: dict[str, dict[str, Any]] = {}
    for b in report.base_models:
        info = kb.license(b.license_id) if b.license_id else None
        rows.setdefault(
            b.repo_id.lower(),
            {
                "snapshot_id": snapshot_id,
                "base": b.repo_id[:512],
                "found_in": b.found_in[:64],
                "license_id": b.license_id,
                "license_source": b.license_source,
                "license_family": info.family if info is not None else None,
            },
        )
    return list(rows.values())


def _event_row(artifact_id: int, snapshot_id: int, c: Change, now: datetime) -> dict[str, Any]:
    return {
        "artifact_id": artifact_id,
        "snapshot_id": snapshot_id,
        "kind": c.kind,
        "detail_json": json.dumps(c.detail, sort_keys=True),
        "created_at": now,
    }


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
    snap = new_snapshot(artifact_id=artifact.id, run_id=run_id, status="ok")
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
    return Stored(url, "ok", n)


def _entry(e: Any) -> dict[str, Any]:
    return {"link": e.link, "name": e.name, "section": e.section}


def _first(idents: list[Any]) -> str | None:
    return idents[0].license_id if idents else None


def _add_events(session: Session, artifact_id: int, snapshot_id: int, found: list[Change]) -> int:
    if found:
        now = utcnow()
        session.execute(
            insert(Event), [_event_row(artifact_id, snapshot_id, c, now) for c in found]
        )
    return len(found)


def _report_state(report: Report) -> State:
    keys = {(f.rule, f.path or ""): f.message for f in report.findings}
    return State(_first(report.declared) or _first(report.detected), frozenset(keys), keys)
