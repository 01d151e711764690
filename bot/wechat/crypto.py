"""WeChat's signatures and safe-mode (AES) message encryption.

``signature`` = sha1 of the sorted token, timestamp and nonce; in safe and compatible
mode the encrypted body is checked with ``msg_signature`` (sha1 of the sorted token,
timestamp, nonce and ciphertext). The AES work itself is wechatpy's (PrpCrypto); the
comparisons here are constant-time, and a previous EncodingAESKey is kept as a fallback
while the key is being rotated.

Everything here reads query parameters anyone can send, so each is checked for its shape
before use: a signature is 40 hex digits (``hmac.compare_digest`` raises on a non-ASCII
str), a timestamp is ASCII digits (``str.isdigit`` also takes ``¹²³`` and ``１２３``, which
``int`` refuses), a nonce is a short ASCII token. Any other shape is a BadSignature (403).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import struct
import time

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException

from bot.errors import BadMessage, BadSignature

_SHA1_HEX = re.compile(r"[0-9a-fA-F]{40}")
#: A Unix time in seconds: ten digits today; more than twelve is no clock's.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
#: WeChat's nonces are short numbers; letters are allowed for other clients' sake.
_NONCE = re.compile(r"[0-9A-Za-z_\-]{0,64}")


def sign(*parts: str) -> str:
    # surrogatepass: a part that is not valid Unicode still hashes (and so fails to match)
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()


def check_signature(token: str, signature: str, timestamp: str, nonce: str, *extra: str) -> None:
    """``signature`` must be the sha1 of the sorted parts, compared in constant time."""
    if not _SHA1_HEX.fullmatch(signature):
        raise BadSignature("signature is not a sha1 digest")
    expected = sign(token, timestamp, nonce, *extra)
    if not hmac.compare_digest(expected.encode("ascii"), signature.lower().encode("ascii")):
        raise BadSignature("signature does not match")


def check_nonce(nonce: str) -> None:
    """The nonce is echoed into a safe-mode reply's envelope: only a plain token may be."""
    if not _NONCE.fullmatch(nonce):
        raise BadSignature("nonce is not a WeChat nonce")


def check_timestamp(timestamp: str, max_skew: int, now: float | None = None) -> None:
    """Refuse requests whose timestamp is far from our clock (replays); 0 turns the check off."""
    if not _TIMESTAMP.fullmatch(timestamp):
        raise BadSignature("timestamp is not a number")
    if max_skew and abs((time.time() if now is None else now) - int(timestamp)) > max_skew:
        raise BadSignature("timestamp outside the allowed window")


class _PrpCrypto(PrpCrypto):
    """wechatpy's AES, with the 16 random characters that open each encrypted message drawn
    in one call (wechatpy samples them one by one, a noticeable share of every reply)."""

    def get_random_string(self) -> str:
        return secrets.token_hex(8)


class MessageCrypto:
    """Encrypts and decrypts message bodies for one account, trying the previous key too."""

    def __init__(self, token: str, appid: str, aes_key: str, previous_key: str = "") -> None:
        self.token = token
        self.appid = appid
        self._keys = [_PrpCrypto(_key_bytes(k)) for k in (aes_key, previous_key) if k]

    def decrypt(self, ciphertext: str, msg_signature: str, timestamp: str, nonce: str) -> tuple[str, int]:
        """The plaintext XML and the index of the key that opened it."""
        check_signature(self.token, msg_signature, timestamp, nonce, ciphertext)
        for index, crypto in enumerate(self._keys):
            try:
                plain = crypto.decrypt(ciphertext, self.appid)
            except (ValueError, IndexError, struct.error, InvalidAppIdException):
                # base64, padding, UTF-8 or the AppID check: this key does not open it
                continue
            return (plain.decode("utf-8") if isinstance(plain, bytes) else plain), index
        raise BadMessage("message cannot be decrypted with the configured EncodingAESKey and AppID")

    def encrypt(self, plaintext: str, nonce: str, timestamp: str, key_index: int = 0) -> str:
        """The ``<xml><Encrypt>…`` envelope WeChat expects for a safe-mode reply."""
        ciphertext = self._keys[key_index].encrypt(plaintext, self.appid)
        ciphertext = ciphertext.decode("ascii") if isinstance(ciphertext, bytes) else ciphertext
        signature = sign(self.token, timestamp, nonce, ciphertext)
        return (
            f"<xml><Encrypt><![CDATA[{ciphertext}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )


def _key_bytes(encoding_aes_key: str) -> bytes:
    import base64

    return base64.b64decode(encoding_aes_key + "=")
