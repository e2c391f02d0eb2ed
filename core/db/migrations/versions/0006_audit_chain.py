"""audit chain: every access-log event hashed and chained to the one before

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from core.audit import GENESIS, HASHED_FIELDS, HEAD_ID, event_hash
from core.db.audit_guard import lift_audit_guard, protect_audit_log

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_events = sa.table(
    "audit_events", sa.column("id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
    *(sa.column(name, sa.String()) for name in HASHED_FIELDS if name != "at"),
    sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()),
)


def _chain_existing_events() -> tuple[int, str]:
    """Hash the events written before the chain existed, oldest first."""
    bind = op.get_bind()
    prev, count = GENESIS, 0
    rows = bind.execute(sa.select(_events).order_by(_events.c.id)).mappings().all()
    for row in rows:
        digest = event_hash(prev, {name: row[name] for name in HASHED_FIELDS})
        bind.execute(sa.update(_events).where(_events.c.id == row["id"])
                     .values(prev_hash=prev, hash=digest))
        prev, count = digest, count + 1
    return count, prev


def upgrade() -> None:
    lift_audit_guard()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    count, last_hash = _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    protect_audit_log()
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": HEAD_ID, "events": count, "last_hash": last_hash}])


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    lift_audit_guard()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    protect_audit_log()
