"""`tracker classify`: every card text in the database that this classifier version has not read
yet, streamed in chunks, classified in batches, written back in bulk, one transaction per chunk.

A chunk is committed whole (its `classified_text` rows with their `section_label` rows), so an
interrupted run leaves complete texts behind and the next run starts after them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, exists, func, insert, select
from sqlmodel import col

from auditors.card import parse_card
from auditors.classifier.labels import LABELS
from auditors.classifier.predict import labels_from
from auditors.classifier.sectioning import CardSection, split_card
from auditors.repo import CARD_NAMES
from tracker.classifier.inference import TorchClassifier
from tracker.db.models import (
    Artifact,
    ClassifiedText,
    SectionLabel,
    Snapshot,
    SnapshotFile,
    TextBlob,
    utcnow,
)

#: Card texts per transaction. Their sections (about ten a card) form the inference batches.
TEXTS_PER_CHUNK = 2048


@dataclass
class ClassifyStats:
    texts: int = 0
    sections: int = 0
    labelled: dict[str, int] | None = None


def _unclassified(version: str):  # type: ignore[no-untyped-def]
    """Card texts of Hub models and GitHub repos with no `classified_text` row for `version`."""
    done = exists().where(
        col(ClassifiedText.sha256) == col(SnapshotFile.sha256),
        col(ClassifiedText.model_version) == version,
    )
    return (
        select(col(SnapshotFile.sha256))
        .join(Snapshot, col(Snapshot.id) == col(SnapshotFile.snapshot_id))
        .join(Artifact, col(Artifact.id) == col(Snapshot.artifact_id))
        .where(
            col(SnapshotFile.sha256).is_not(None),
            col(SnapshotFile.path).in_(CARD_NAMES),
            col(Artifact.kind) != "sd-list",
            ~done,
        )
        .distinct()
    )


def count_unclassified(engine: Engine, version: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(_unclassified(version).subquery())) or 0


def _chunks(engine: Engine, version: str) -> Iterator[list[tuple[str, str]]]:
    """(sha256, text) chunks. Each query asks afresh for texts not yet done, so what the caller
    committed meanwhile is skipped; ordered by hash for a stable order."""
    while True:
        with engine.connect() as conn:
            hashes = list(
                conn.scalars(
                    _unclassified(version).order_by(SnapshotFile.sha256).limit(TEXTS_PER_CHUNK)
                )
            )
            if not hashes:
                return
            rows = conn.execute(
                select(col(TextBlob.sha256), col(TextBlob.content)).where(
                    col(TextBlob.sha256).in_(hashes)
                )
            )
            yield [(h, c) for h, c in rows]


def classify_database(
    engine: Engine,
    classifier: TorchClassifier,
    progress: Callable[[int, int], None] | None = None,
) -> ClassifyStats:
    """Classify every unread card text; `progress(texts, sections)` after each chunk."""
    version = classifier.weights.version
    thresholds = classifier.weights.thresholds
    stats = ClassifyStats(labelled=dict.fromkeys(LABELS, 0))
    assert stats.labelled is not None
    for chunk in _chunks(engine, version):
        sections: list[tuple[str, CardSection]] = []
        per_text: dict[str, int] = {}
        for sha, text in chunk:
            units = split_card(parse_card(text))
            per_text[sha] = len(units)
            sections += [(sha, u) for u in units]
        probs = classifier.probabilities(
            [u.body for _, u in sections], [u.context for _, u in sections]
        )
        label_rows = []
        for (sha, u), row in zip(sections, probs, strict=True):
            labels = [name for name in LABELS if name in labels_from(row, thresholds)]
            for name in labels:
                stats.labelled[name] += 1
            label_rows.append(
                {
                    "sha256": sha,
                    "model_version": version,
                    "section_index": u.index,
                    "line": u.line,
                    "heading": u.context,
                    "labels": ",".join(labels),
                    "probabilities": json.dumps(
                        {name: round(float(p), 4) for name, p in zip(LABELS, row, strict=True)}
                    ),
                }
            )
        now = utcnow()
        text_rows = [
            {"sha256": sha, "model_version": version, "sections": n, "classified_at": now}
            for sha, n in per_text.items()
        ]
        with engine.begin() as conn:
            if label_rows:
                conn.execute(insert(SectionLabel), label_rows)
            conn.execute(insert(ClassifiedText), text_rows)
        stats.texts += len(chunk)
        stats.sections += len(sections)
        if progress:
            progress(stats.texts, stats.sections)
    return stats
