"""A real Rasa server behind the bot: `rasa run --enable-api` from .venv-rasa with the small
cached model (nlu/rasa SMALL_EPOCHS), and a resident's conversation through POST /wechat.

Run by `make test-rasa` (set-up, cached training, this module), never by `make test`; it is
skipped when the Rasa environment has not been made (`make rasa-setup`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import nlu
from bot.app import create_app
from bot.runtime import build_runtime
from bot.settings import Settings
from nlu import rasa
from nlu.rasa_backend import RasaBackend
from tests.conftest import AES_KEY, APPID, TOKEN
from tests.wechat_client import WeChatServer

pytestmark = pytest.mark.skipif(not (rasa.rasa_venv() / "bin" / "rasa").is_file(),
                                reason="no Rasa environment: run `make rasa-setup` (or `make test-rasa`)")


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Rasa server with the small model, ready to parse."""
    model = rasa.train(epochs=rasa.SMALL_EPOCHS, quiet=True)
    port = rasa.free_port()
    log_file = tmp_path_factory.mktemp("rasa") / "rasa-server.log"
    process = rasa.start_server(model.path, port, log_file)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            rasa.wait_ready(url, process, timeout=300)
        except rasa.RasaError as error:
            tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-30:])
            pytest.fail(f"{error}\n{tail}")
        yield url
    finally:
        rasa.stop_server(process)


def test_resident_conversation_through_the_webhook_is_understood_by_rasa(
        rasa_url: str, make_settings: Callable[..., Settings], config_with: Callable[..., Path],
        understanding: nlu.Engine) -> None:
    config = config_with(nlu={"backend": "rasa", "rasa_url": rasa_url, "rasa_timeout_seconds": 3})
    runtime = build_runtime(make_settings(config))
    try:
        assert isinstance(runtime.nlu, RasaBackend)
        with TestClient(create_app(runtime, background=False)) as http:
            wechat = WeChatServer(http, TOKEN, APPID, AES_KEY)
            hello = wechat.say("o_rasa_resident", "你好", safe=True)
            bound = wechat.say("o_rasa_resident", "绑定 3-502 张三 1234", safe=True)
            summary = wechat.say("o_rasa_resident", "我家厨房水管漏水了", safe=True)
            health = http.get("/healthz").json()
    finally:
        runtime.close()
    assert "邻里助手" in hello.content
    assert "绑定成功" in bound.content
    assert "水管漏水" in summary.content and "3-502" in summary.content and "139****1234" in summary.content
    # every message was read by Rasa; the built-in engine never had to step in
    assert health["nlu"]["backend"] == "rasa"
    assert health["nlu"]["rasa_answers"] == 3 and health["nlu"]["fallbacks"] == 0, health["nlu"]


def test_rasa_intents_come_with_the_projects_normalised_entities(rasa_url: str, understanding: nlu.Engine) -> None:
    backend = RasaBackend(rasa_url, understanding, timeout=3)
    try:
        repair = backend.parse("我家厨房水管漏水了", today=date(2026, 11, 25))
        weather = backend.parse("明天会下雨吗", today=date(2026, 11, 25))
        bill = backend.parse("上个月的管理费交了没有", today=date(2026, 11, 25))
    finally:
        backend.close()
    assert backend.health()["fallbacks"] == 0
    assert repair.intent.name == "repair_report" and repair.entity("repair_category") == "water_leak"
    assert weather.intent.name == "weather" and weather.entity("date") == "2026-11-26"
    assert bill.intent.name == "bill_query"
    assert bill.entity("period") == "2026-10" and bill.entity("bill_type") == "物业费"
