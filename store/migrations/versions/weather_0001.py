"""weather: residents who asked for the morning weather, and the day they last got it

Revision ID: weather_0001
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'weather_0001'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('weather',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'weather_subscriptions',
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sent_on', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('openid'),
    )


def downgrade() -> None:
    op.drop_table('weather_subscriptions')
