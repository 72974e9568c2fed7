"""The long tail of licenses in the database: `tracker licenses unknown`.

Reads the license-like files of each artifact's latest snapshot (texts stored once by hash),
keeps the texts no known license explains (auditors.licenses.clusters.unknown_reason) and
clusters them, so a researcher can triage bespoke and modified licenses and an editor can see a
new license family appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from auditors.knowledge import load_knowledge_base
from auditors.licenses.clusters import Cluster, LicenseText, cluster_texts, unknown_reason
from auditors.repo import RepoFile
from tracker.query import run_query


@dataclass(frozen=True)
class LongTail:
    clusters: list[Cluster]
    reasons: dict[str, str]  # text digest -> why it is unknown
    texts_read: int


def unknown_licenses(engine: Engine, threshold: float = 0.5) -> LongTail:
    rows = run_query(
        engine,
        "SELECT f.sha256, f.path, a.key, b.content FROM latest_snapshot s "
        "JOIN artifact a ON a.id = s.artifact_id "
        "JOIN snapshot_file f ON f.snapshot_id = s.id "
        "JOIN text_blob b ON b.sha256 = f.sha256 "
        "ORDER BY f.sha256, a.key",
    ).rows
    by_digest: dict[str, tuple[str, list[str]]] = {}
    for digest, path, key, content in rows:
        if "/" in path or not RepoFile(path, None, 0).is_license_file:
            continue
        by_digest.setdefault(digest, (content, []))[1].append(key)
    kb = load_knowledge_base()
    reasons = {}
    unknown = []
    for digest, (content, keys) in by_digest.items():
        reason = unknown_reason(content, kb)
        if reason is not None:
            reasons[digest] = reason
            unknown.append(LicenseText(digest, content, tuple(dict.fromkeys(keys))))
    return LongTail(cluster_texts(unknown, kb, threshold), reasons, len(by_digest))
