"""One repository per area of the store, each bound to the session of one unit of work."""
from __future__ import annotations

from sqlalchemy.orm import Session


class Repository:
    """Base of a repository a flow brings: reached as ``store[TheRepository]``."""

    def __init__(self, session: Session) -> None:
        self.session = session
