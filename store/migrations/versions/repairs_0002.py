"""repairs: when the resident was asked to rate, when they did, when a waiting ticket was escalated

Revision ID: repairs_0002
Revises: repairs_0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'repairs_0002'
down_revision: str | None = 'repairs_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('repair_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('repair_tickets', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('rating_asked_at')
