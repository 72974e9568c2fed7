"""Research views (issue #6): reference tables, two snapshot columns, and the documented views.

- `license_ref`, `rule_ref`: the knowledge base's licenses and the audit rules, refilled by
  `tracker.db.reference.sync_reference` at every upgrade to head.
- `snapshot.pipeline_tag` (the Hub's task) and `snapshot.fetched_week` (ISO week), set at ingest
  and filled here for existing rows: both are what researchers group by, and reading them out
  of JSON or formatting weeks would need different SQL on SQLite and PostgreSQL.
- Views, in plain SQL that both run unchanged (docs/data-dictionary.md documents every column):
  latest_snapshot, artifact_licenses, compliance, rail_derivatives, bias_eval_coverage,
  license_changes, lineage.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:15:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: A RAIL duty broken: any error-severity RAIL finding.
_RAIL_ERROR = (
    "EXISTS (SELECT 1 FROM finding f WHERE f.snapshot_id = s.id "
    "AND f.rule LIKE 'RAIL%' AND f.severity = 'error')"
)


def _has(rule: str) -> str:
    return f"EXISTS (SELECT 1 FROM finding f WHERE f.snapshot_id = s.id AND f.rule = '{rule}')"


VIEWS: dict[str, str] = {
    "latest_snapshot": """
SELECT s.* FROM snapshot s
WHERE s.id IN (SELECT MAX(id) FROM snapshot WHERE status = 'ok' GROUP BY artifact_id)
""",
    "artifact_licenses": """
SELECT a.id AS artifact_id, a.kind, a.key,
       s.id AS snapshot_id, s.fetched_at, s.pipeline_tag,
       s.declared_license, s.detected_license,
       COALESCE(s.declared_license, s.detected_license) AS license,
       lr.family AS license_family,
       CASE WHEN lr.use_restrictions THEN 1 ELSE 0 END AS license_has_use_restrictions,
       e.base AS base_model, e.found_in AS base_found_in,
       e.license_id AS base_license, e.license_family AS base_license_family
FROM artifact a
JOIN latest_snapshot s ON s.artifact_id = a.id
LEFT JOIN license_ref lr ON lr.id = COALESCE(s.declared_license, s.detected_license)
LEFT JOIN lineage_edge e ON e.snapshot_id = s.id
""",
    "compliance": """
SELECT a.id AS artifact_id, a.kind, a.key, s.id AS snapshot_id,
       r.id AS rule, r.title AS rule_title, r.severity AS rule_severity, r.applies_to,
       CASE
         WHEN f.findings IS NOT NULL THEN 'fail'
         WHEN r.applies_to = 'rail-derivatives' AND NOT EXISTS (
           SELECT 1 FROM lineage_edge e WHERE e.snapshot_id = s.id AND e.license_family = 'rail'
         ) THEN 'not applicable'
         WHEN r.applies_to = 'derivatives' AND NOT EXISTS (
           SELECT 1 FROM lineage_edge e WHERE e.snapshot_id = s.id
         ) THEN 'not applicable'
         ELSE 'pass'
       END AS status,
       f.findings, f.message AS evidence, f.path AS evidence_path, f.line AS evidence_line
FROM artifact a
JOIN latest_snapshot s ON s.artifact_id = a.id
CROSS JOIN rule_ref r
LEFT JOIN (
  SELECT snapshot_id, rule, COUNT(*) AS findings, MIN(message) AS message,
         MIN(path) AS path, MIN(line) AS line
  FROM finding GROUP BY snapshot_id, rule
) f ON f.snapshot_id = s.id AND f.rule = r.id
""",
    "rail_derivatives": f"""
SELECT a.id AS artifact_id, a.key, s.id AS snapshot_id, s.fetched_at, s.pipeline_tag,
       e.base AS base_model, e.license_id AS base_license,
       COALESCE(s.declared_license, s.detected_license) AS license,
       CASE WHEN lr.use_restrictions THEN 1 ELSE 0 END AS license_has_use_restrictions,
       CASE WHEN {_has("RAIL001")} THEN 1 ELSE 0 END AS drops_restrictions,
       CASE WHEN {_has("RAIL002")} THEN 1 ELSE 0 END AS license_copy_missing,
       CASE WHEN {_has("RAIL003")} THEN 1 ELSE 0 END AS restrictions_not_notified,
       CASE WHEN {_RAIL_ERROR} THEN 0 ELSE 1 END AS complies
FROM artifact a
JOIN latest_snapshot s ON s.artifact_id = a.id
JOIN lineage_edge e ON e.snapshot_id = s.id AND e.license_family = 'rail'
LEFT JOIN license_ref lr ON lr.id = COALESCE(s.declared_license, s.detected_license)
""",
    "bias_eval_coverage": f"""
SELECT a.id AS artifact_id, a.key, s.id AS snapshot_id, s.fetched_at, s.fetched_week,
       s.pipeline_tag,
       CASE WHEN s.id IN (SELECT id FROM latest_snapshot) THEN 1 ELSE 0 END AS is_latest,
       CASE WHEN {_has("BIAS001")} THEN 0 ELSE 1 END AS has_bias_section,
       CASE WHEN {_has("BIAS002")} THEN 0 ELSE 1 END AS reports_bias_evaluation
FROM snapshot s
JOIN artifact a ON a.id = s.artifact_id
WHERE s.status = 'ok' AND a.kind = 'hf-model'
""",
    "license_changes": """
SELECT artifact_id, kind, key, snapshot_id, previous_snapshot_id, fetched_at, fetched_week,
       license_from, license_to
FROM (
  SELECT a.id AS artifact_id, a.kind, a.key, s.id AS snapshot_id, s.fetched_at,
         s.fetched_week,
         COALESCE(s.declared_license, s.detected_license) AS license_to,
         LAG(COALESCE(s.declared_license, s.detected_license))
           OVER (PARTITION BY s.artifact_id ORDER BY s.id) AS license_from,
         LAG(s.id) OVER (PARTITION BY s.artifact_id ORDER BY s.id) AS previous_snapshot_id
  FROM snapshot s
  JOIN artifact a ON a.id = s.artifact_id
  WHERE s.status = 'ok'
) changes
WHERE previous_snapshot_id IS NOT NULL AND license_from IS DISTINCT FROM license_to
""",
    "lineage": """
SELECT e.base AS base_model, a.key AS derivative, a.id AS artifact_id, s.id AS snapshot_id,
       CASE
         WHEN e.found_in LIKE 'hub-metadata:%' THEN SUBSTR(e.found_in, 14)
         WHEN e.found_in IN ('metadata:base_model', 'hub-metadata') THEN 'declared'
         WHEN e.found_in = 'prose' THEN 'stated in the card'
         ELSE 'named'
       END AS relation,
       e.found_in, e.license_id AS base_license, e.license_family AS base_license_family,
       COALESCE(s.declared_license, s.detected_license) AS derivative_license
FROM lineage_edge e
JOIN latest_snapshot s ON s.id = e.snapshot_id
JOIN artifact a ON a.id = s.artifact_id
""",
}


def upgrade() -> None:
    op.create_table(
        "license_ref",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("spdx", sa.String(length=128), nullable=True),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("commercial_use", sa.String(length=32), nullable=False),
        sa.Column("use_restrictions", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rule_ref",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("applies_to", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("pipeline_tag", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("fetched_week", sa.String(length=8), nullable=True))
        batch.create_index(batch.f("ix_snapshot_pipeline_tag"), ["pipeline_tag"], unique=False)
        batch.create_index(batch.f("ix_snapshot_fetched_week"), ["fetched_week"], unique=False)
    _fill_snapshot_columns()
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body.strip()}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_index(batch.f("ix_snapshot_fetched_week"))
        batch.drop_index(batch.f("ix_snapshot_pipeline_tag"))
        batch.drop_column("fetched_week")
        batch.drop_column("pipeline_tag")
    op.drop_table("rule_ref")
    op.drop_table("license_ref")


def _fill_snapshot_columns() -> None:
    """pipeline_tag from the stored metadata, fetched_week from fetched_at, for existing rows."""
    conn = op.get_bind()
    snapshot = sa.table(
        "snapshot",
        sa.column("id", sa.Integer),
        sa.column("fetched_at", sa.DateTime),
        sa.column("metadata_json", sa.Text),
        sa.column("pipeline_tag", sa.String),
        sa.column("fetched_week", sa.String),
    )
    rows = conn.execute(sa.select(snapshot.c.id, snapshot.c.fetched_at, snapshot.c.metadata_json))
    updates = [
        {"sid": sid, "tag": _pipeline_tag(meta), "week": _iso_week(at)} for sid, at, meta in rows
    ]
    if updates:
        statement = (
            sa.update(snapshot)
            .where(snapshot.c.id == sa.bindparam("sid"))
            .values(pipeline_tag=sa.bindparam("tag"), fetched_week=sa.bindparam("week"))
        )
        conn.execute(statement, updates)


def _pipeline_tag(metadata_json: str | None) -> str | None:
    try:
        value = json.loads(metadata_json or "{}").get("pipeline_tag")
    except (ValueError, AttributeError):
        return None
    return str(value)[:64] if value else None


def _iso_week(at: datetime | str | None) -> str | None:
    if at is None:
        return None
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    iso = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"
