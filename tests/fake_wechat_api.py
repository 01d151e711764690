"""A stand-in for api.weixin.qq.com on localhost: tokens, customer-service and template messages,
the custom menu (menu/create, menu/get) and permanent QR codes (qrcode/create).

Tests point WECHAT_API_BASE_URL at it, script its answers (an errcode, an HTTP error, a
hang) and read what the bot sent.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeWeChatApi:
    def __init__(self, port: int = 0) -> None:
        self.sent: list[dict[str, Any]] = []
        self.templates: list[dict[str, Any]] = []
        self.token_requests = 0
        self.next_errors: list[int | str] = []  # errcodes, or "http500", or "hang"
        self.stable_token = True
        #: Every body menu/create received, and what menu/get answers (None: no menu, errcode 46003).
        self.menus: list[dict[str, Any]] = []
        self.live_menu: dict[str, Any] | None = None
        self.qrcodes: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []  # (path, access_token) of every menu and QR call
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, payload: dict[str, Any], status: int = 200) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                if url.path == "/cgi-bin/token":
                    api.token_requests += 1
                    self._json({"access_token": "TOKEN-classic", "expires_in": 7200})
                    return
                if url.path == "/cgi-bin/menu/get":
                    api.calls.append((url.path, parse_qs(url.query).get("access_token", [""])[0]))
                    if api.live_menu is None:
                        self._json({"errcode": 46003, "errmsg": "menu no exist"})
                    else:
                        self._json({"menu": api.live_menu})
                    return
                self._json({"errcode": 404}, status=404)

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if url.path == "/cgi-bin/stable_token" and api.stable_token:
                    api.token_requests += 1
                    self._json({"access_token": "TOKEN-stable", "expires_in": 7200})
                    return
                if url.path in ("/cgi-bin/menu/create", "/cgi-bin/qrcode/create"):
                    api.calls.append((url.path, parse_qs(url.query).get("access_token", [""])[0]))
                    if api.next_errors:
                        self._json({"errcode": api.next_errors.pop(0), "errmsg": "scripted"})
                        return
                if url.path == "/cgi-bin/menu/create":
                    api.menus.append(body)
                    api.live_menu = _as_menu_get(body)
                    self._json({"errcode": 0, "errmsg": "ok"})
                    return
                if url.path == "/cgi-bin/qrcode/create":
                    api.qrcodes.append(body)
                    ticket = f"gQH47joAAAAAAAAAASxodHRwOi8v/{len(api.qrcodes)}+=="
                    self._json({"ticket": ticket, "url": f"http://weixin.qq.com/q/fake{len(api.qrcodes)}"})
                    return
                if url.path == "/cgi-bin/message/template/send":
                    api.templates.append(body)
                    self._json({"errcode": 0, "errmsg": "ok", "msgid": len(api.templates)})
                    return
                if url.path == "/cgi-bin/message/custom/send":
                    token = parse_qs(url.query).get("access_token", [""])[0]
                    if api.next_errors:
                        error = api.next_errors.pop(0)
                        if error == "hang":
                            time.sleep(3)
                            self._json({"errcode": 0})
                            return
                        if error == "http500":
                            self._json({"errmsg": "boom"}, status=500)
                            return
                        self._json({"errcode": error, "errmsg": "scripted"})
                        return
                    api.sent.append({"token": token, **body})
                    self._json({"errcode": 0, "errmsg": "ok"})
                    return
                self._json({"errcode": 404}, status=404)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeWeChatApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _as_menu_get(created: dict[str, Any]) -> dict[str, Any]:
    """What menu/get answers for a menu made by menu/create: every entry carries a ``sub_button``."""
    def entry(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "sub_button": [entry(sub) for sub in item.get("sub_button", [])]}

    return {"button": [entry(button) for button in created.get("button", [])]}
