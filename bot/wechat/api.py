"""Outbound calls to the WeChat API, through wechatpy, every one with a timeout.

The access token comes from ``cgi-bin/stable_token``: every worker that asks gets the same
token until it expires, so several workers never invalidate each other's token (the
classic ``cgi-bin/token`` is used only where ``stable_token`` does not exist). The token
is cached in Redis when ``REDIS_URL`` is set, in memory otherwise.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

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
#: menu/get: the account has no custom menu.
NO_MENU = 46003
#: Pictures of QR codes are served here, by ticket (no access token needed).
SHOW_QRCODE = "https://mp.weixin.qq.com/cgi-bin/showqrcode"


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


    # --- the custom menu and QR codes (operator commands) -------------------------------------
    def create_menu(self, menu: dict[str, Any]) -> None:
        """Publish the custom menu (POST cgi-bin/menu/create); it replaces the one that was live."""
        self._call("post", "menu/create", data=menu)

    def get_menu(self) -> dict[str, Any] | None:
        """The custom menu that is live (GET cgi-bin/menu/get), or None when there is none (46003)."""
        try:
            return self._call("get", "menu/get")
        except DeliveryError as error:
            if error.errcode == NO_MENU:
                return None
            raise

    def create_qrcode(self, scene: str) -> QrCode:
        """A permanent QR code carrying ``scene`` (POST cgi-bin/qrcode/create, QR_LIMIT_STR_SCENE)."""
        result = self._call("post", "qrcode/create", data={
            "action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": scene}}})
        ticket = str(result.get("ticket") or "")
        if not ticket:
            raise DeliveryError("qrcode/create answered without a ticket")
        return QrCode(scene=scene, ticket=ticket, content=str(result.get("url") or ""))

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        try:
            result = self._client.post(endpoint, **kwargs) if method == "post" else self._client.get(endpoint,
                                                                                                    **kwargs)
        except WeChatClientException as error:
            raise DeliveryError(f"errcode {error.errcode}: {error.errmsg}", errcode=error.errcode) from None
        except requests.RequestException as error:
            raise DeliveryError(error.__class__.__name__) from None
        if not isinstance(result, dict):
            raise DeliveryError(f"{endpoint} answered something that is not JSON")
        return result


@dataclass(frozen=True, slots=True)
class QrCode:
    """A permanent QR code: its scene, its ticket, and what it encodes (``content``)."""

    scene: str
    ticket: str
    content: str = ""

    @property
    def image_url(self) -> str:
        """Where the picture of the code is (GET mp.weixin.qq.com/cgi-bin/showqrcode?ticket=…)."""
        return f"{SHOW_QRCODE}?ticket={quote(self.ticket, safe='')}"


def _token_storage(redis_url: str) -> Any:
    if not redis_url:
        return MemoryStorage()
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return SharedTokenStorage(RedisStorage(client, prefix="linli"), redis.RedisError)


class SharedTokenStorage:
    """The access token shared through Redis, and kept in this worker's memory while Redis is
    gone: with ``stable_token`` every worker that fetches a token gets the same one, so a worker
    that cannot reach Redis fetches its own and nobody's token is invalidated. Redis is asked
    again ``RETRY_SECONDS`` after it failed, not on every call (each failure costs a timeout)."""

    RETRY_SECONDS = 30.0

    def __init__(self, shared: Any, failure: type[Exception] | tuple[type[Exception], ...]) -> None:
        self._shared = shared
        self._failure = failure
        self._local = MemoryStorage()
        self._retry_at = 0.0

    def get(self, key: str, default: Any = None) -> Any:
        if self._usable():
            try:
                return self._shared.get(key, default)
            except self._failure as error:
                self._failed(error)
        return self._local.get(key, default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self._local.set(key, value, ttl)
        if self._usable():
            try:
                self._shared.set(key, value, ttl)
            except self._failure as error:
                self._failed(error)

    def delete(self, key: str) -> None:
        self._local.delete(key)
        if self._usable():
            try:
                self._shared.delete(key)
            except self._failure as error:
                self._failed(error)

    def _usable(self) -> bool:
        return time.monotonic() >= self._retry_at

    def _failed(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + self.RETRY_SECONDS
        log.warning("Redis is unavailable (%s): the access token is kept in this worker's memory for now",
                    error.__class__.__name__)
