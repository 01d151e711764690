"""Passwords, session cookies and CSRF tokens of the staff console.

- Passwords are hashed with Argon2id (``argon2-cffi``); a hash made with older parameters is
  replaced at the next successful login.
- The session cookie carries a random token signed with the console secret
  (``itsdangerous``); the server keeps only the token's SHA-256 (:mod:`store.console`), so
  logging out, a password change or an expired session ends it for good.
- Every form that changes something carries the session's CSRF token; the login form, used
  before there is a session, carries an HMAC of a random pre-login cookie instead.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, Signer
from starlette.requests import Request

from bot.devcreds import ensure_console_secret

log = logging.getLogger(__name__)

SESSION_COOKIE = "console_session"
PRE_LOGIN_COOKIE = "console_pre"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/console"

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that a wrong username takes as long as a
    wrong password (made at the first such login, not at start-up)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an unknown member (no hash) costs the same time."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@dataclass(frozen=True)
class Keys:
    """What the console signs with, derived from one secret."""

    secret: str

    @classmethod
    def from_environment(cls) -> Keys:
        if not os.environ.get("CONSOLE_SECRET", "").strip():
            log.warning("CONSOLE_SECRET is not set: the staff console signs its cookies with a local secret "
                        "kept in var/dev-credentials.env; set CONSOLE_SECRET in production")
        return cls(ensure_console_secret(os.environ))

    @property
    def _signer(self) -> Signer:
        return Signer(self.secret, salt="console-session")

    def seal(self, token: str) -> str:
        """The cookie value of a session token."""
        return self._signer.sign(token).decode("ascii")

    def unseal(self, cookie: str | None) -> str | None:
        """The session token of a cookie, or None when it was not signed by us."""
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def login_csrf(self, pre_login: str) -> str:
        """The login form's token, bound to the visitor's pre-login cookie."""
        return hmac.new(self.secret.encode(), f"login:{pre_login}".encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def client_ip(request: Request) -> str:
    """The visitor's address as the server saw it (behind a proxy, uvicorn's
    ``--forwarded-allow-ips`` decides whether X-Forwarded-For is believed)."""
    return request.client.host if request.client else ""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"
