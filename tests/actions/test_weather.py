"""weather: questions answered as asked — by day, by kind — with one line of advice, the range
of the forecast told honestly, the provider's failures answered honestly; and the morning
weather for those who ask for it, sent once a day."""
from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta

import httpx
import pytest

from actions.weather import flow as weather_flow
from actions.weather import push as weather_push
from actions.weather.forecast import OpenMeteo
from actions.weather.push import morning
from actions.weather.service import WeatherService
from actions.weather.telling import day_label
from bot.jobs import JobContext
from bot.runtime import Runtime
from store.clock import utcnow
from store.weather import WeatherRepository
from tests.fake_weather import COLD_DAY, RAINY_DAY, SHANGHAI, local_today, open_meteo_body
from tests.talk import Resident


class FakeOpenMeteo:
    """Open-Meteo behind httpx.MockTransport, installed as the runtime's weather provider."""

    def __init__(self, runtime: Runtime, **options: float) -> None:
        self.body = open_meteo_body()
        self.status = 200
        self.raw: bytes | None = None
        self.delay = 0.0
        self.requests: list[httpx.Request] = []
        self.now = 1000.0
        self._lock = threading.Lock()
        settings = weather_flow.config(runtime)
        self.service = WeatherService(
            OpenMeteo("https://open-meteo.test"), timeout=options.get("timeout", settings.timeout_seconds),
            fresh_for=options.get("fresh_for", settings.cache_minutes * 60),
            retry_after=options.get("retry_after", settings.retry_after_failure_seconds),
            stale_for=timedelta(hours=settings.stale_hours), transport=httpx.MockTransport(self.handle),
            clock=lambda: self.now)
        settings.use_service(self.service)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if self.delay:
            clock.sleep(self.delay)
        if self.raw is not None:
            return httpx.Response(self.status, content=self.raw)
        return httpx.Response(self.status, json=self.body)


@pytest.fixture
def provider(runtime: Runtime) -> FakeOpenMeteo:
    return FakeOpenMeteo(runtime)


def ask(runtime: Runtime, words: str, openid: str = "o_weather") -> tuple[str, tuple[str, ...]]:
    """The reply's words (without the menu hint) and the response keys it was built from."""
    resident = Resident(runtime, openid)
    resident.say(words)
    assert resident.last is not None
    return resident.last.content, resident.last.keys


class Words:
    def __init__(self, runtime: Runtime) -> None:
        self.responses = runtime.responses

    def say(self, key: str, **values: object) -> str:
        return self.responses.text(key, **values)


def day_words(offset: int) -> str:
    day = local_today() + timedelta(days=offset)
    return f"{day.month}月{day.day}号"


# --- by day -------------------------------------------------------------------------------

def test_today_tomorrow_and_the_day_after_are_each_their_own_day(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d0={"temperature_2m_max": 21.0}, d1={"temperature_2m_max": 17.0},
                                    d2={"temperature_2m_max": 13.0, "temperature_2m_min": 6.0})
    assert "今天" in ask(runtime, "今天天气怎么样")[0] and "21℃" in ask(runtime, "今天天气怎么样")[0]
    tomorrow, keys = ask(runtime, "明天天气怎么样")
    assert tomorrow.startswith("明天：") and "17℃" in tomorrow and "21℃" not in tomorrow
    assert keys[0] == "weather.summary" and keys[-1] == "weather.advice_line"
    assert "13℃" in ask(runtime, "后天天气")[0]
    assert len(provider.requests) == 1  # four questions, one outbound call


def test_a_named_day_is_answered_for_that_day(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d4={"temperature_2m_max": 29.0, "temperature_2m_min": 19.0})
    text, keys = ask(runtime, f"{day_words(4)}天气怎么样")
    day = local_today() + timedelta(days=4)
    assert f"{day.month}月{day.day}日" in text and "19～29℃" in text


def test_this_weekend_is_saturday_and_sunday(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    text, keys = ask(runtime, "这周末天气怎么样")
    today = local_today()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7) if today.weekday() != 6 else today - timedelta(1)
    weekend = [day for day in (saturday, saturday + timedelta(days=1)) if day >= today]
    assert keys.count("weather.summary") == len(weekend)
    for day in weekend:
        assert day_label(day, today, Words(runtime)) + "：" in text


def test_several_days_at_once_get_a_line_each_and_one_advice(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d1=RAINY_DAY)
    text, keys = ask(runtime, "最近几天天气怎么样")
    assert keys.count("weather.summary") == 3 and keys[-1] == "weather.advice_line_on"
    assert "明天出门记得带伞" in text


# --- by kind: the question asked is answered first -------------------------------------------

def test_umbrella_question_is_answered_yes_first_when_it_rains(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d1=RAINY_DAY)
    text, keys = ask(runtime, "明天要带伞吗")
    assert keys[0] == "weather.rain_yes" and text.startswith("明天会下雨") and "带伞" in text.splitlines()[0]
    assert "90%" in text.splitlines()[0]
    assert "记得带伞" not in text  # the advice line says something else, not the same twice


def test_umbrella_question_is_answered_no_first_when_it_is_dry(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    text, keys = ask(runtime, "明天要带伞吗")
    assert keys[0] == "weather.rain_no" and text.startswith("明天不会下雨") and "不用带伞" in text


def test_cold_question_is_answered_with_the_temperature_and_warm_clothes(runtime: Runtime,
                                                                       provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d1=COLD_DAY)
    text, keys = ask(runtime, "明天冷不冷")
    assert keys[0] == "weather.temperature_answer" and text.startswith("明天最低 -2℃，最高 4℃")
    assert "冷" in text.splitlines()[0] and "添衣" in text.splitlines()[-1]


def test_the_advice_follows_the_thresholds(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(
        d0={"temperature_2m_max": 36.0, "temperature_2m_min": 28.0},
        d1={"weather_code": 73, "temperature_2m_max": 2.0, "temperature_2m_min": -3.0,
            "precipitation_probability_max": 80, "precipitation_sum": 5.0},
        d2={"wind_speed_10m_max": 55.0})
    assert ask(runtime, "今天天气")[1][-1:] == ("weather.advice_line",)
    assert "防暑" in ask(runtime, "今天天气")[0]
    assert "防滑" in ask(runtime, "明天天气")[0]
    assert "风大" in ask(runtime, "后天天气")[0]


def test_snow_and_wind_and_drying_questions(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d1={"weather_code": 71, "temperature_2m_min": -1.0, "temperature_2m_max": 3.0})
    assert ask(runtime, "明天会下雪吗")[1][0] == "weather.snow_yes"
    assert ask(runtime, "今天会下雪吗")[1][0] == "weather.snow_no"
    assert ask(runtime, "今天风大不大")[1][0] == "weather.wind_answer"
    assert ask(runtime, "今天能晒被子吗")[1][0] == "weather.drying_yes"


def test_something_a_forecast_does_not_tell_is_said_honestly(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    text, keys = ask(runtime, "今天空气质量怎么样")
    assert keys[0] == "weather.topic_unknown" and "空气质量" in text and "weather.summary" in keys


# --- out of reach -------------------------------------------------------------------------------

def test_a_day_beyond_the_forecast_is_said_so_without_asking_the_provider(runtime: Runtime,
                                                                          provider: FakeOpenMeteo) -> None:
    resident = Resident(runtime, "o_far")
    text = resident.say(f"{day_words(12)}天气怎么样")
    assert resident.last is not None and resident.last.keys == ("weather.beyond",)
    assert "只到" in text and provider.requests == []
    resident.say("1")  # 今天的天气
    assert resident.last is not None and resident.last.keys[0] == "weather.summary"
    assert "今天" in resident.last.content


def test_a_day_gone_by_is_said_so(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    text, keys = ask(runtime, "昨天下雨了吗")
    assert keys == ("weather.past",) and "已经过去" in text


def test_another_city_is_not_answered_with_our_weather(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    resident = Resident(runtime, "o_elsewhere")
    text = resident.say("北京明天天气怎么样")
    assert resident.last is not None and resident.last.keys == ("weather.elsewhere",)
    assert "北京" in text and "℃" not in text and provider.requests == []
    resident.say("1")
    assert resident.last is not None and resident.last.content.startswith("明天：")


# --- the provider failing -------------------------------------------------------------------------

def test_provider_down_with_nothing_kept_is_an_apology_with_the_number_menu(runtime: Runtime,
                                                                          provider: FakeOpenMeteo) -> None:
    provider.status = 500
    resident = Resident(runtime, "o_down")
    text = resident.say("明天天气怎么样")
    assert resident.last is not None and resident.last.keys == ("weather.unavailable",)
    assert "暂时连不上" in text and len(resident.options) >= 3


def test_provider_down_after_a_good_answer_gives_the_kept_forecast_saying_when(runtime: Runtime) -> None:
    provider = FakeOpenMeteo(runtime, fresh_for=60.0, retry_after=0.0)
    provider.body = open_meteo_body(d1=RAINY_DAY)
    ask(runtime, "明天天气怎么样")
    provider.now += 120
    provider.raw = b"<html>Service Unavailable</html>"
    text, keys = ask(runtime, "明天要带伞吗")
    assert keys[:2] == ("weather.stale", "weather.rain_yes")
    fetched = datetime.now(SHANGHAI)
    assert "今天" in text.splitlines()[0] and f"{fetched.hour}:" in text.splitlines()[0]
    assert len(provider.requests) == 2


def test_a_hanging_provider_never_holds_the_reply_past_its_timeout(runtime: Runtime) -> None:
    provider = FakeOpenMeteo(runtime, timeout=0.5)
    provider.delay = 5.0
    started = clock.monotonic()
    text, keys = ask(runtime, "明天天气怎么样")
    assert clock.monotonic() - started < 1.5
    assert keys == ("weather.unavailable",)
    started = clock.monotonic()
    ask(runtime, "后天天气怎么样")  # the call under way is not made again
    assert clock.monotonic() - started < 1.5 and len(provider.requests) == 1


def test_qweather_is_used_when_a_key_is_configured(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions.weather import make_provider

    settings = weather_flow.config(runtime)
    assert make_provider(settings, {}).name == "open_meteo"
    chosen = make_provider(settings, {"QWEATHER_KEY": "k", "QWEATHER_API_BASE_URL": "https://x.qweatherapi.com"})
    assert chosen.name == "qweather" and chosen.base_url == "https://x.qweatherapi.com"


# --- the morning weather ----------------------------------------------------------------------

def subscribed(store_of: Callable) -> list[str]:
    with store_of() as store:
        return store[WeatherRepository].due(local_today() + timedelta(days=3650))


def test_asking_for_the_morning_weather_and_stopping_it(runtime: Runtime, store_of: Callable) -> None:
    resident = Resident(runtime, "o_morning")
    assert "每天早上" in resident.say("每天早上提醒我天气")
    assert resident.last is not None and resident.last.keys[0] == "weather.subscribed"
    resident.say("每天早上提醒我天气")
    assert resident.last is not None and resident.last.keys[0] == "weather.already_subscribed"
    assert subscribed(store_of) == ["o_morning"]
    resident.say("不要再推送天气了")
    assert resident.last is not None and resident.last.keys == ("weather.unsubscribed",)
    assert subscribed(store_of) == []
    resident.say("取消天气提醒")
    assert resident.last is not None and resident.last.keys == ("weather.not_subscribed",)


@pytest.fixture(autouse=True)
def push_age_whatever_the_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    """The morning job runs at a simulated hour of today while the forecast it reads was fetched
    at the real one: between midnight and one o'clock in Shanghai the two are over six hours
    apart, and the job would find the forecast too old to push. Its age is not what these tests
    are about."""
    monkeypatch.setattr(weather_push, "_PUSH_AGE", timedelta(days=2))


def run_morning(runtime: Runtime, hour: int, minute: int = 10, days: int = 0) -> int:
    local = datetime.combine(local_today() + timedelta(days=days), time(hour, minute), tzinfo=SHANGHAI)
    return int(morning(JobContext(runtime, local.astimezone(utcnow().tzinfo))))


def pushes(store_of: Callable, openid: str) -> list:
    with store_of() as store:
        return [row for row in store.outbox.for_openid(openid) if row.purpose == "push"]


def test_the_morning_job_sends_once_a_day_in_its_window(runtime: Runtime, store_of: Callable,
                                                        provider: FakeOpenMeteo) -> None:
    provider.body = open_meteo_body(d0=RAINY_DAY)
    Resident(runtime, "o_early").say("每天早上提醒我天气")
    assert run_morning(runtime, 6, 30) == 0  # before push_time
    assert run_morning(runtime, 7, 5) == 1
    assert run_morning(runtime, 7, 10) == 0  # the same day: nothing twice
    [sent] = pushes(store_of, "o_early")
    assert "今天" in sent.payload["content"] and "带伞" in sent.payload["content"]
    assert "取消天气提醒" in sent.payload["content"]
    assert run_morning(runtime, 11, 0) == 0  # past the window
    Resident(runtime, "o_early").say("取消天气提醒")
    assert run_morning(runtime, 7, 5, days=1) == 0


def test_the_morning_job_skips_residents_wechat_would_not_deliver_to(runtime: Runtime, store_of: Callable,
                                                                     provider: FakeOpenMeteo) -> None:
    Resident(runtime, "o_quiet").say("每天早上提醒我天气")
    with store_of() as store:
        store.residents.get("o_quiet").last_inbound_at = utcnow() - timedelta(days=3)
    assert run_morning(runtime, 7, 5) == 0 and pushes(store_of, "o_quiet") == []


def test_with_a_template_the_morning_weather_reaches_quiet_residents(make_runtime: Callable, config_with: Callable,
                                                                     store_of: Callable) -> None:
    runtime = make_runtime(config_with(wechat={"templates": {"weather": "TPL-weather"}}))  # the same database
    FakeOpenMeteo(runtime)
    Resident(runtime, "o_tpl").say("每天早上提醒我天气")
    with store_of() as store:
        store.residents.get("o_tpl").last_inbound_at = utcnow() - timedelta(days=3)
    assert run_morning(runtime, 7, 5) == 1
    [sent] = pushes(store_of, "o_tpl")
    assert sent.template["template"] == "weather" and "keyword2" in sent.template["data"]


def test_no_morning_push_without_a_forecast(runtime: Runtime, store_of: Callable, provider: FakeOpenMeteo) -> None:
    provider.status = 500
    Resident(runtime, "o_nofc").say("每天早上提醒我天气")
    assert run_morning(runtime, 7, 5) == 0 and pushes(store_of, "o_nofc") == []
    with store_of() as store:
        assert store[WeatherRepository].due(local_today()) == ["o_nofc"]  # the next run tries again


def test_a_deleted_resident_gets_no_more_weather(runtime: Runtime, store_of: Callable) -> None:
    Resident(runtime, "o_forget").say("每天早上提醒我天气")
    with store_of() as store:
        for forget in runtime.registry.forgets:
            forget(store, "o_forget", utcnow())
    assert subscribed(store_of) == []


def test_asked_in_the_middle_of_a_report_the_weather_is_answered_and_the_report_resumes(
        runtime: Runtime, provider: FakeOpenMeteo) -> None:
    resident = Resident(runtime, "o_midform")
    resident.say("绑定 3-502 张三 1234")
    resident.say("楼道灯不亮了")
    provider.status = 500
    text = resident.say("后天冷不冷")
    assert resident.last is not None and "weather.unavailable_brief" in resident.last.keys
    assert "还没办完" in text and resident.options  # the report's question, with its choices
    provider.status = 200
    provider.now += 120
    text = resident.say("明天要带伞吗")
    assert resident.last is not None and resident.last.keys[0] == "weather.rain_no"
    assert "还没办完" in text and resident.options


def test_stopping_the_morning_weather_works_whatever_the_nlu_read(runtime: Runtime, store_of: Callable) -> None:
    from nlu.types import IntentPrediction, Parse

    understand = runtime.assistant.read

    def read_as_stop(inbound):  # the NLU reads the words as leaving something
        turn = understand(inbound)
        return turn.with_parse(Parse(inbound.text, IntentPrediction("stop", 0.97)))

    resident = Resident(runtime, "o_stopword")
    resident.say("每天早上提醒我天气")
    runtime.assistant.read = read_as_stop  # type: ignore[method-assign]
    resident.say("别再发天气给我了")
    assert resident.last is not None and resident.last.keys == ("weather.unsubscribed",)
    assert subscribed(store_of) == []


def test_the_resident_is_told_what_is_kept_about_them(runtime: Runtime, store_of: Callable) -> None:
    from bot.dialogue import Context, DialogView, FormState

    Resident(runtime, "o_describe").say("每天早上提醒我天气")
    with store_of() as store:
        now = utcnow()
        ctx = Context(store=store, config=runtime.settings.config, responses=runtime.responses, now=now,
                      today=now.astimezone(SHANGHAI).date(), resident=store.residents.get("o_describe"),
                      dialog=DialogView.of(FormState()), registry=runtime.registry, sections=runtime.sections)
        lines = [line for describe in runtime.registry.describes for line in describe(ctx)]
    assert any("天气提醒" in line and "7:00" in line for line in lines)


def test_the_forecast_is_kept_warm_before_it_expires(runtime: Runtime, provider: FakeOpenMeteo) -> None:
    from actions.weather.answer import keep_warm

    jobs = JobContext(runtime, utcnow())
    assert keep_warm(jobs) and len(provider.requests) == 1
    assert keep_warm(jobs) and len(provider.requests) == 1  # still fresh: nothing asked
    provider.now += 16 * 60  # past half its life: fetched again before residents would wait for it
    assert keep_warm(jobs) and len(provider.requests) == 2
    ask(runtime, "今天天气")
    assert len(provider.requests) == 2


def test_a_slow_provider_holds_the_database_for_nobody(runtime: Runtime) -> None:
    """The forecast is fetched before the question's transaction: while it is awaited, another
    resident's message is answered at once (SQLite lets one writer in at a time)."""
    provider = FakeOpenMeteo(runtime, timeout=1.0)
    provider.delay = 0.8
    waiting = threading.Thread(target=ask, args=(runtime, "明天天气怎么样", "o_weather_slow"))
    waiting.start()
    clock.sleep(0.2)  # the weather question is waiting for the provider now
    started = clock.monotonic()
    ask(runtime, "你好", "o_weather_other")
    assert clock.monotonic() - started < 0.5
    waiting.join()
    assert len(provider.requests) == 1
