"""repairs: which emergency an urgent ticket is, the resident's rating, assigned_to, API status names

Revision ID: repairs_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'repairs_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('repairs',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('repair_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_comment', sa.Text(), nullable=True))
        batch_op.alter_column('assignee', new_column_name='assigned_to', existing_type=sa.String(length=64))
    op.execute("UPDATE repair_tickets SET status = 'done' WHERE status IN ('completed', 'rated')")


def downgrade() -> None:
    op.execute("UPDATE repair_tickets SET status = 'rated' WHERE status = 'done' AND rating IS NOT NULL")
    op.execute("UPDATE repair_tickets SET status = 'completed' WHERE status = 'done'")
    with op.batch_alter_table('repair_tickets', schema=None) as batch_op:
        batch_op.alter_column('assigned_to', new_column_name='assignee', existing_type=sa.String(length=64))
        batch_op.drop_column('rating_comment')
        batch_op.drop_column('rating')
        batch_op.drop_column('emergency')
