"""board: the neighbourhood board's posts (moderated by staff) and likes

Revision ID: board_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'board_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('board',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'board_posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('contact', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('likes', sa.Integer(), nullable=False),
        sa.Column('reject_reason', sa.Text(), nullable=True),
        sa.Column('source_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_key'),
    )
    with op.batch_alter_table('board_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_posts_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_posts_openid'), ['openid'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_posts_status'), ['status'], unique=False)
    op.create_table(
        'board_likes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['board_posts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('post_id', 'openid', name='uq_board_like_resident'),
    )
    with op.batch_alter_table('board_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_likes_post_id'), ['post_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('board_likes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_likes_post_id'))
    op.drop_table('board_likes')
    with op.batch_alter_table('board_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_posts_status'))
        batch_op.drop_index(batch_op.f('ix_board_posts_openid'))
        batch_op.drop_index(batch_op.f('ix_board_posts_household_id'))
    op.drop_table('board_posts')
