"""announcements: notices of every kind (物业通知, 党务公开, 党政学习, 微报刊)

Revision ID: announcements_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'announcements_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('announcements',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('image_url', sa.Text(), nullable=True),
    sa.Column('source_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key')
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_kind'), ['kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_kind'))
        batch_op.drop_index(batch_op.f('ix_announcements_created_at'))
    op.drop_table('announcements')
