"""The forecast as the flow reads it, and the two providers that give it.

Each provider turns its own answer into the same :class:`DayForecast` rows (a condition code
of ours, the temperature range, rain, wind), so that nothing else knows which one spoke:

- :class:`OpenMeteo` — Open-Meteo's forecast API (``GET /v1/forecast``, no key), the default;
- :class:`QWeather` — QWeather's (和风天气) daily forecast (``GET /v7/weather/{3d|7d}``), used
  when the operator configures a key (``QWEATHER_KEY``).

A provider builds the request and reads the response; the HTTP call itself, its timeout,
the cache and the fallback live in :mod:`actions.weather.service`. Anything a provider cannot
read raises :class:`ProviderError` — a wrong answer is treated like no answer.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

OPEN_METEO_URL = "https://api.open-meteo.com"
QWEATHER_URL = "https://devapi.qweather.com"

#: Conditions that bring rain (an umbrella) and those that bring snow.
WET = frozenset({"drizzle", "rain", "heavy_rain", "shower", "thunder", "sleet"})
SNOWY = frozenset({"snow", "heavy_snow", "sleet"})
MURKY = frozenset({"fog", "haze", "dust"})

#: WMO weather interpretation codes (Open-Meteo's ``weather_code``) → our condition codes.
_WMO = {
    0: "clear", 1: "clear", 2: "cloudy", 3: "overcast", 45: "fog", 48: "fog",
    51: "drizzle", 53: "drizzle", 55: "drizzle", 56: "sleet", 57: "sleet",
    61: "rain", 63: "rain", 65: "heavy_rain", 66: "sleet", 67: "sleet",
    71: "snow", 73: "snow", 75: "heavy_snow", 77: "snow",
    80: "shower", 81: "shower", 82: "heavy_rain", 85: "snow", 86: "heavy_snow",
    95: "thunder", 96: "thunder", 99: "thunder",
}
#: QWeather's icon codes (``iconDay``) → our condition codes; see its 天气图标 table.
_QWEATHER = {
    **dict.fromkeys((100, 150), "clear"), **dict.fromkeys((101, 102, 103, 151, 152, 153), "cloudy"),
    **dict.fromkeys((104, 154), "overcast"), **dict.fromkeys((300, 301, 350, 351), "shower"),
    **dict.fromkeys((302, 303, 304), "thunder"), **dict.fromkeys((305, 306, 309, 314, 315, 399), "rain"),
    **dict.fromkeys((307, 308, 310, 311, 312, 316, 317, 318), "heavy_rain"),
    **dict.fromkeys((313, 404, 405, 406, 456), "sleet"), **dict.fromkeys((400, 401, 407, 408, 457, 499), "snow"),
    **dict.fromkeys((402, 403, 409, 410), "heavy_snow"), **dict.fromkeys((500, 501, 509, 510, 514, 515), "fog"),
    **dict.fromkeys((502, 511, 512, 513), "haze"), **dict.fromkeys((503, 504, 507, 508), "dust"),
}
#: Upper bounds (km/h) of Beaufort forces 0–11, as the Chinese 风力 scale counts them.
_BEAUFORT = (1, 6, 12, 20, 29, 39, 50, 62, 75, 89, 103, 118)


class ProviderError(Exception):
    """The provider answered, but not with a forecast we can read."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where the community is (WGS84)."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class DayForecast:
    """One local day: condition code, temperatures (℃), rain (chance % and mm), wind (km/h)."""

    day: date
    condition: str
    high: float
    low: float
    rain_chance: int | None
    rain_mm: float | None
    wind_kmh: float | None

    @property
    def wet(self) -> bool:
        return self.condition in WET

    @property
    def snowy(self) -> bool:
        return self.condition in SNOWY

    @property
    def wind_level(self) -> int | None:
        """风力 (Beaufort force) from the day's strongest wind."""
        if self.wind_kmh is None:
            return None
        return next((force for force, bound in enumerate(_BEAUFORT) if self.wind_kmh < bound), 12)


@dataclass(frozen=True, slots=True)
class Forecast:
    days: tuple[DayForecast, ...]
    fetched_at: datetime
    provider: str

    def on(self, day: date) -> DayForecast | None:
        return next((d for d in self.days if d.day == day), None)

    @property
    def last_day(self) -> date:
        return self.days[-1].day


class Provider(Protocol):
    name: str
    base_url: str

    def request(self, place: Place, days: int, zone: str) -> httpx.Request: ...

    def parse(self, response: httpx.Response, days: int) -> list[DayForecast]: ...


def base_url(value: str, *, strip: tuple[str, ...] = ()) -> str:
    """An http(s) base URL without a trailing slash (nor the API path, when one was given)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a weather API base URL must be an http(s) URL, not {value!r}")
    base = value.strip().rstrip("/")
    for tail in strip:
        if base.endswith(tail):
            base = base[: -len(tail)]
    return base


class OpenMeteo:
    """Open-Meteo's forecast API: ``GET /v1/forecast`` with daily variables in local days."""

    name = "open_meteo"
    DAILY = ("weather_code", "temperature_2m_max", "temperature_2m_min", "precipitation_probability_max",
             "precipitation_sum", "wind_speed_10m_max")

    def __init__(self, url: str = OPEN_METEO_URL) -> None:
        self.base_url = base_url(url, strip=("/v1/forecast", "/v1"))

    def request(self, place: Place, days: int, zone: str) -> httpx.Request:
        params = {"latitude": f"{place.latitude:.4f}", "longitude": f"{place.longitude:.4f}",
                  "daily": ",".join(self.DAILY), "timezone": zone, "forecast_days": str(days),
                  "wind_speed_unit": "kmh", "temperature_unit": "celsius", "precipitation_unit": "mm"}
        return httpx.Request("GET", f"{self.base_url}/v1/forecast", params=params)

    def parse(self, response: httpx.Response, days: int) -> list[DayForecast]:
        body = _json(response)
        if response.status_code != 200 or body.get("error"):
            raise ProviderError(f"Open-Meteo answered {response.status_code}: {str(body.get('reason', ''))[:200]}")
        daily = body.get("daily")
        if not isinstance(daily, Mapping):
            raise ProviderError("Open-Meteo's answer has no daily forecast")
        times = daily.get("time")
        if not isinstance(times, list) or not times:
            raise ProviderError("Open-Meteo's daily forecast has no days")
        columns: dict[str, list[Any]] = {}
        for name in self.DAILY:
            column = daily.get(name)
            if not isinstance(column, list) or len(column) != len(times):
                raise ProviderError(f"Open-Meteo's daily {name} does not match its days")
            columns[name] = column
        rows = []
        for index, stamp in enumerate(times[:days]):
            code = _number(columns["weather_code"][index])
            high = _number(columns["temperature_2m_max"][index])
            low = _number(columns["temperature_2m_min"][index])
            if high is None or low is None or code is None:
                continue  # a day the model has no values for yet: leave it out, do not guess
            chance = _number(columns["precipitation_probability_max"][index])
            rows.append(DayForecast(
                day=_day(stamp), condition=_WMO.get(int(code), "unknown"), high=high, low=low,
                rain_chance=None if chance is None else int(round(chance)),
                rain_mm=_number(columns["precipitation_sum"][index]),
                wind_kmh=_number(columns["wind_speed_10m_max"][index])))
        return _checked(rows)


class QWeather:
    """QWeather's daily forecast (``GET /v7/weather/7d``), by coordinates, key in a header.

    It gives no daily chance of rain, only the amount: the flow then judges rain by the
    condition and the millimetres."""

    name = "qweather"

    def __init__(self, key: str, url: str = QWEATHER_URL) -> None:
        if not key.strip():
            raise ValueError("QWeather needs a key (QWEATHER_KEY)")
        self.key = key.strip()
        self.base_url = base_url(url, strip=("/v7",))

    def request(self, place: Place, days: int, zone: str) -> httpx.Request:
        span = "3d" if days <= 3 else "7d"
        params = {"location": f"{place.longitude:.2f},{place.latitude:.2f}", "lang": "zh", "unit": "m"}
        return httpx.Request("GET", f"{self.base_url}/v7/weather/{span}", params=params,
                             headers={"X-QW-Api-Key": self.key})

    def parse(self, response: httpx.Response, days: int) -> list[DayForecast]:
        body = _json(response)
        if response.status_code != 200 or str(body.get("code")) != "200":
            raise ProviderError(f"QWeather answered {response.status_code} with code {str(body.get('code'))[:20]}")
        daily = body.get("daily")
        if not isinstance(daily, list) or not daily:
            raise ProviderError("QWeather's answer has no daily forecast")
        rows = []
        for item in daily[:days]:
            if not isinstance(item, Mapping):
                raise ProviderError("QWeather's daily forecast holds something that is not a day")
            high, low, icon = _number(item.get("tempMax")), _number(item.get("tempMin")), _number(item.get("iconDay"))
            if high is None or low is None or icon is None:
                continue
            rows.append(DayForecast(
                day=_day(item.get("fxDate")), condition=_QWEATHER.get(int(icon), "unknown"), high=high, low=low,
                rain_chance=None, rain_mm=_number(item.get("precip")), wind_kmh=_number(item.get("windSpeedDay"))))
        return _checked(rows)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(f"the weather provider answered {response.status_code} with something that is "
                            f"not JSON") from None
    if not isinstance(body, dict):
        raise ProviderError("the weather provider's answer is not a JSON object")
    return body


def _number(value: object) -> float | None:
    """A finite number from a JSON value (numbers, or numbers written as strings); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ProviderError("the weather provider gave true or false where a number belongs")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ProviderError(f"the weather provider gave {value[:20]!r} where a number belongs") from None
    else:
        raise ProviderError("the weather provider gave something that is not a number")
    if not math.isfinite(number) or abs(number) > 10_000:
        raise ProviderError("the weather provider gave a number out of any weather's range")
    return number


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ProviderError(f"the weather provider gave {str(value)[:20]!r} where a date belongs") from None


def _checked(rows: list[DayForecast]) -> list[DayForecast]:
    """Days in order, each once, with a low not above the high: anything else is not a forecast."""
    if not rows:
        raise ProviderError("the weather provider's forecast has no usable day")
    for earlier, later in zip(rows, rows[1:], strict=False):
        if later.day <= earlier.day:
            raise ProviderError("the weather provider's days are out of order")
    if any(row.low > row.high for row in rows):
        raise ProviderError("the weather provider gave a low above the high")
    return rows
