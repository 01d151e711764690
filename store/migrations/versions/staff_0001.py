"""staff: members, roles, WeChat binding, rota, console login

Revision ID: staff_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'staff_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('staff',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staff',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=True),
        sa.Column('bind_code', sa.String(length=16), nullable=True),
        sa.Column('on_duty', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=True),
        sa.Column('password_hash', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('bound_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('bind_code'),
        sa.UniqueConstraint('openid'),
        sa.UniqueConstraint('username'),
    )


def downgrade() -> None:
    op.drop_table('staff')
