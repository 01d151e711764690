"""生活查询 — the weather: today, tomorrow, a named day or the weekend, answered as asked
(要带伞吗 → rain first, 冷不冷 → temperature first), with one line of advice an elderly reader
can act on; and, for residents who ask, the day's weather every morning.

The forecast comes from Open-Meteo (``WEATHER_API_BASE_URL``, default the public API), or from
QWeather when ``QWEATHER_KEY`` is set (``QWEATHER_API_BASE_URL`` or ``weather.qweather_base_url``).
How it is fetched without ever delaying a reply: :mod:`actions.weather.service`. The flow's words
are the ``weather`` section of responses.yml, its settings the ``weather`` section of config.yml,
its data (the morning subscriptions) ``store/weather.py``.
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator

from actions.weather.forecast import OPEN_METEO_URL, QWEATHER_URL, OpenMeteo, Place, Provider, QWeather
from actions.weather.service import WeatherService
from bot.dialogue import Flow, FlowSettings, MenuEntry
from bot.errors import SettingsError

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class WeatherSettings(FlowSettings):
    #: The community's coordinates (WGS84); the defaults are in 上海普陀.
    latitude: float = Field(31.25, ge=-90, le=90)
    longitude: float = Field(121.40, ge=-180, le=180)
    #: How the bot names the place in its answers (default: ``community.city``).
    place: str = ""
    #: ``auto``: QWeather when QWEATHER_KEY is set, Open-Meteo otherwise.
    provider: Literal["auto", "open_meteo", "qweather"] = "auto"
    qweather_base_url: str = QWEATHER_URL
    forecast_days: int = Field(7, ge=3, le=7)
    #: The outbound call's timeout, well inside the reply budget.
    timeout_seconds: float = Field(1.5, gt=0, le=3)
    #: Time kept back from the reply budget for everything after the forecast arrives.
    reply_margin_seconds: float = Field(1.0, ge=0, le=3)
    cache_minutes: float = Field(30, gt=0, le=360)
    #: After a failed call the provider is left alone this long (answers use what is kept).
    retry_after_failure_seconds: float = Field(60, ge=0)
    #: A kept forecast older than this is not offered when the provider is down.
    stale_hours: float = Field(24, gt=0)
    #: Refresh the forecast in the background before it expires, so residents rarely wait.
    keep_warm: bool = True
    # --- advice thresholds ---------------------------------------------------------------
    #: 带伞 from this chance of rain (%), or this many millimetres.
    umbrella_chance: int = Field(50, ge=0, le=100)
    umbrella_mm: float = Field(1.0, ge=0)
    #: "might rain" from this chance (%).
    maybe_rain_chance: int = Field(30, ge=0, le=100)
    #: 添衣 when the low is under this (℃), or the high drops this much from the day before.
    cold_below: float = 10
    chilly_drop: float = Field(6, gt=0)
    #: "cool" when the high is under this; "warm" from this high; 防暑 from this high (℃).
    cool_below: float = 18
    warm_above: float = 28
    hot_above: float = 33
    #: 防滑 when the low is at or under this (℃) on a day with rain or snow.
    icy_below: float = 1
    #: 风大 from this 风力 (Beaufort force).
    windy_level: int = Field(6, ge=1, le=12)
    # --- morning push ----------------------------------------------------------------------
    morning_push: bool = True
    #: When the morning weather goes out (local time, "HH:MM"), and how long after that it
    #: may still go (a server that was down at 7:00 sends it at 7:20, not at 15:00).
    push_time: time = time(7, 0)
    push_window_minutes: int = Field(120, ge=5, le=720)
    #: Places that are not here: weather asked for them is answered honestly, not with ours.
    other_places: list[str] = Field(default_factory=lambda: [
        "北京", "天津", "重庆", "广州", "深圳", "杭州", "南京", "苏州", "无锡", "宁波", "温州", "武汉", "成都",
        "西安", "昆明", "大理", "丽江", "哈尔滨", "沈阳", "长春", "大连", "青岛", "济南", "郑州", "长沙", "南昌",
        "福州", "厦门", "合肥", "南宁", "桂林", "海口", "三亚", "贵阳", "兰州", "西宁", "银川", "乌鲁木齐",
        "拉萨", "呼和浩特", "石家庄", "太原", "香港", "澳门", "台北", "东京", "大阪", "首尔", "纽约", "伦敦",
        "巴黎", "悉尼", "新加坡", "美国", "日本", "韩国", "澳大利亚", "加拿大", "英国", "法国", "德国", "老家",
        "外地"])

    _service: WeatherService | None = PrivateAttr(default=None)
    _guard: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @field_validator("push_time", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> Any:
        if isinstance(value, time):
            return value
        match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError('write the time in quotes as "HH:MM", such as "07:00"')
        return time(int(match.group(1)), int(match.group(2)))

    @property
    def place_point(self) -> Place:
        return Place(self.latitude, self.longitude)

    def service(self, zone: str = "Asia/Shanghai") -> WeatherService:
        """The forecast service of this running bot (one per settings, so per runtime)."""
        with self._guard:
            if self._service is None:
                self._service = WeatherService(
                    make_provider(self, os.environ), timeout=self.timeout_seconds,
                    fresh_for=self.cache_minutes * 60, retry_after=self.retry_after_failure_seconds,
                    stale_for=timedelta(hours=self.stale_hours), days=self.forecast_days, zone=zone)
            return self._service

    def use_service(self, service: WeatherService) -> None:
        """Put a service in place (a provider behind another transport, another clock)."""
        with self._guard:
            self._service = service


def make_provider(settings: WeatherSettings, env: Mapping[str, str]) -> Provider:
    """QWeather when chosen (or when a key is set and the choice is ``auto``), Open-Meteo otherwise."""
    key = env.get("QWEATHER_KEY", "").strip()
    try:
        if settings.provider == "qweather" or (settings.provider == "auto" and key):
            if not key:
                raise SettingsError("weather.provider is qweather, but QWEATHER_KEY is not set.")
            return QWeather(key, env.get("QWEATHER_API_BASE_URL", "").strip() or settings.qweather_base_url)
        return OpenMeteo(env.get("WEATHER_API_BASE_URL", "").strip() or OPEN_METEO_URL)
    except ValueError as error:
        raise SettingsError(f"The weather provider cannot be used: {error}.") from None


flow: Flow[WeatherSettings] = Flow("weather", settings=WeatherSettings, menu=[MenuEntry("weather", order=60)])

from actions.weather import answer, push  # noqa: E402,F401  (they register on the flow)
