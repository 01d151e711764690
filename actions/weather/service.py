"""Getting the forecast without ever making a resident wait past the reply budget.

- **Cache.** A forecast is kept per (provider, place, local day) for ``fresh_for`` seconds:
  many questions, one outbound call. A new day is a new key, so "today" never means yesterday.
- **Single flight.** One call at a time per key: questions arriving while it is under way
  (the webhook answers residents in a thread pool) wait for that same call.
- **Bounded waiting.** The call runs in a thread of its own with an explicit httpx timeout;
  each question waits for it at most as long as it can afford (``wait``), so a provider that
  hangs costs a question that much and no more. A late answer still fills the cache.
- **Honest fallback.** When the provider fails, hangs or answers garbage, the question gets
  the last good forecast (stale, and said to be so) or nothing; and the provider is left
  alone for ``retry_after`` seconds, so that a dead provider does not slow every question.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx

from actions.weather.forecast import Forecast, Place, Provider, ProviderError
from store.clock import utcnow

log = logging.getLogger(__name__)

_Key = tuple[str, str, float, float, date]
_PlaceKey = tuple[str, str, float, float]


class Unavailable(Exception):
    """The provider could not be asked, or said nothing we can read."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a question gets: a forecast (None when there is none to give) and whether it is
    fresh (fetched for today within the cache time) or the last good one, kept from earlier."""

    forecast: Forecast | None
    fresh: bool


@dataclass(frozen=True, slots=True)
class _Entry:
    forecast: Forecast
    stored: float  # the service clock's time when it arrived


class WeatherService:
    def __init__(self, provider: Provider, *, timeout: float, fresh_for: float, retry_after: float,
                 stale_for: timedelta, days: int = 7, zone: str = "Asia/Shanghai",
                 transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = utcnow) -> None:
        self.provider = provider
        self.timeout = timeout
        self.fresh_for = fresh_for
        self.retry_after = retry_after
        self.stale_for = stale_for
        self.days = days
        self.zone = zone
        self._clock = clock
        self._now = now
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False,
                                    headers={"User-Agent": "linli-assistant/1.0 (community weather)"})
        self._lock = threading.Lock()
        self._fresh: dict[_Key, _Entry] = {}
        self._last_good: dict[_PlaceKey, Forecast] = {}
        self._inflight: dict[_Key, Future[Forecast]] = {}
        self._failed_at: dict[_Key, float] = {}
        #: Outbound calls made so far (operators' logs and tests read it).
        self.calls = 0

    def lookup(self, place: Place, today: date, wait: float, *, max_age: float | None = None,
               fetch: bool = True) -> Lookup:
        """The forecast for ``place`` as of local day ``today``, waiting at most ``wait`` seconds
        for the provider. ``max_age`` (seconds) asks for a fresher copy than the cache keeps;
        ``fetch=False`` answers from what is kept (or under way) without calling the provider."""
        key = self._key(place, today)
        limit = self.fresh_for if max_age is None else min(self.fresh_for, max_age)
        with self._lock:
            entry = self._fresh.get(key)
            if entry is not None and self._clock() - entry.stored < limit:
                return Lookup(entry.forecast, fresh=True)
            future = self._inflight.get(key)
            if future is None and not fetch:
                return self._fallback(place)
            if future is None:
                failed = self._failed_at.get(key)
                if failed is not None and self._clock() - failed < self.retry_after:
                    return self._fallback(place)
                future = self._start(key, place)
        try:
            return Lookup(future.result(timeout=max(wait, 0.0)), fresh=True)
        except TimeoutError:
            log.warning("weather: %s did not answer within %.1fs; answering without it", self.provider.name, wait)
        except Unavailable:
            pass  # logged where it happened
        with self._lock:
            return self._fallback(place)

    def _key(self, place: Place, today: date) -> _Key:
        return (self.provider.name, self.provider.base_url, place.latitude, place.longitude, today)

    def _fallback(self, place: Place) -> Lookup:
        """The last good forecast for the place, while it is not too old to be worth saying."""
        last = self._last_good.get((self.provider.name, self.provider.base_url, place.latitude, place.longitude))
        if last is not None and self._now() - last.fetched_at <= self.stale_for:
            return Lookup(last, fresh=False)
        return Lookup(None, fresh=False)

    def _start(self, key: _Key, place: Place) -> Future[Forecast]:
        """Begin the one call for ``key`` (the lock is held)."""
        future: Future[Forecast] = Future()
        self._inflight[key] = future
        self.calls += 1
        threading.Thread(target=self._fetch, args=(key, place, future), name="weather-fetch", daemon=True).start()
        return future

    def _fetch(self, key: _Key, place: Place, future: Future[Forecast]) -> None:
        """The outbound call: a forecast into the cache, or a failure remembered for a while."""
        try:
            response = self._client.send(self.provider.request(place, self.days, self.zone))
            days = self.provider.parse(response, self.days)
            forecast = Forecast(tuple(days), self._now(), self.provider.name)
        except (httpx.HTTPError, ProviderError) as error:
            self._failed(key, future, f"{error.__class__.__name__}: {error}")
            return
        except Exception as error:  # a worker thread's boundary: the waiters must hear back
            log.exception("weather: reading %s's forecast failed unexpectedly", self.provider.name)
            self._failed(key, future, f"{error.__class__.__name__}: {error}")
            return
        with self._lock:
            self._fresh[key] = _Entry(forecast, self._clock())
            self._last_good[key[:4]] = forecast
            self._failed_at.pop(key, None)
            self._inflight.pop(key, None)
            self._forget_old(key[4])
        future.set_result(forecast)

    def _failed(self, key: _Key, future: Future[Forecast], reason: str) -> None:
        log.warning("weather: %s is unavailable (%s); it is left alone for %.0fs", self.provider.name, reason[:300],
                    self.retry_after)
        with self._lock:
            self._failed_at[key] = self._clock()
            self._inflight.pop(key, None)
        future.set_exception(Unavailable(reason))

    def _forget_old(self, today: date) -> None:
        """Drop cache entries of days gone by (the lock is held)."""
        for old in [k for k in self._fresh if k[4] < today]:
            del self._fresh[old]
        for old in [k for k in self._failed_at if k[4] < today]:
            del self._failed_at[old]

    def close(self) -> None:
        self._client.close()
