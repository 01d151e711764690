"""Masking personal data in logs and replies: phone numbers and openids."""
from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def mask_phone(text: str) -> str:
    """139****5678 for every mobile number in ``text``."""
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_openid(openid: str) -> str:
    """Enough of an openid to tell residents apart in a log, not enough to message them."""
    if len(openid) <= 8:
        return openid[:2] + "…"
    return f"{openid[:4]}…{openid[-4:]}"


class PhoneMaskingFilter(logging.Filter):
    """Masks phone numbers in every log record, whatever the logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phone(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (``LOG_FORMAT=json``): time, level, logger, message, and the
    message key and masked openid when the line is about one message."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ("msg_key", "openid"):
            value = getattr(record, field, None)
            if value:
                entry[field] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, fmt: str | None = None) -> None:
    """Log lines to stderr with phone numbers masked; ``fmt`` (or ``LOG_FORMAT``) ``json`` for
    one JSON object per line, the default is plain text."""
    import os

    handler = logging.StreamHandler()
    if (fmt or os.environ.get("LOG_FORMAT", "text")).lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PhoneMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "apscheduler.executors.default", "apscheduler.scheduler", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
