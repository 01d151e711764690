"""party_fees: 党费 per member per month, paid or not

Revision ID: party_fees_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'party_fees_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('party_fees',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'party_fees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('member_name', sa.String(length=64), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('paid', sa.Boolean(), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('paid_via', sa.String(length=16), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('household_id', 'member_name', 'period', name='uq_party_fee_member_period'),
    )
    with op.batch_alter_table('party_fees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_fees_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('party_fees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_fees_household_id'))
    op.drop_table('party_fees')
