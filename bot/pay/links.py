"""Payment links: a signed, expiring token naming what to pay, for whom, until when.

The bot sends a resident a link to this app's payment page; the token in it says which
thing (``kind`` + ``reference_id``), which payer (the resident's ``openid``, which JSAPI
payment needs) and until when the link works, signed with HMAC-SHA256 under
``PAY_LINK_SECRET``. So the page needs no OAuth round-trip to learn who is paying, and a
link cannot be altered to pay for something else or used after it expires.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_SIGNATURE_BYTES = 18
_KIND = re.compile(r"[a-z_]{1,16}")


class LinkError(ValueError):
    """A token that is not one of ours (``forged``) or no longer valid (``expired``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PayLink:
    kind: str
    reference_id: int
    openid: str
    expires_at: datetime


def make_token(secret: str, link: PayLink) -> str:
    """The token for ``link``: its fields, then their signature, both base64url."""
    if not _KIND.fullmatch(link.kind) or ":" in link.openid:
        raise ValueError("a payment link names a kind of lower-case letters and an openid without ':'")
    payload = f"{link.kind}:{link.reference_id}:{link.openid}:{int(link.expires_at.timestamp())}"
    return f"{_b64(payload.encode())}.{_b64(_sign(secret, payload))}"


def read_token(secret: str, token: str, now: datetime) -> PayLink:
    """The link a token stands for; LinkError when it was not signed by us or has expired."""
    encoded, _, signature = token.partition(".")
    try:
        payload = _unb64(encoded).decode("utf-8")
        given = _unb64(signature)
    except (ValueError, UnicodeDecodeError):
        raise LinkError("forged") from None
    if not hmac.compare_digest(given, _sign(secret, payload)):
        raise LinkError("forged")
    kind, reference, openid, expires = payload.split(":")
    link = PayLink(kind, int(reference), openid, datetime.fromtimestamp(int(expires), UTC))
    if now >= link.expires_at:
        raise LinkError("expired")
    return link


def _sign(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), f"paylink:{payload}".encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
