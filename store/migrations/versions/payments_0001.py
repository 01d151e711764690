"""payments: orders placed with WeChat Pay, for bills and whatever else is paid the same way

Revision ID: payments_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'payments_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('payments',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('out_trade_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=127), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('prepay_id', sa.String(length=64), nullable=True),
    sa.Column('transaction_id', sa.String(length=32), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('out_trade_no'),
    sa.UniqueConstraint('transaction_id')
    )
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_orders_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_payment_orders_kind_reference', ['kind', 'reference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_orders_openid'), ['openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_orders_openid'))
        batch_op.drop_index('ix_payment_orders_kind_reference')
        batch_op.drop_index(batch_op.f('ix_payment_orders_household_id'))
    op.drop_table('payment_orders')
