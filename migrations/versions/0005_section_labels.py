"""Section labels (issue #4): what the section classifier said about each section of each card.

`classified_text` records that a text was read by a classifier version (so a card with no
sections is not read again); `section_label` holds one row per section; the view
`card_sections` (documented in tracker/views.py) shows them for each artifact's current card.

Written by hand after `tracker.db.models`; the models-and-migrations test checks they agree.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "classified_text",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=16), nullable=False),
        sa.Column("sections", sa.Integer(), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["text_blob.sha256"]),
        sa.PrimaryKeyConstraint("sha256", "model_version"),
    )
    op.create_table(
        "section_label",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=16), nullable=False),
        sa.Column("section_index", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("labels", sa.String(length=256), nullable=False),
        sa.Column("probabilities", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["text_blob.sha256"]),
        sa.PrimaryKeyConstraint("sha256", "model_version", "section_index"),
    )
    op.execute(f"CREATE VIEW card_sections AS {CARD_SECTIONS.strip()}")


CARD_SECTIONS = """
SELECT a.id AS artifact_id, a.kind, a.key, s.id AS snapshot_id,
       sl.model_version, sl.section_index, sl.line, sl.heading, sl.labels, sl.probabilities
FROM artifact a
JOIN latest_snapshot s ON s.artifact_id = a.id
JOIN snapshot_file f ON f.snapshot_id = s.id
JOIN section_label sl ON sl.sha256 = f.sha256
WHERE f.path IN ('README.md', 'readme.md', 'README.MD', 'Readme.md', 'MODEL_CARD.md',
                 'model_card.md')
"""


def downgrade() -> None:
    op.execute("DROP VIEW card_sections")
    op.drop_table("section_label")
    op.drop_table("classified_text")
