"""Paying inside WeChat (WeChat Pay API v3, JSAPI): bills now, the party fee the same way later.

- :mod:`bot.pay.settings` — the merchant settings, from environment variables;
- :mod:`bot.pay.links` — signed, expiring links to the payment page;
- :mod:`bot.pay.kinds` — what can be paid, registered by the flows that own it;
- :mod:`bot.pay.client` — the pay API through ``wechatpayv3``;
- :mod:`bot.pay.web` — the payment page and the payment notifications;
- orders are kept by :mod:`store.payments`.

A flow offers a payment with :func:`payment_link` and learns of it through its kind's ``settle``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.pay.kinds import Payable, PayableKind, kind_named, register
from bot.pay.links import PayLink, make_token
from bot.pay.settings import PaySettings, current


def payment_link(kind: str, reference_id: int, openid: str, now: datetime, lifetime: timedelta) -> str | None:
    """A link to the payment page for ``openid`` to pay that thing, or None when paying in
    WeChat is not configured."""
    settings = current()
    if settings is None:
        return None
    token = make_token(settings.link_secret, PayLink(kind, reference_id, openid, now + lifetime))
    return settings.page_url(token)


__all__ = ["Payable", "PayableKind", "PaySettings", "current", "kind_named", "payment_link", "register"]
