"""weather: the question read, the forecast fetched within the reply budget, the answer told.

The answer starts with what was asked (要带伞吗 → whether it rains; 冷不冷 → how cold), then the
day at a glance, then one line of advice. A day before today or past the forecast is said to
be so; another city is said to be out of reach; a provider that is down is said to be down —
with the last good forecast (and when it is from) when there is one, else an apology and the
number menu. Nothing here waits longer than the reply budget allows.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from actions.weather import WeatherSettings, flow
from actions.weather.forecast import DayForecast, Forecast
from actions.weather.push import answer_subscription
from actions.weather.reading import Question, read_question, subscription
from actions.weather.telling import advice_line, answer_to, date_name, day_label, summary, when
from bot.dialogue import Context, Option, Reply, Stage, Turn
from bot.dialogue.flow import Prepared
from bot.dialogue.menu import main_menu
from bot.jobs import JobContext
from store.clock import utcnow

#: Asked about one of these, the advice line does not repeat what the answer said already.
_ANSWERED = {"rain": "umbrella"}


@flow.action("weather")
def weather(turn: Turn, ctx: Context) -> Reply:
    """Answer a weather question as asked, or start or stop the morning weather."""
    wanted = None if turn.tapped else subscription(turn.text)
    if wanted is not None:
        return answer_subscription(wanted, turn, ctx)
    settings = flow.config(ctx)
    question = read_question(turn, ctx.today, ctx.now.astimezone(ctx.timezone).hour,
                             forecast_days=settings.forecast_days, here=_here(ctx, settings),
                             other_places=settings.other_places, choice=ctx.dialog.slots.get("_choice"))
    if question.elsewhere:
        return _elsewhere(question, ctx, settings)
    last = ctx.today + timedelta(days=settings.forecast_days - 1)
    if not any(ctx.today <= day <= last for day in question.days):
        return _out_of_range(question.days[0], last, ctx)
    service = settings.service(ctx.config.community.timezone)
    # Prepared before the transaction: the call was made (and waited for) already.
    lookup = service.lookup(settings.place_point, ctx.today, _wait(turn, ctx, settings, service.timeout),
                            fetch=not turn.prepared)
    if lookup.forecast is None:
        if ctx.dialog.form:  # asked in the middle of something else, which resumes below the apology
            return ctx.reply("weather.unavailable_brief")
        return main_menu(ctx, ctx.registry, ctx.say("weather.unavailable"))
    return _told(question, lookup.forecast, lookup.fresh, ctx, settings)


@flow.prepare
def fetch_first(turn: Turn, ready: Prepared) -> None:
    """A weather question the provider must answer: have the forecast in the cache before the
    turn's transaction begins (waiting no longer than the turn could), so that no resident
    waits on the database for it. Questions answered without the provider fetch nothing."""
    if not turn.tapped and subscription(turn.text) is not None:
        return
    settings = flow.config(ready)
    zone = ZoneInfo(ready.config.community.timezone)
    question = read_question(turn, ready.today, ready.now.astimezone(zone).hour,
                             forecast_days=settings.forecast_days, here=_names(ready.config, settings),
                             other_places=settings.other_places, choice=None)
    last = ready.today + timedelta(days=settings.forecast_days - 1)
    if question.elsewhere or not any(ready.today <= day <= last for day in question.days):
        return
    room = ready.config.server.reply_budget_seconds - settings.reply_margin_seconds
    service = settings.service(ready.config.community.timezone)
    service.lookup(settings.place_point, ready.today, max(0.0, min(service.timeout, room)))


@flow.trigger(Stage.INTENT)
def subscription_words(turn: Turn, ctx: Context) -> Reply | None:
    """每天早上提醒我天气 / 取消天气提醒 reach the weather flow whatever else the NLU read in them."""
    if turn.intent != "weather" and subscription(turn.text) is not None:
        return Reply.route("weather")
    return None


@flow.job("weather_refresh", "interval", minutes=10)
def keep_warm(jobs: JobContext) -> bool:
    """Fetch the forecast before the cached one expires, so that residents seldom wait for it."""
    settings = flow.config(jobs)
    if not settings.keep_warm:
        return False
    service = settings.service(jobs.runtime.settings.config.community.timezone)
    max_age = max(settings.cache_minutes * 60 - 15 * 60, 60.0)
    return service.lookup(settings.place_point, jobs.today, service.timeout, max_age=max_age).fresh


def _told(question: Question, forecast: Forecast, fresh: bool, ctx: Context, settings: WeatherSettings) -> Reply:
    days = [found for day in question.days if (found := forecast.on(day)) is not None]
    if not days:
        return _out_of_range(question.days[0], forecast.last_day, ctx)
    lines: list[str] = []
    if not fresh:
        lines.append(ctx.say("weather.stale", when=when(forecast.fetched_at, ctx.today, ctx.timezone, ctx)))
    if question.topic:
        lines.append(ctx.say("weather.topic_unknown", topic=ctx.say(f"weather.topics.{question.topic}")))
    lines += _day_lines(question, days, ctx, settings)
    missing = [day for day in question.days if forecast.on(day) is None]
    if missing:
        lines.append(ctx.say("weather.partly_beyond", last=date_name(forecast.last_day, ctx)))
    skip = frozenset(_ANSWERED[kind] for kind in question.kinds if kind in _ANSWERED)
    lines.append(advice_line(days, forecast, ctx.today, settings, ctx, skip))
    return _reply(lines)


def _day_lines(question: Question, days: list[DayForecast], ctx: Context, settings: WeatherSettings) -> list[str]:
    """What was asked first; the day at a glance after it (for one day), or one line a day."""
    if not question.kinds:
        return [summary(day, ctx.today, ctx) for day in days]
    if len(days) == 1:
        answers = [answer_to(kind, days[0], ctx.today, settings, ctx) for kind in question.kinds]
        return [*answers, summary(days[0], ctx.today, ctx)]
    return [answer_to(kind, day, ctx.today, settings, ctx) for day in days for kind in question.kinds]


def _elsewhere(question: Question, ctx: Context, settings: WeatherSettings) -> Reply:
    """Weather asked for another city: say honestly that only ours is known, and offer it."""
    place = _place(ctx, settings)
    days = question.days if any(day >= ctx.today for day in question.days) else (ctx.today,)
    here = Option.intent(ctx.say("weather.option_here", place=place, day=day_label(days[0], ctx.today, ctx)),
                         "weather", slots={"days": [day.isoformat() for day in days], "kinds": list(question.kinds)})
    return _reply([ctx.say("weather.elsewhere", place=place, other=question.elsewhere or "")], [here])


def _out_of_range(day: date, last: date, ctx: Context) -> Reply:
    """A day gone by, or past the forecast: say so, and offer the days there is a forecast for."""
    label = day_label(day, ctx.today, ctx) if day >= ctx.today else date_name(day, ctx)
    if day < ctx.today:
        text = ctx.say("weather.past", day=label, last=date_name(last, ctx))
    else:
        text = ctx.say("weather.beyond", day=date_name(day, ctx), last=date_name(last, ctx))
    week = [(ctx.today + timedelta(days=i)).isoformat() for i in range((last - ctx.today).days + 1)]
    options = [Option.intent(ctx.say("weather.option_today"), "weather", slots={"days": [ctx.today.isoformat()]}),
               Option.intent(ctx.say("weather.option_week"), "weather", slots={"days": week})]
    return _reply([text], options)


def _reply(lines: list[str], options: list[Option] | None = None) -> Reply:
    """Lines of words as one reply, remembering which responses they came from."""
    keys = tuple(key for line in lines if (key := getattr(line, "key", None)))
    return replace(Reply.text("\n".join(lines), options or (), footer=True), keys=keys)


def _wait(turn: Turn, ctx: Context, settings: WeatherSettings, timeout: float) -> float:
    """How long this turn can afford to wait for the provider: the call's timeout, or what is
    left of the reply budget (less a margin for writing the reply), whichever is shorter — and
    nothing when the wait happened already, before the turn's transaction (``fetch_first``)."""
    if turn.prepared:
        return 0.0
    spent = max((utcnow() - turn.received_at).total_seconds(), 0.0)
    room = ctx.config.server.reply_budget_seconds - settings.reply_margin_seconds - spent
    return max(0.0, min(timeout, room))


def _place(ctx: Context, settings: WeatherSettings) -> str:
    return settings.place or ctx.config.community.city


def _here(ctx: Context, settings: WeatherSettings) -> list[str]:
    """Names of this place: a question naming one of them is about our weather."""
    return _names(ctx.config, settings)


def _names(config: Any, settings: WeatherSettings) -> list[str]:
    return [settings.place, config.community.city, config.community.name, "本地", "我们这", "这里", "小区"]
