"""Local credentials for `make run` on a machine with no official account configured.

They are generated once, kept in ``var/dev-credentials.env`` (outside the repository,
readable only by the owner) and used only where the environment sets nothing: the WeChat
Token, AppID and EncodingAESKey, the staff API's bearer token, and the secret of the staff
console's cookies when ``CONSOLE_SECRET`` is not set.
"""
from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, MutableMapping
from pathlib import Path

from bot.settings import ROOT

DEV_FILE = ROOT / "var" / "dev-credentials.env"

_WECHAT = ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY")
_MAKERS: dict[str, Callable[[], str]] = {
    "WECHAT_TOKEN": lambda: secrets.token_hex(12),
    "WECHAT_APPID": lambda: "wx" + secrets.token_hex(8),
    "WECHAT_AES_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode()[:43],
    "STAFF_API_TOKEN": lambda: secrets.token_urlsafe(24),
    "CONSOLE_SECRET": lambda: secrets.token_urlsafe(32),
}


def ensure_dev_credentials(env: MutableMapping[str, str], path: Path = DEV_FILE) -> dict[str, str]:
    """Fill what ``env`` lacks from the local file, making the missing values once.

    The WeChat values come as a set, only when WECHAT_TOKEN is unset; STAFF_API_TOKEN on
    its own, when it is unset. Returns the values that were filled in (empty when the
    environment had its own)."""
    wanted = [name for name in _WECHAT if not env.get("WECHAT_TOKEN") and not env.get(name)]
    if not env.get("STAFF_API_TOKEN"):
        wanted.append("STAFF_API_TOKEN")
    if not wanted:
        return {}
    stored = _read(path)
    missing = {name: _MAKERS[name]() for name in wanted if not stored.get(name)}
    if missing:
        _write(path, {**stored, **missing})
    filled = {name: stored.get(name) or missing[name] for name in wanted}
    env.update(filled)
    return filled


def ensure_console_secret(env: MutableMapping[str, str], path: Path = DEV_FILE) -> str:
    """The secret that signs the staff console's cookies and forms: ``CONSOLE_SECRET`` from the
    environment, or else one generated once and kept in the local file (so every worker of this
    machine, and the next start, agree on it)."""
    given = env.get("CONSOLE_SECRET", "").strip()
    if given:
        return given
    stored = _read(path)
    value = stored.get("CONSOLE_SECRET") or _MAKERS["CONSOLE_SECRET"]()
    if not stored.get("CONSOLE_SECRET"):
        _write(path, {**stored, "CONSOLE_SECRET": value})
    return value


def remember_dev_value(name: str, value: str, path: Path = DEV_FILE) -> None:
    """Keep ``name=value`` in the local file beside the other local credentials."""
    _write(path, {**_read(path), name: value})


def _read(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _write(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
