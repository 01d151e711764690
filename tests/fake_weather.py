"""A stand-in for Open-Meteo: the forecast it would give, as JSON, over httpx.MockTransport or
on localhost (tests point WEATHER_API_BASE_URL at it), with scripted failures — a 500, a
body that is not a forecast, a hang longer than any reply budget.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: A mild, dry day unless a test says otherwise.
FINE_DAY = {"weather_code": 2, "temperature_2m_max": 22.0, "temperature_2m_min": 15.0,
            "precipitation_probability_max": 5, "precipitation_sum": 0.0, "wind_speed_10m_max": 10.0}
RAINY_DAY = {"weather_code": 63, "temperature_2m_max": 12.0, "temperature_2m_min": 8.0,
             "precipitation_probability_max": 90, "precipitation_sum": 14.2, "wind_speed_10m_max": 18.0}
COLD_DAY = {"weather_code": 3, "temperature_2m_max": 4.0, "temperature_2m_min": -2.0,
            "precipitation_probability_max": 10, "precipitation_sum": 0.0, "wind_speed_10m_max": 25.0}


def local_today() -> date:
    return datetime.now(SHANGHAI).date()


def open_meteo_body(today: date | None = None, days: int = 7, **by_offset: dict[str, Any]) -> dict[str, Any]:
    """Open-Meteo's answer for ``days`` local days from ``today``; ``d1=RAINY_DAY`` makes
    tomorrow rainy (``d0`` is today)."""
    start = today or local_today()
    rows = [{**FINE_DAY, **by_offset.get(f"d{i}", {})} for i in range(days)]
    daily: dict[str, Any] = {"time": [(start + timedelta(days=i)).isoformat() for i in range(days)]}
    for name in FINE_DAY:
        daily[name] = [row[name] for row in rows]
    units = {"time": "iso8601", "weather_code": "wmo code", "temperature_2m_max": "°C", "temperature_2m_min": "°C",
             "precipitation_probability_max": "%", "precipitation_sum": "mm", "wind_speed_10m_max": "km/h"}
    return {"latitude": 31.25, "longitude": 121.4, "generationtime_ms": 0.2, "utc_offset_seconds": 28800,
            "timezone": "Asia/Shanghai", "timezone_abbreviation": "GMT+8", "elevation": 4.0,
            "daily_units": units, "daily": daily}


class FakeOpenMeteo:
    """Scripted answers: ``mode`` is ``ok``, ``500``, ``garbage`` or ``hang``; ``delay`` slows
    every answer down; ``requests`` records each query (parsed)."""

    def __init__(self, body: dict[str, Any] | None = None, *, hang_seconds: float = 8.0) -> None:
        self.body = body
        self.mode = "ok"
        self.delay = 0.0
        self.hang_seconds = hang_seconds
        self.requests: list[dict[str, list[str]]] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                with fake._lock:
                    fake.requests.append(parse_qs(url.query))
                status, payload = fake.answer(url.path)
                if fake.mode == "hang":
                    time.sleep(fake.hang_seconds)
                elif fake.delay:
                    time.sleep(fake.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting: nothing to answer
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, bytes]:
        if path != "/v1/forecast":
            return 404, b'{"error": true, "reason": "Not Found"}'
        if self.mode == "500":
            return 500, b'{"error": true, "reason": "Internal Server Error"}'
        if self.mode == "garbage":
            return 200, b"<html>Bad gateway</html>"
        return 200, json.dumps(self.body or open_meteo_body()).encode()

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeOpenMeteo:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def mock_transport(body: dict[str, Any] | None = None, *, status: int = 200, delay: float = 0.0,
                   calls: list[httpx.Request] | None = None) -> httpx.MockTransport:
    """An httpx transport answering like Open-Meteo (``calls`` collects the requests made)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(request)
        if delay:
            time.sleep(delay)
        return httpx.Response(status, json=body if body is not None else open_meteo_body())

    return httpx.MockTransport(handle)
