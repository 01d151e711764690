"""rewards: the 爱心换购 catalogue and redemptions of love-bank points

Revision ID: rewards_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'rewards_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('rewards',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rewards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('source_key', sa.String(length=160), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('points > 0', name='ck_rewards_points_positive'),
        sa.CheckConstraint('stock >= 0', name='ck_rewards_stock_not_negative'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_key'),
    )
    op.create_table(
        'redemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=True),
        sa.Column('reward_id', sa.Integer(), nullable=False),
        sa.Column('reward_name', sa.String(length=60), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('source_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reward_id'], ['rewards.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('source_key'),
    )
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemptions_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_openid'), ['openid'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_reward_id'), ['reward_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemptions_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemptions_status'))
        batch_op.drop_index(batch_op.f('ix_redemptions_reward_id'))
        batch_op.drop_index(batch_op.f('ix_redemptions_openid'))
        batch_op.drop_index(batch_op.f('ix_redemptions_household_id'))
    op.drop_table('redemptions')
    op.drop_table('rewards')
