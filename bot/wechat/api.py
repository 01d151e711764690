"""Outbound calls to the WeChat API, through wechatpy, every one with a timeout.

The access token comes from ``cgi-bin/stable_token``: every worker that asks gets the same
token until it expires, so several workers never invalidate each other's token (the
classic ``cgi-bin/token`` is used only where ``stable_token`` does not exist). The token
is cached in Redis when ``REDIS_URL`` is set, in memory otherwise.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage

from bot.errors import DeliveryError, WindowClosed
from bot.settings import WeChatSecrets

log = logging.getLogger(__name__)

#: errcodes meaning "not now, not this way": outside the 48-hour window, over its quota,
#: the resident unfollowed, or the openid is unknown. Retrying will not help.
WINDOW_ERRCODES = frozenset({45015, 45047, 43004, 40003})


class _Client(WeChatClient):
    """wechatpy's client with the stable token and a timeout on the token request too."""

    def __init__(self, secrets: WeChatSecrets, timeout: float, session: Any) -> None:
        super().__init__(secrets.appid, secrets.secret, session=session, timeout=timeout)
        self.API_BASE_URL = f"{secrets.api_base_url}/cgi-bin/"

    def fetch_access_token(self) -> dict[str, Any]:
        """POST cgi-bin/stable_token (GET cgi-bin/token where the former is missing)."""
        base = self.API_BASE_URL
        try:
            response = self._http.post(
                f"{base}stable_token", timeout=self.timeout,
                json={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            if response.status_code == 404:
                response = self._http.get(
                    f"{base}token", timeout=self.timeout,
                    params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            response.raise_for_status()
            result = response.json()
        except (requests.RequestException, ValueError) as error:
            raise DeliveryError(f"access token request failed: {error.__class__.__name__}") from None
        if result.get("errcode") or "access_token" not in result:
            raise DeliveryError(f"access token refused: errcode {result.get('errcode')}")
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return dict(result)


class WeChatApi:
    """The few API calls the bot makes."""

    def __init__(self, secrets: WeChatSecrets, timeout: float, redis_url: str = "") -> None:
        if not (secrets.appid and secrets.secret):
            raise ValueError("the WeChat API needs WECHAT_APPID and WECHAT_SECRET")
        self._client = _Client(secrets, timeout, _token_storage(redis_url))

    def send(self, openid: str, body: dict[str, Any]) -> None:
        """Send a customer-service message (POST cgi-bin/message/custom/send)."""
        try:
            self._client.post("message/custom/send", data={"touser": openid, **body})
        except WeChatClientException as error:
            if error.errcode in WINDOW_ERRCODES:
                raise WindowClosed(f"errcode {error.errcode}") from None
            raise DeliveryError(f"errcode {error.errcode}") from None
        except requests.RequestException as error:
            raise DeliveryError(error.__class__.__name__) from None


    def send_template(self, openid: str, template_id: str, data: dict[str, str], url: str = "") -> None:
        """Send a template message (POST cgi-bin/message/template/send); it needs no 48-hour window."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id,
                                "data": {name: {"value": value} for name, value in data.items()}}
        if url:
            body["url"] = url
        try:
            self._client.post("message/template/send", data=body)
        except WeChatClientException as error:
            if error.errcode in (43004, 40003):  # unfollowed, unknown openid
                raise WindowClosed(f"errcode {error.errcode}") from None
            raise DeliveryError(f"errcode {error.errcode}") from None
        except requests.RequestException as error:
            raise DeliveryError(error.__class__.__name__) from None


def _token_storage(redis_url: str) -> Any:
    if not redis_url:
        return MemoryStorage()
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return RedisStorage(client, prefix="linli")
