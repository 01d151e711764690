"""Saying a forecast: a day's summary, the answer to what was asked, one line of advice.

The words are the ``weather`` section of responses.yml; the thresholds (when rain means an
umbrella, cold means another layer …) are the flow's settings. Both the answer to a question
and the morning push are written here, through anything that can ``say`` a response key.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from actions.weather.forecast import MURKY, DayForecast, Forecast

if TYPE_CHECKING:
    from actions.weather import WeatherSettings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RELATIVE = ("today", "tomorrow", "after_tomorrow")
#: Days that are good for drying washing or bedding, when no rain comes with them.
_DRY = frozenset({"clear", "cloudy"})


class Speaker(Protocol):
    def say(self, key: str, **values: Any) -> str: ...


def degrees(value: float) -> str:
    number = int(round(value))
    return str(0 if number == 0 else number)


def day_label(day: date, today: date, words: Speaker) -> str:
    """今天 / 明天 / 后天, or 周六（11月28日）."""
    delta = (day - today).days
    if 0 <= delta < len(_RELATIVE):
        return words.say(f"weather.days.{_RELATIVE[delta]}")
    return words.say("weather.day_name", weekday=weekday(day, words), month=day.month, day=day.day)


def date_name(day: date, words: Speaker) -> str:
    return words.say("weather.date_name", weekday=weekday(day, words), month=day.month, day=day.day)


def weekday(day: date, words: Speaker) -> str:
    return words.say(f"weather.weekdays.{WEEKDAYS[day.weekday()]}")


def when(moment: datetime, today: date, zone: ZoneInfo, words: Speaker) -> str:
    """When a kept forecast was fetched: 今天 8:30, 昨天 20:10, 11月24日 20:10."""
    local = moment.astimezone(zone)
    clock = f"{local.hour}:{local.minute:02d}"
    if local.date() == today:
        return words.say("weather.at_today", time=clock)
    if local.date() == today - timedelta(days=1):
        return words.say("weather.at_yesterday", time=clock)
    return words.say("weather.at_date", month=local.month, day=local.day, time=clock)


def rain_words(day: DayForecast, words: Speaker) -> str:
    """降雨概率 80%，雨量约 12 毫米 — or, when the provider gives no chance, the amount alone."""
    parts = []
    if day.rain_chance is not None:
        parts.append(words.say("weather.rain_chance", chance=day.rain_chance))
    if day.rain_mm is not None and day.rain_mm >= 0.5:
        parts.append(words.say("weather.rain_amount", amount=f"{day.rain_mm:.0f}" if day.rain_mm >= 1 else "1"))
    if not parts:
        parts.append(words.say("weather.rain_none"))
    return "，".join(parts)


def rain_verdict(day: DayForecast, settings: WeatherSettings) -> str:
    """``yes`` (take an umbrella), ``maybe`` (better take one) or ``no``."""
    chance = day.rain_chance
    amount = day.rain_mm or 0.0
    if chance is not None and chance >= settings.umbrella_chance or amount >= settings.umbrella_mm:
        return "yes"
    if day.wet or chance is not None and chance >= settings.maybe_rain_chance or amount >= 0.5:
        return "maybe"
    return "no"


def feel(day: DayForecast, settings: WeatherSettings) -> str:
    if day.high >= settings.hot_above:
        return "hot"
    if day.high >= settings.warm_above:
        return "warm"
    if day.low < settings.cold_below:
        return "cold"
    if day.high < settings.cool_below:
        return "cool"
    return "mild"


def summary(day: DayForecast, today: date, words: Speaker) -> str:
    """今天：小雨，5～9℃，降雨概率 80%，风力 3 级。"""
    parts = [words.say(f"weather.conditions.{day.condition}"),
             words.say("weather.range", low=degrees(day.low), high=degrees(day.high)),
             rain_words(day, words)]
    if day.wind_level is not None:
        parts.append(words.say("weather.wind", level=day.wind_level))
    return words.say("weather.summary", day=day_label(day.day, today, words), details="，".join(parts))


def answer_to(kind: str, day: DayForecast, today: date, settings: WeatherSettings, words: Speaker) -> str:
    """The one sentence that answers what was asked about ``day``."""
    label = day_label(day.day, today, words)
    condition = words.say(f"weather.conditions.{day.condition}")
    if kind == "snow" or kind == "rain" and day.snowy and not day.wet:
        return words.say("weather.snow_yes" if day.snowy else "weather.snow_no", day=label, condition=condition)
    if kind == "rain":
        return words.say(f"weather.rain_{rain_verdict(day, settings)}", day=label, rain=rain_words(day, words))
    if kind == "drying":
        good = rain_verdict(day, settings) == "no" and day.condition in _DRY
        return words.say("weather.drying_yes" if good else "weather.drying_no", day=label, condition=condition,
                         rain=rain_words(day, words))
    if kind == "wind":
        level = day.wind_level
        if level is None:
            return words.say("weather.wind_unknown", day=label)
        strength = "strong" if level >= settings.windy_level else "breezy" if level >= 4 else "calm"
        return words.say("weather.wind_answer", day=label, level=level,
                         strength=words.say(f"weather.wind_strength.{strength}"))
    return words.say("weather.temperature_answer", day=label, low=degrees(day.low), high=degrees(day.high),
                     feel=words.say(f"weather.feel.{feel(day, settings)}"))


def advice(day: DayForecast, previous: DayForecast | None, settings: WeatherSettings,
           skip: frozenset[str] = frozenset()) -> str:
    """The one thing worth doing about ``day``: 防滑, 带伞, 防暑, 添衣, 风大, 雾霾 — or "fine"."""
    dropped = previous is not None and previous.high - day.high >= settings.chilly_drop
    checks = (
        ("slippery", day.low <= settings.icy_below and (day.wet or day.snowy)),
        ("umbrella", rain_verdict(day, settings) in ("yes", "maybe") or day.snowy),
        ("heat", day.high >= settings.hot_above),
        ("warm_clothes", day.low < settings.cold_below or dropped),
        ("wind", (day.wind_level or 0) >= settings.windy_level),
        ("murky", day.condition in MURKY),
    )
    return next((name for name, applies in checks if applies and name not in skip), "fine")


def advice_line(days: list[DayForecast], forecast: Forecast, today: date, settings: WeatherSettings,
                words: Speaker, skip: frozenset[str] = frozenset()) -> str:
    """One line of advice: for the one day asked, or for the first of several that needs one."""
    found = [(day, advice(day, forecast.on(day.day - timedelta(days=1)), settings, skip)) for day in days]
    if len(found) == 1:
        return words.say("weather.advice_line", advice=words.say(f"weather.advice.{found[0][1]}"))
    notable = next(((day, name) for day, name in found if name != "fine"), None)
    if notable is None:
        return words.say("weather.advice_line", advice=words.say("weather.advice.fine"))
    day, name = notable
    return words.say("weather.advice_line_on", day=day_label(day.day, today, words),
                     advice=words.say(f"weather.advice.{name}"))
