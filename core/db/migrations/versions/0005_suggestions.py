"""suggestions: clip analyses, why each suggestion was made, and people's decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clip_analyses",
        sa.Column("clip_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=True),
        sa.Column("series", sa.JSON(), nullable=True),
        sa.Column("regions", sa.JSON(), nullable=True),
        sa.Column("set_id", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_id"], ["annotation_sets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("clip_id"),
    )
    op.create_table(
        "suggestions",
        sa.Column("annotation_id", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id"),
    )
    op.create_table(
        "suggestion_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("suggestion_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("copy_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["copy_id"], ["annotations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["set_id"], ["annotation_sets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["suggestion_id"], ["annotations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("suggestion_id", "set_id", name="uq_suggestion_decision_set"),
    )
    for column in ("set_id", "suggestion_id", "user_id"):
        op.create_index(f"ix_suggestion_decisions_{column}", "suggestion_decisions", [column])


def downgrade() -> None:
    op.drop_table("suggestion_decisions")
    op.drop_table("suggestions")
    op.drop_table("clip_analyses")
