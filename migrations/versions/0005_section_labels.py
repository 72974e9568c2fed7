"""Section labels (issue #4): what the section classifier said about each section of each card.

`classified_text` records that a text was read by a classifier version (so a card with no
sections is not read again); `section_label` holds one row per section.

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


def downgrade() -> None:
    op.drop_table("section_label")
    op.drop_table("classified_text")
