"""Local credentials for `make run` on a machine with no official account configured.

They are generated once, kept in ``var/dev-credentials.env`` (outside the repository,
readable only by the owner) and used only where the environment sets nothing.
"""
from __future__ import annotations

import base64
import os
import secrets
from collections.abc import MutableMapping
from pathlib import Path

from bot.settings import ROOT

DEV_FILE = ROOT / "var" / "dev-credentials.env"


def ensure_dev_credentials(env: MutableMapping[str, str], path: Path = DEV_FILE) -> dict[str, str]:
    """Fill WECHAT_TOKEN / WECHAT_APPID / WECHAT_AES_KEY in ``env`` from the local file when unset.

    Returns the values that were filled in (empty when the environment had its own)."""
    if env.get("WECHAT_TOKEN"):
        return {}
    values = _read(path) or _create(path)
    filled = {}
    for name, value in values.items():
        if not env.get(name):
            env[name] = value
            filled[name] = value
    return filled


def _read(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _create(path: Path) -> dict[str, str]:
    values = {
        "WECHAT_TOKEN": secrets.token_hex(12),
        "WECHAT_APPID": "wx" + secrets.token_hex(8),
        "WECHAT_AES_KEY": base64.b64encode(secrets.token_bytes(32)).decode()[:43],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    os.chmod(path, 0o600)
    return values
