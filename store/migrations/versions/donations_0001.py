"""donations: 爱心捐赠 pledges, staff's answer to each, the thank-you list

Revision ID: donations_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'donations_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('donations',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'donations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('donor_name', sa.String(length=64), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('photo_url', sa.Text(), nullable=True),
        sa.Column('photo_media_id', sa.String(length=128), nullable=True),
        sa.Column('display', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('public_text', sa.String(length=200), nullable=False),
        sa.Column('decline_reason', sa.String(length=200), nullable=True),
        sa.Column('source_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_key'),
    )
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_donations_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_openid'), ['openid'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donations_status'))
        batch_op.drop_index(batch_op.f('ix_donations_openid'))
        batch_op.drop_index(batch_op.f('ix_donations_household_id'))
    op.drop_table('donations')
