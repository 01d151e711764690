"""ratings: residents' 1–5 scores for the property service, on their own or after a repair

Revision ID: ratings_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ratings_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('ratings',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('service_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name='ck_service_ratings_score'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['repair_tickets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_ratings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_ratings_openid'), ['openid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_ratings_openid'))
        batch_op.drop_index(batch_op.f('ix_service_ratings_created_at'))
    op.drop_table('service_ratings')
