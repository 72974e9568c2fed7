"""The tracker's tables: artifacts, dated snapshots, texts stored once by hash, findings, events.

Nothing is overwritten: every fetch adds a `Snapshot`, every audit adds `Finding`s tied to that
snapshot and the auditor version, and `Event`s record what changed between two snapshots of
the same artifact. The schema is created and changed only by Alembic migrations (migrations/).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import Column, Float, Index, LargeBinary, Table, Text, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC; or the time `TRACKER_NOW` gives (ISO 8601), to date a replayed history.

    Tests and demos build weeks of history in seconds by scraping with the clock set to each
    day in turn; nothing else reads it.
    """
    fixed = os.environ.get("TRACKER_NOW")
    if not fixed:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(fixed)
    except ValueError:
        raise ValueError(f"TRACKER_NOW={fixed!r} is not an ISO 8601 date-time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def iso_week(moment: datetime) -> str:
    """`2026-W47`: the ISO week of `moment` in UTC (snapshot.fetched_week)."""
    iso = moment.astimezone(UTC).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def new_snapshot(**values: object) -> Snapshot:
    """A Snapshot fetched now, with its `fetched_week` to match."""
    now = utcnow()
    return Snapshot(fetched_at=now, fetched_week=iso_week(now), **values)  # type: ignore[arg-type]


class Artifact(SQLModel, table=True):
    """Something tracked over time: a Hub model, a GitHub repo, or an ecosystem list document."""

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_artifact_kind_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # "hf-model" | "github-repo" | "sd-list"
    key: str = Field(max_length=512)  # repo id, owner/name, or list URL
    first_seen: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One scrape (or audit) run: what it did, and whether it finished."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # "hf" | "github" | "lists" | "audit"
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)  # running | finished | failed
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0


class Snapshot(SQLModel, table=True):
    """One fetch of an artifact. A failed fetch is recorded too, with its reason."""

    __table_args__ = (Index("ix_snapshot_artifact_fetched", "artifact_id", "fetched_at"),)

    id: int | None = Field(default=None, primary_key=True)
    artifact_id: int = Field(foreign_key="artifact.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    fetched_at: datetime = Field(default_factory=utcnow)
    status: str = Field(max_length=16)  # ok | unchanged | failed
    error: str | None = Field(default=None, sa_column=Column(Text))
    revision: str | None = Field(default=None, max_length=128)  # Hub sha / git commit
    etag: str | None = Field(default=None, max_length=256)
    metadata_json: str | None = Field(default=None, sa_column=Column(Text))
    declared_license: str | None = Field(default=None, max_length=128, index=True)
    detected_license: str | None = Field(default=None, max_length=128)
    downloads: int | None = None  # the Hub's count (last 30 days) when fetched
    likes: int | None = None
    pipeline_tag: str | None = Field(default=None, max_length=64, index=True)  # the Hub's task
    fetched_week: str | None = Field(default=None, max_length=8, index=True)  # ISO, 2026-W47


class TextBlob(SQLModel, table=True):
    """A text (card, license file, list document) stored once, keyed by its SHA-256."""

    __tablename__ = "text_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content: str = Field(sa_column=Column(Text, nullable=False))


class SnapshotFile(SQLModel, table=True):
    """A file as it was in a snapshot: its text by hash, or why it has none."""

    __tablename__ = "snapshot_file"

    snapshot_id: int = Field(foreign_key="snapshot.id", primary_key=True)
    path: str = Field(primary_key=True, max_length=512)
    sha256: str | None = Field(default=None, foreign_key="text_blob.sha256")
    size: int = 0
    problem: str | None = Field(default=None, max_length=256)


class Finding(SQLModel, table=True):
    """A rule that fired on a snapshot, as the auditor of `auditor_version` saw it."""

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    auditor_version: str = Field(max_length=32)
    rule: str = Field(max_length=16, index=True)
    severity: str = Field(max_length=16)
    message: str = Field(sa_column=Column(Text, nullable=False))
    path: str | None = Field(default=None, max_length=512)
    line: int | None = None
    field: str | None = Field(default=None, max_length=64)


class ClassifiedText(SQLModel, table=True):
    """A card text the section classifier of `model_version` has read (even one with no sections).

    Written in the same transaction as the text's `SectionLabel`s: a text is classified
    completely or not at all, so an interrupted `tracker classify` resumes where it stopped.
    """

    __tablename__ = "classified_text"

    sha256: str = Field(foreign_key="text_blob.sha256", primary_key=True, max_length=64)
    model_version: str = Field(primary_key=True, max_length=16)
    sections: int
    classified_at: datetime


class SectionLabel(SQLModel, table=True):
    """One section of a card text as the classifier labelled it."""

    __tablename__ = "section_label"

    sha256: str = Field(foreign_key="text_blob.sha256", primary_key=True, max_length=64)
    model_version: str = Field(primary_key=True, max_length=16)
    section_index: int = Field(primary_key=True)
    line: int
    heading: str = Field(sa_column=Column(Text, nullable=False))  # the heading path, " / "-joined
    labels: str = Field(max_length=256)  # comma-joined, in the classifier's label order
    probabilities: str = Field(sa_column=Column(Text, nullable=False))  # JSON {label: p}


class LineageEdge(SQLModel, table=True):
    """A base model a snapshot's repo derives from, as its audit found it (auditors.lineage)."""

    __tablename__ = "lineage_edge"

    snapshot_id: int = Field(foreign_key="snapshot.id", primary_key=True)
    base: str = Field(primary_key=True, max_length=512)  # a repo id or a family name
    found_in: str = Field(max_length=64)  # metadata:base_model | hub-metadata | prose | ...
    license_id: str | None = Field(default=None, max_length=128)
    license_source: str = Field(max_length=32)  # knowledge-base | hub | unknown
    license_family: str | None = Field(default=None, max_length=32, index=True)  # rail, ...


class LicenseRef(SQLModel, table=True):
    """The knowledge base's licenses, for the research views (tracker.db.reference fills it)."""

    __tablename__ = "license_ref"

    id: str = Field(primary_key=True, max_length=128)  # the Hub's license id, or ours
    name: str = Field(max_length=256)
    spdx: str | None = Field(default=None, max_length=128)
    family: str = Field(max_length=32)  # rail, permissive, copyleft, ...
    commercial_use: str = Field(max_length=32)
    use_restrictions: bool  # carries use-based restrictions (any RAIL, or an AUP)


class RuleRef(SQLModel, table=True):
    """The audit rules, for the research views (tracker.db.reference fills it)."""

    __tablename__ = "rule_ref"

    id: str = Field(primary_key=True, max_length=16)  # RAIL001
    name: str = Field(max_length=64)
    title: str = Field(max_length=256)
    severity: str = Field(max_length=16)
    applies_to: str = Field(max_length=32)  # all | rail-derivatives | derivatives


class ListEntry(SQLModel, table=True):
    """An entry of an ecosystem list document, as parsed from one snapshot of it."""

    __tablename__ = "list_entry"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    name: str = Field(max_length=512)
    link: str = Field(max_length=2048)
    section: str | None = Field(default=None, max_length=512)
    description: str | None = Field(default=None, sa_column=Column(Text))


class Event(SQLModel, table=True):
    """What changed between two snapshots of an artifact: the digest's raw material.

    kinds: new-artifact, license-changed, finding-raised, finding-resolved,
    bias-eval-added, bias-eval-removed, list-entry-added, list-entry-removed.
    """

    id: int | None = Field(default=None, primary_key=True)
    artifact_id: int = Field(foreign_key="artifact.id", index=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    kind: str = Field(max_length=32, index=True)
    detail_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class SourceLock(SQLModel, table=True):
    """Who is scraping a source right now (tracker.locks): one row per held source.

    The row is inserted to take the lock and deleted to release it; the holder refreshes
    `heartbeat_at` while it runs, and a row whose heartbeat is too old (a killed run) is taken
    over by the next run.
    """

    __tablename__ = "source_lock"

    source: str = Field(primary_key=True, max_length=32)  # "hf" | "github" | "lists"
    holder: str = Field(max_length=255)  # host:pid
    acquired_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)


#: APScheduler 3's job table, exactly as `apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore`
#: defines it (191 = InnoDB utf8mb4 key limit, Float(25) = an 8-byte float). Declared here only so
#: that migration 0002 and the models can be compared; the job store reads and writes it through
#: its own Table object, and finds it already created.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
