"""bills: one bill per household, month and kind of fee, in whole fen

Revision ID: bills_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'bills_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('bills',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('bill_type', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('paid', sa.Boolean(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_via', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id', 'period', 'bill_type', name='uq_bill_household_period_type')
    )
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bills_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_bills_paid_due', ['paid', 'due_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_index('ix_bills_paid_due')
        batch_op.drop_index(batch_op.f('ix_bills_household_id'))
    op.drop_table('bills')
