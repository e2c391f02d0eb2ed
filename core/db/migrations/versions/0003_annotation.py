"""annotation: coding schemes, annotation sets, annotations, their history, ratings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coding_schemes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "key", "version", name="uq_scheme_version"),
    )
    with op.batch_alter_table("coding_schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coding_schemes_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_coding_schemes_team_id"), ["team_id"], unique=False)

    op.create_table(
        "annotation_sets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("clip_id", sa.String(length=32), nullable=False),
        sa.Column("scheme_id", sa.String(length=32), nullable=False),
        sa.Column("coder_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coder_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["scheme_id"], ["coding_schemes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotation_sets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotation_sets_clip_id"), ["clip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_annotation_sets_coder_id"), ["coder_id"], unique=False)

    op.create_table(
        "annotation_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["set_id"], ["annotation_sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotation_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotation_changes_set_id"), ["set_id"], unique=False)

    op.create_table(
        "annotations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("repairs_id", sa.String(length=32), nullable=True),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["repairs_id"], ["annotations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["set_id"], ["annotation_sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annotations_set_id"), ["set_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("scale", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rater_id", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rater_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["set_id"], ["annotation_sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("set_id", "scale", name="uq_rating_set_scale"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_set_id"), ["set_id"], unique=False)

def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_set_id"))
    op.drop_table("ratings")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotations_set_id"))
    op.drop_table("annotations")
    with op.batch_alter_table("annotation_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_changes_set_id"))
    op.drop_table("annotation_changes")
    with op.batch_alter_table("annotation_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_sets_coder_id"))
        batch_op.drop_index(batch_op.f("ix_annotation_sets_clip_id"))
    op.drop_table("annotation_sets")
    with op.batch_alter_table("coding_schemes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coding_schemes_team_id"))
        batch_op.drop_index(batch_op.f("ix_coding_schemes_key"))
    op.drop_table("coding_schemes")
