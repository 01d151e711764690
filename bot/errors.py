"""The bot's exceptions.

::

    BotError
    ├── SettingsError        a setting is missing or malformed; start-up stops with its message
    ├── BadRequest           a request WeChat would never send (caught at the webhook: 4xx)
    │   ├── BadSignature     signature / msg_signature / stale timestamp (403)
    │   ├── BadMessage       body is not a WeChat message, or cannot be decrypted (400)
    │   └── BodyTooLarge     body over the configured limit (413)
    ├── BindingRequired      an action needs a bound household (the engine asks to bind)
    └── DeliveryError        the WeChat API did not take an outbound message
        └── WindowClosed     outside the 48-hour window or over its quota (the message is held)
"""
from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""


class SettingsError(BotError):
    """A setting is missing or malformed; the message is one sentence for the operator."""


class BadRequest(BotError):
    status_code = 400


class BadSignature(BadRequest):
    status_code = 403


class BadMessage(BadRequest):
    status_code = 400


class BodyTooLarge(BadRequest):
    status_code = 413


class BindingRequired(BotError):
    """Raised by ``Context.require_household`` when the resident has not bound a household yet.

    ``form`` is the form that binds one; the engine starts it and resumes ``intent`` after."""

    def __init__(self, intent: str | None, form: str = "bind_household") -> None:
        super().__init__(f"binding required for {intent}")
        self.intent = intent
        self.form = form


class DeliveryError(BotError):
    """The WeChat API refused or did not answer; worth retrying later. ``errcode`` is WeChat's,
    when it answered with one."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class WindowClosed(DeliveryError):
    """WeChat will not take a customer-service message now (48 hours passed, or quota used)."""
