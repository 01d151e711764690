"""The morning weather for residents who ask for it (每天早上提醒我天气), and stopping it
(不要再推送天气了 / 取消天气提醒).

A job runs every few minutes; from ``push_time`` until the window closes it sends the day's
weather to each subscriber who has not had it today — once per resident per day, however
often it runs, and only where WeChat will deliver it now: inside the resident's 48-hour
window, or as a template message when the operator configured one named ``weather``. A
resident outside both gets nothing that day, rather than a stale forecast days later.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from actions.weather import flow
from actions.weather.telling import advice_line, summary
from bot.dialogue import Context, Reply, Turn
from bot.jobs import JobContext
from bot.notify import Template, push
from store import Store
from store.weather import WeatherRepository

log = logging.getLogger(__name__)

#: The template (wechat.templates) used outside the 48-hour window.
TEMPLATE = "weather"
#: A forecast older than this is not pushed in the morning.
_PUSH_AGE = timedelta(hours=6)


def answer_subscription(wanted: str, turn: Turn, ctx: Context) -> Reply:
    """Start (``on``) or stop (``off``) the morning weather for the resident asking."""
    settings = flow.config(ctx)
    subscriptions = ctx.store[WeatherRepository]
    if wanted == "off":
        stopped = subscriptions.unsubscribe(turn.openid)
        return ctx.reply("weather.unsubscribed" if stopped else "weather.not_subscribed")
    if not settings.morning_push:
        return ctx.reply("weather.push_unavailable")
    created = subscriptions.subscribe(turn.openid, ctx.now)
    clock = f"{settings.push_time.hour}:{settings.push_time.minute:02d}"
    reply = ctx.reply("weather.subscribed" if created else "weather.already_subscribed", time=clock)
    if TEMPLATE not in ctx.config.wechat.templates:  # WeChat's 48-hour rule: say it rather than fail quietly
        note = ctx.say("weather.window_note")
        return replace(reply, content=f"{reply.content}\n{note}", keys=(*reply.keys, note.key))
    return reply


@flow.job("weather_morning", "interval", minutes=5)
def morning(jobs: JobContext) -> int:
    """Send today's weather to the subscribers due for it; returns how many were queued."""
    settings = flow.config(jobs)
    if not settings.morning_push:
        return 0
    local = jobs.now.astimezone(jobs.timezone)
    start = datetime.combine(local.date(), settings.push_time, tzinfo=jobs.timezone)
    if not start <= local < start + timedelta(minutes=settings.push_window_minutes):
        return 0
    today = local.date()
    with jobs.store() as store:
        due = store[WeatherRepository].due(today)
    if not due:
        return 0
    config = jobs.runtime.settings.config
    service = settings.service(config.community.timezone)
    lookup = service.lookup(settings.place_point, today, service.timeout)
    forecast = lookup.forecast
    day = forecast.on(today) if forecast is not None else None
    if forecast is None or day is None or jobs.now - forecast.fetched_at > _PUSH_AGE:
        log.warning("weather: no forecast for %s to push to %s subscribers; the next run tries again", today, len(due))
        return 0
    place = settings.place or config.community.city
    text = "\n".join([jobs.say("weather.morning", place=place), summary(day, today, jobs),
                      advice_line([day], forecast, today, settings, jobs), jobs.say("weather.morning_stop")])
    reply = Reply.text(text)
    template = None
    if TEMPLATE in config.wechat.templates:
        template = Template(TEMPLATE, {"first": jobs.say("weather.morning", place=place),
                                       "keyword1": f"{today.month}月{today.day}日",
                                       "keyword2": summary(day, today, jobs),
                                       "remark": advice_line([day], forecast, today, settings, jobs)})
    window = timedelta(hours=config.wechat.customer_service_window_hours)
    sent = 0
    for openid in due:
        with jobs.store() as store:
            if _deliverable(store, openid, jobs.now, window, config.wechat.customer_service_quota, template) \
                    and store[WeatherRepository].mark_sent(openid, today) \
                    and push(store, openid, reply, jobs.now, key=f"weather:{today.isoformat()}:{openid}",
                             template=template):
                sent += 1
    if sent:
        log.info("weather: the morning weather was queued for %s residents", sent)
    return sent


def _deliverable(store: Store, openid: str, now: datetime, window: timedelta, quota: int,
                 template: Template | None) -> bool:
    """Whether WeChat takes a message to this resident now (a template goes any time)."""
    resident = store.residents.get(openid)
    if resident is None or not resident.subscribed:
        return False
    return template is not None or store.residents.in_customer_service_window(resident, now, window, quota)


@flow.forget
def forget(store: Store, openid: str, now: datetime) -> None:
    """A resident who asks to be deleted gets no more weather."""
    store[WeatherRepository].unsubscribe(openid)


@flow.describe
def describe(ctx: Context) -> list[str]:
    if not ctx.store[WeatherRepository].is_subscribed(ctx.resident.openid):
        return []
    time = flow.config(ctx).push_time
    return [ctx.say("weather.describe", time=f"{time.hour}:{time.minute:02d}")]
