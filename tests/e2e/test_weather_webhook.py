"""Weather through POST /wechat, against a fake Open-Meteo on localhost (WEATHER_API_BASE_URL):
the answer a resident reads, and a reply inside the budget whatever the provider does."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from bot.app import create_app
from bot.runtime import Runtime
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.fake_weather import RAINY_DAY, FakeOpenMeteo, open_meteo_body
from tests.wechat_client import WeChatServer, new_msg_id, text_xml


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenMeteo]:
    with FakeOpenMeteo(open_meteo_body(d1=RAINY_DAY), hang_seconds=8.0) as server:
        monkeypatch.setenv("WEATHER_API_BASE_URL", server.base_url)
        yield server


def timed(wechat: WeChatServer, openid: str, words: str, msg_id: int | None = None) -> tuple[str, float]:
    started = time.monotonic()
    delivery = wechat.post(text_xml(openid, words, msg_id), safe=True)
    elapsed = time.monotonic() - started
    assert delivery.status == 200
    return delivery.content, elapsed


def test_a_rain_question_is_answered_from_the_provider(wechat: WeChatServer, fake: FakeOpenMeteo) -> None:
    content, _ = timed(wechat, "o_wx_rain", "明天要带伞吗")
    assert content.startswith("明天会下雨") and "带伞" in content.splitlines()[0]
    [query] = fake.requests
    assert query["timezone"] == ["Asia/Shanghai"] and query["forecast_days"] == ["7"]
    assert "precipitation_probability_max" in query["daily"][0]
    content, _ = timed(wechat, "o_wx_rain", "明天冷不冷")
    assert content.startswith("明天最低 8℃，最高 12℃") and fake.calls == 1


@pytest.mark.parametrize("mode", ["500", "garbage", "hang"])
def test_every_question_is_answered_inside_the_budget_when_the_provider_fails(
        runtime: Runtime, wechat: WeChatServer, fake: FakeOpenMeteo, mode: str) -> None:
    fake.mode = mode
    budget = runtime.settings.config.server.reply_budget_seconds
    for words in ("明天天气怎么样", "明天要带伞吗", "后天冷不冷"):
        content, elapsed = timed(wechat, f"o_wx_{mode}", words)
        assert elapsed < budget, f"{words!r} took {elapsed:.2f}s"
        assert "天气服务暂时连不上" in content and "1. " in content  # an apology, and the number menu
    assert fake.calls == 1  # a failed provider is left alone for a while


def test_a_kept_forecast_answers_while_the_provider_is_down(make_runtime: Callable, config_with: Callable,
                                                          fake: FakeOpenMeteo) -> None:
    runtime = make_runtime(config_with(weather={"cache_minutes": 0.005, "retry_after_failure_seconds": 0}))
    with TestClient(create_app(runtime, background=False)) as client:
        wechat = WeChatServer(client, TOKEN, APPID, AES_KEY)
        assert timed(wechat, "o_wx_stale", "明天天气怎么样")[0].startswith("明天：")
        time.sleep(0.4)  # the cached forecast is no longer fresh
        fake.mode = "hang"
        content, elapsed = timed(wechat, "o_wx_stale", "明天要带伞吗")
    assert elapsed < runtime.settings.config.server.reply_budget_seconds
    first, second = content.splitlines()[:2]
    assert "暂时连不上" in first and "今天" in first and second.startswith("明天会下雨")
    assert fake.calls == 2


def test_concurrent_questions_make_one_outbound_call(wechat: WeChatServer, fake: FakeOpenMeteo) -> None:
    fake.delay = 0.5
    answers: list[str] = []
    start = threading.Barrier(8)

    def ask(index: int) -> None:
        start.wait()
        answers.append(timed(wechat, f"o_wx_many_{index}", "明天天气怎么样")[0])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(answers) == 8 and all(answer.startswith("明天：有雨") for answer in answers)
    assert fake.calls == 1


def test_a_retried_question_gets_the_same_reply_and_asks_nothing_again(wechat: WeChatServer,
                                                                      fake: FakeOpenMeteo) -> None:
    fake.mode = "500"
    msg_id = new_msg_id()
    first, _ = timed(wechat, "o_wx_retry", "明天天气怎么样", msg_id)
    fake.mode = "ok"
    again, _ = timed(wechat, "o_wx_retry", "明天天气怎么样", msg_id)
    assert again == first and "暂时连不上" in first and fake.calls == 1


def test_morning_weather_asked_twice_through_the_webhook_is_one_subscription(
        wechat: WeChatServer, store_of: Callable) -> None:
    from store.weather import WeatherRepository

    msg_id = new_msg_id()
    first, _ = timed(wechat, "o_wx_sub", "每天早上提醒我天气", msg_id)
    again, _ = timed(wechat, "o_wx_sub", "每天早上提醒我天气", msg_id)
    assert first == again and "每天早上" in first
    with store_of() as store:
        assert store[WeatherRepository].count() == 1


def test_a_slow_forecast_holds_up_nobody_elses_message(wechat: WeChatServer, fake: FakeOpenMeteo) -> None:
    """Fetching a forecast runs beside the database work, never inside it: while one resident's
    forecast takes three seconds to come, another resident's messages are answered at once."""
    fake.delay = 3.0
    asked = threading.Thread(target=lambda: timed(wechat, "o_wx_slow", "明天天气怎么样"))
    asked.start()
    while not fake.requests and asked.is_alive():  # the forecast is on its way
        time.sleep(0.01)
    for words in ("你好", "报修进度", "1"):
        content, elapsed = timed(wechat, "o_wx_meanwhile", words)
        assert elapsed < 1.5, f"{words!r} waited {elapsed:.2f}s behind the forecast"
        assert content
    asked.join(10)
    assert fake.calls == 1
