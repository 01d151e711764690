"""The Rasa backend without a Rasa server: its answers mapped to the bot's parse, and the
built-in engine answering whenever Rasa is down, slow or talking nonsense (httpx.MockTransport)."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

import nlu
from bot.errors import SettingsError
from bot.runtime import build_runtime
from bot.settings import DEFAULT_CONFIG, Settings, load_config
from nlu.rasa_backend import RasaBackend, load_backend, read_answer
from nlu.types import OUT_OF_SCOPE, IntentPrediction

Handler = Callable[[httpx.Request], httpx.Response]


def rasa_answer(text: str, ranking: list[tuple[str, float]], top: str | None = None) -> dict[str, Any]:
    """What `rasa run --enable-api` answers on /model/parse (entities as Rasa finds them)."""
    name, confidence = (top, 0.3) if top else ranking[0]
    return {"text": text, "intent": {"name": name, "confidence": confidence},
            "entities": [{"entity": "date", "start": 0, "end": 2, "value": "明天", "extractor": "DIETClassifier"}],
            "intent_ranking": ([{"name": top, "confidence": 0.3}] if top else [])
            + [{"name": n, "confidence": c} for n, c in ranking]}


class FakeRasa:
    """A Rasa server in a MockTransport: answers with ``handler`` and remembers the requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def backend(self, engine: nlu.Engine, **options: Any) -> RasaBackend:
        return RasaBackend("http://rasa.test:5005", engine, transport=httpx.MockTransport(self), **options)


def answering(ranking: list[tuple[str, float]], top: str | None = None) -> FakeRasa:
    def handler(request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        return httpx.Response(200, json=rasa_answer(text, ranking, top))

    return FakeRasa(handler)


def test_rasa_intent_and_ranking_with_the_projects_normalised_entities(engine: nlu.Engine, today: date) -> None:
    rasa = answering([("weather", 0.91), ("notice", 0.05), ("out_of_scope", 0.03), ("greet", 0.01)])
    parse = rasa.backend(engine).parse("明天3号楼停水吗", today=today)
    request = rasa.requests[0]
    assert request.method == "POST" and request.url.path == "/model/parse"
    assert json.loads(request.content) == {"text": "明天3号楼停水吗"}
    assert parse.intent == IntentPrediction("weather", 0.91)           # Rasa's, even where ours differs
    assert [p.name for p in parse.ranking] == ["weather", "notice", "greet"]  # real intents only
    assert parse.entity("date") == "2026-11-26" and parse.entity("building") == "3"  # SPEC §6 values
    assert parse.to_dict()["entities"][0]["start"] == 0


def test_rasa_fallback_becomes_out_of_scope_and_keeps_the_candidates(engine: nlu.Engine, today: date) -> None:
    rasa = answering([("bill_query", 0.22), ("bill_pay", 0.2)], top="nlu_fallback")
    parse = rasa.backend(engine).parse("那个钱的事", today=today)
    assert parse.intent.name == OUT_OF_SCOPE and parse.intent.confidence == pytest.approx(0.78)
    assert [p.name for p in parse.ranking] == ["bill_query", "bill_pay"]


def test_configured_confidence_threshold_applies_to_rasas_intent(engine: nlu.Engine) -> None:
    known = frozenset(engine.intents)
    answer = rasa_answer("嗯", [("affirm", 0.45), ("deny", 0.4)])
    assert read_answer(answer, known)[0] == IntentPrediction("affirm", 0.45)
    intent, ranking = read_answer(answer, known, threshold=0.5)
    assert intent.name == OUT_OF_SCOPE and ranking[0].name == "affirm"


def test_rasa_down_the_builtin_engine_answers_and_it_is_counted(engine: nlu.Engine, today: date) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    rasa = FakeRasa(refuse)
    backend = rasa.backend(engine)
    first = backend.parse("我家厨房水管漏水了", today=today)
    second = backend.parse("明天天气怎么样", today=today)
    assert first == engine.parse("我家厨房水管漏水了", today=today)
    assert second.intent.name == "weather"
    assert len(rasa.requests) == 1            # left alone for a few seconds after the failure
    health = backend.health()
    assert health["fallbacks"] == 2 and health["rasa_answers"] == 0
    assert health["fallback_reasons"] == {"unreachable": 1, "resting": 1}


def test_slow_rasa_times_out_and_is_asked_again_later(engine: nlu.Engine, today: date) -> None:
    calls = 0

    def slow_then_fine(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=rasa_answer("你好", [("greet", 0.97)]))

    rasa = FakeRasa(slow_then_fine)
    backend = rasa.backend(engine, retry_after=0.0)
    assert backend.parse("你好", today=today) == engine.parse("你好", today=today)
    assert backend.parse("你好", today=today).intent == IntentPrediction("greet", 0.97)
    assert backend.health()["fallback_reasons"] == {"timeout": 1}
    assert backend.health()["rasa_answers"] == 1


@pytest.mark.parametrize("response, reason", [
    (httpx.Response(500, text="Internal Server Error"), "http 500"),
    (httpx.Response(200, text="<html>proxy error</html>"), "bad answer"),
    (httpx.Response(200, json=["greet"]), "bad answer"),
    (httpx.Response(200, json={"intent": {"name": "book_flight", "confidence": 0.9}}), "bad answer"),
    (httpx.Response(200, json={"intent": {"name": "greet", "confidence": 7}}), "bad answer"),
    (httpx.Response(200, json={"intent": {"name": None, "confidence": 0.0}, "entities": []}), "bad answer"),
    (httpx.Response(200, json={"intent": {"name": "greet", "confidence": 0.9}, "intent_ranking": "greet"}),
     "bad answer"),
])
def test_garbage_from_rasa_is_never_taken_for_a_parse(engine: nlu.Engine, today: date,
                                                       response: httpx.Response, reason: str) -> None:
    backend = FakeRasa(lambda request: response).backend(engine)
    assert backend.parse("我要报修", today=today) == engine.parse("我要报修", today=today)
    assert backend.health()["fallback_reasons"] == {reason: 1}


def test_fallbacks_are_logged_once_a_minute_not_once_a_message(engine: nlu.Engine, today: date,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    backend = FakeRasa(lambda request: httpx.Response(503)).backend(engine)
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_backend"):
        for _ in range(5):
            backend.parse("你好", today=today)
    assert len(caplog.records) == 1 and "http 503" in caplog.records[0].getMessage()
    assert backend.health()["fallbacks"] == 5


def test_load_backend_reads_the_environment_over_the_configuration(engine: nlu.Engine) -> None:
    assert load_backend("builtin", engine=engine, env={}) is engine
    chosen = load_backend("builtin", rasa_url="http://127.0.0.1:1", engine=engine,
                          env={"NLU_BACKEND": "rasa", "RASA_URL": "http://127.0.0.1:2/"})
    assert isinstance(chosen, RasaBackend) and chosen.url == "http://127.0.0.1:2"
    assert chosen.intents == engine.intents
    with pytest.raises(ValueError, match="unknown NLU backend"):
        load_backend("spacy", engine=engine, env={})


def test_config_accepts_rasa_and_refuses_unknown_backends(tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    raw["responses"] = str(DEFAULT_CONFIG.parent / raw["responses"])
    for backend, url, ok in (("rasa", "http://rasa:5005", True), ("spacy", "http://rasa:5005", False),
                             ("rasa", "rasa:5005", False)):
        raw["nlu"] = {"backend": backend, "rasa_url": url}
        path = tmp_path / f"{backend}.yml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        if ok:
            config = load_config(path)
            assert config.nlu.backend == "rasa" and config.nlu.rasa_timeout_seconds == 0.8
        else:
            with pytest.raises(SettingsError, match="nlu"):
                load_config(path)


def test_bot_with_rasa_configured_but_down_still_answers_and_health_shows_it(
        make_settings: Callable[..., Settings], config_with: Callable[..., Path], understanding: nlu.Engine) -> None:
    from starlette.testclient import TestClient

    from bot.app import create_app
    from tests.conftest import AES_KEY, APPID, TOKEN
    from tests.e2e.test_server import free_port
    from tests.wechat_client import WeChatServer

    config = config_with(nlu={"backend": "rasa", "rasa_url": f"http://127.0.0.1:{free_port()}"})
    runtime = build_runtime(make_settings(config))
    try:
        assert isinstance(runtime.nlu, RasaBackend)
        with TestClient(create_app(runtime, background=False)) as http:
            reply = WeChatServer(http, TOKEN, APPID, AES_KEY).say("o_rasa_down", "你好")
            health = http.get("/healthz").json()
        assert "邻里助手" in reply.content
        assert health["nlu"]["backend"] == "rasa" and health["nlu"]["fallbacks"] >= 1
        assert health["nlu"]["fallback_reasons"].get("unreachable") == 1
    finally:
        runtime.close()
