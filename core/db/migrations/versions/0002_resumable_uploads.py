"""resumable uploads; activity and recording time of a clip

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clips") as batch_op:
        batch_op.add_column(sa.Column("activity", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("clip_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("metadata_raw", sa.Text(), nullable=False),
        sa.Column("s3_upload_id", sa.String(length=400), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("next_part", sa.Integer(), nullable=False),
        sa.Column("tail_key", sa.String(length=400), nullable=True),
        sa.Column("tail_size", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "receiving", "complete", "expired", name="uploadstate", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("uploads") as batch_op:
        batch_op.create_index("ix_uploads_clip_id", ["clip_id"])
        batch_op.create_index("ix_uploads_user_id", ["user_id"])
        batch_op.create_index("ix_uploads_expires_at", ["expires_at"])


def downgrade() -> None:
    op.drop_table("uploads")
    with op.batch_alter_table("clips") as batch_op:
        batch_op.drop_column("recorded_at")
        batch_op.drop_column("activity")
