"""The forecast behind the weather flow: what is asked of the providers, how their answers are
read, and the service around them — one outbound call for many questions, one call at a time
per key, bounded waits, and the last good forecast when the provider fails."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import httpx
import pytest

from actions.weather.forecast import OpenMeteo, Place, ProviderError, QWeather
from actions.weather.service import WeatherService
from tests.fake_weather import RAINY_DAY, open_meteo_body

TODAY = date(2026, 11, 25)
PLACE = Place(31.25, 121.40)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Provider:
    """Open-Meteo behind an httpx.MockTransport, with a scripted status, body and delay."""

    def __init__(self, body: dict | None = None) -> None:
        self.body = body or open_meteo_body(TODAY)
        self.status = 200
        self.raw: bytes | None = None
        self.delay = 0.0
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        if self.raw is not None:
            return httpx.Response(self.status, content=self.raw)
        return httpx.Response(self.status, json=self.body)

    def service(self, clock: Clock | None = None, **options: float) -> WeatherService:
        settings = {"timeout": 1.0, "fresh_for": 1800.0, "retry_after": 60.0, **options}
        return WeatherService(OpenMeteo("https://open-meteo.test"), timeout=settings["timeout"],
                              fresh_for=settings["fresh_for"], retry_after=settings["retry_after"],
                              stale_for=timedelta(hours=24), transport=httpx.MockTransport(self.handle),
                              clock=clock or Clock())


# --- what the providers are asked, and how their answers are read -----------------------------

def test_open_meteo_is_asked_for_the_daily_fields_of_seven_local_days() -> None:
    request = OpenMeteo("https://api.open-meteo.com/").request(PLACE, 7, "Asia/Shanghai")
    assert request.url.path == "/v1/forecast" and request.url.host == "api.open-meteo.com"
    params = request.url.params
    assert set(params["daily"].split(",")) == {
        "temperature_2m_max", "temperature_2m_min", "precipitation_probability_max", "precipitation_sum",
        "weather_code", "wind_speed_10m_max"}
    assert params["timezone"] == "Asia/Shanghai" and params["forecast_days"] == "7"
    assert (float(params["latitude"]), float(params["longitude"])) == (31.25, 121.40)


def test_a_base_url_given_with_the_api_path_is_used_as_the_base() -> None:
    assert OpenMeteo("http://127.0.0.1:8099/v1/forecast").base_url == "http://127.0.0.1:8099"
    with pytest.raises(ValueError):
        OpenMeteo("api.open-meteo.com")


def test_open_meteo_days_are_read_into_our_conditions_and_wind_force() -> None:
    body = open_meteo_body(TODAY, d1=RAINY_DAY, d2={"weather_code": 75, "wind_speed_10m_max": 45.0})
    days = OpenMeteo().parse(httpx.Response(200, json=body), 7)
    assert [d.day for d in days] == [TODAY + timedelta(days=i) for i in range(7)]
    today, tomorrow, after = days[:3]
    assert (today.condition, today.high, today.low, today.rain_chance) == ("cloudy", 22.0, 15.0, 5)
    assert tomorrow.condition == "rain" and tomorrow.wet and tomorrow.rain_mm == 14.2
    assert after.condition == "heavy_snow" and after.snowy and after.wind_level == 6


def test_a_day_the_model_has_no_values_for_is_left_out() -> None:
    body = open_meteo_body(TODAY)
    body["daily"]["temperature_2m_max"][6] = None
    assert len(OpenMeteo().parse(httpx.Response(200, json=body), 7)) == 6


@pytest.mark.parametrize("answer", [
    httpx.Response(500, json={"error": True, "reason": "Internal Server Error"}),
    httpx.Response(400, json={"error": True, "reason": "Cannot initialize WeatherVariable from invalid String"}),
    httpx.Response(200, content=b"<html>502 Bad Gateway</html>"),
    httpx.Response(200, json=[1, 2, 3]),
    httpx.Response(200, json={"daily": {"time": ["2026-11-25"], "weather_code": [2]}}),
    httpx.Response(200, json={"daily": {"time": [], "weather_code": []}}),
    httpx.Response(200, json=open_meteo_body(TODAY, d0={"temperature_2m_max": "hot"})),
    httpx.Response(200, json=open_meteo_body(TODAY, d0={"temperature_2m_min": 30.0})),
    httpx.Response(200, json=open_meteo_body(TODAY, d0={"temperature_2m_max": 1e9})),
])
def test_anything_that_is_not_a_forecast_is_a_provider_error(answer: httpx.Response) -> None:
    with pytest.raises(ProviderError):
        OpenMeteo().parse(answer, 7)


def test_qweather_is_asked_by_coordinates_with_the_key_in_a_header() -> None:
    request = QWeather("secret-key", "https://abc123.re.qweatherapi.com/").request(PLACE, 7, "Asia/Shanghai")
    assert str(request.url).startswith("https://abc123.re.qweatherapi.com/v7/weather/7d?")
    assert request.url.params["location"] == "121.40,31.25"
    assert request.headers["X-QW-Api-Key"] == "secret-key" and "secret-key" not in str(request.url)


def test_qweather_days_are_read_without_a_chance_of_rain() -> None:
    body = {"code": "200", "updateTime": "2026-11-25T08:35+08:00", "daily": [
        {"fxDate": "2026-11-25", "tempMax": "12", "tempMin": "6", "iconDay": "305", "textDay": "小雨",
         "windScaleDay": "3-4", "windSpeedDay": "20", "precip": "3.5"},
        {"fxDate": "2026-11-26", "tempMax": "9", "tempMin": "0", "iconDay": "101", "textDay": "多云",
         "windScaleDay": "1-2", "windSpeedDay": "8", "precip": "0.0"}]}
    days = QWeather("k").parse(httpx.Response(200, json=body), 7)
    assert [(d.condition, d.high, d.low, d.rain_chance, d.rain_mm, d.wind_level) for d in days] == [
        ("rain", 12.0, 6.0, None, 3.5, 4), ("cloudy", 9.0, 0.0, None, 0.0, 2)]
    with pytest.raises(ProviderError):
        QWeather("k").parse(httpx.Response(200, json={"code": "401"}), 7)


# --- the service ------------------------------------------------------------------------------

def test_many_questions_make_one_outbound_call() -> None:
    provider = Provider()
    service = provider.service()
    lookups = [service.lookup(PLACE, TODAY, wait=1.0) for _ in range(20)]
    assert all(lookup.fresh and lookup.forecast is not None for lookup in lookups)
    assert len(provider.requests) == 1 and service.calls == 1


def test_the_cache_expires_and_a_new_day_is_a_new_key() -> None:
    provider, clock = Provider(), Clock()
    service = provider.service(clock, fresh_for=1800.0)
    service.lookup(PLACE, TODAY, wait=1.0)
    clock.now += 1700
    service.lookup(PLACE, TODAY, wait=1.0)
    assert len(provider.requests) == 1
    clock.now += 200
    service.lookup(PLACE, TODAY, wait=1.0)
    assert len(provider.requests) == 2
    service.lookup(PLACE, TODAY + timedelta(days=1), wait=1.0)
    assert len(provider.requests) == 3


def test_concurrent_questions_wait_for_one_single_call() -> None:
    provider = Provider()
    provider.delay = 0.3
    service = provider.service()
    start = threading.Barrier(12)
    results: list = []

    def ask() -> None:
        start.wait()
        results.append(service.lookup(PLACE, TODAY, wait=2.0))

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(results) == 12 and all(r.fresh and r.forecast is not None for r in results)
    assert len(provider.requests) == 1


def test_a_failing_provider_is_left_alone_for_a_while_then_asked_again() -> None:
    provider, clock = Provider(), Clock()
    provider.status = 500
    service = provider.service(clock, retry_after=60.0)
    first = service.lookup(PLACE, TODAY, wait=1.0)
    assert first.forecast is None and not first.fresh
    service.lookup(PLACE, TODAY, wait=1.0)
    assert len(provider.requests) == 1  # within retry_after: no new call
    provider.status = 200
    clock.now += 61
    assert service.lookup(PLACE, TODAY, wait=1.0).fresh
    assert len(provider.requests) == 2


def test_when_the_provider_fails_the_last_good_forecast_is_given_as_stale() -> None:
    provider, clock = Provider(), Clock()
    service = provider.service(clock, fresh_for=600.0, retry_after=0.0)
    good = service.lookup(PLACE, TODAY, wait=1.0).forecast
    clock.now += 601
    provider.raw, provider.status = b"not json", 200
    stale = service.lookup(PLACE, TODAY, wait=1.0)
    assert stale.forecast == good and not stale.fresh
    assert len(provider.requests) == 2


def test_a_hanging_provider_costs_a_question_only_its_wait_and_a_late_answer_fills_the_cache() -> None:
    provider = Provider()
    provider.delay = 0.8
    service = provider.service(timeout=2.0)
    started = time.monotonic()
    lookup = service.lookup(PLACE, TODAY, wait=0.2)
    assert time.monotonic() - started < 0.5
    assert lookup.forecast is None
    time.sleep(0.9)  # the call finishes in its own thread
    late = service.lookup(PLACE, TODAY, wait=0.0)
    assert late.fresh and late.forecast is not None and len(provider.requests) == 1


def test_a_call_that_times_out_fails_and_is_not_repeated_at_once() -> None:
    calls: list[httpx.Request] = []

    def timing_out(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    service = WeatherService(OpenMeteo("https://open-meteo.test"), timeout=0.2, fresh_for=1800, retry_after=60,
                             stale_for=timedelta(hours=24), transport=httpx.MockTransport(timing_out))
    assert service.lookup(PLACE, TODAY, wait=1.0).forecast is None
    assert service.lookup(PLACE, TODAY, wait=1.0).forecast is None
    assert len(calls) == 1
