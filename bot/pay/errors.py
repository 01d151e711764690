"""What can go wrong with paying.

::

    BotError
    └── PayError      the pay API refused an order, did not answer in time, or answered unsigned
"""
from __future__ import annotations

from bot.errors import BotError


class PayError(BotError):
    """The pay API refused the order, did not answer in time, or answered unsigned."""
