"""Popularity and lineage: the Hub's download and like counts per snapshot, and the base models
each snapshot's audit found (issue #5: the digest ranks models and counts RAIL derivatives).

Written by hand after `tracker.db.models`; the models-and-migrations test checks they agree.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("downloads", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("likes", sa.Integer(), nullable=True))
    op.create_table(
        "lineage_edge",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=512), nullable=False),
        sa.Column("found_in", sa.String(length=64), nullable=False),
        sa.Column("license_id", sa.String(length=128), nullable=True),
        sa.Column("license_source", sa.String(length=32), nullable=False),
        sa.Column("license_family", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshot.id"]),
        sa.PrimaryKeyConstraint("snapshot_id", "base"),
    )
    op.create_index(
        op.f("ix_lineage_edge_license_family"), "lineage_edge", ["license_family"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lineage_edge_license_family"), table_name="lineage_edge")
    op.drop_table("lineage_edge")
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_column("likes")
        batch.drop_column("downloads")
