"""trajectory: goals, visits, the people in a case, links to goals, reflections

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column[Any]]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_goals_case_id", "goals", ["case_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "number", name="uq_visit_case_number"),
    )
    op.create_index("ix_visits_case_id", "visits", ["case_id"])
    op.create_table(
        "case_people",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_people_case_id", "case_people", ["case_id"])
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_clips_visit_id", ["visit_id"])
        batch_op.create_foreign_key("fk_clips_visit_id", "visits", ["visit_id"], ["id"],
                                    ondelete="SET NULL")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responds_to_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("person_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key("fk_annotations_responds_to_id", "annotations",
                                    ["responds_to_id"], ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key("fk_annotations_person_id", "case_people",
                                    ["person_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visit_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("private_notes", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_index("ix_playlists_visit_id", ["visit_id"])
        batch_op.create_foreign_key("fk_playlists_visit_id", "visits", ["visit_id"], ["id"],
                                    ondelete="SET NULL")
    op.create_table(
        "annotation_goals",
        sa.Column("annotation_id", sa.String(length=32), nullable=False),
        sa.Column("goal_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id", "goal_id"),
    )
    op.create_index("ix_annotation_goals_goal_id", "annotation_goals", ["goal_id"])
    op.create_table(
        "playlist_item_goals",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("goal_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["playlist_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "goal_id"),
    )
    op.create_index("ix_playlist_item_goals_goal_id", "playlist_item_goals", ["goal_id"])
    op.create_table(
        "reflections",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("playlist_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=True),
        sa.Column("visit_id", sa.String(length=32), nullable=True),
        sa.Column("parents_saw", sa.Text(), nullable=False),
        sa.Column("parents_said", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["playlist_id"], ["playlists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["playlist_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("playlist_id", "item_id", name="uq_reflection_item"),
    )
    op.create_index("ix_reflections_playlist_id", "reflections", ["playlist_id"])
    op.create_index("ix_reflections_visit_id", "reflections", ["visit_id"])


def downgrade() -> None:
    for table in ("reflections", "playlist_item_goals", "annotation_goals"):
        op.drop_table(table)
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.drop_constraint("fk_playlists_visit_id", type_="foreignkey")
        batch_op.drop_index("ix_playlists_visit_id")
        batch_op.drop_column("private_notes")
        batch_op.drop_column("visit_id")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_annotations_person_id", type_="foreignkey")
        batch_op.drop_constraint("fk_annotations_responds_to_id", type_="foreignkey")
        batch_op.drop_column("person_id")
        batch_op.drop_column("responds_to_id")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_constraint("fk_clips_visit_id", type_="foreignkey")
        batch_op.drop_index("ix_clips_visit_id")
        batch_op.drop_column("visit_id")
    for table in ("case_people", "visits", "goals"):
        op.drop_table(table)
