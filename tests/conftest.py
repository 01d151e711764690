"""Shared fixtures: settings from a test environment, a migrated SQLite store per test (and
PostgreSQL when it is reachable), the real NLU engine, the ASGI app and a WeChat-like client."""
from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase
from starlette.testclient import TestClient

import nlu
from bot.app import create_app
from bot.runtime import Runtime, build_runtime
from bot.settings import DEFAULT_CONFIG, Settings, load_settings
from store import Store
from store.db import make_engine, make_sessionmaker, migrate, transaction
from store.demo import seed_demo
from tests.wechat_client import WeChatServer

TOKEN = "test_token_123"
APPID = "wx0123456789abcdef"
AES_KEY = base64.b64encode(b"k" * 32).decode()[:43]
PREVIOUS_AES_KEY = base64.b64encode(b"p" * 32).decode()[:43]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Property-based tests: small enough for `make test`, each example held to a deadline (a hang
# fails). The fixtures they use are built once per test and shared by its examples, on purpose.
# CI runs the same examples every time (derandomized); HYPOTHESIS_PROFILE=deep looks further.
# Failing examples are kept under var/ (ignored by git) and tried first on the next run.
hypothesis_settings.register_profile(
    "dev", max_examples=120, deadline=2500,
    database=DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[1] / "var" / "hypothesis"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("dev"), derandomize=True,
                                     database=None, print_blob=True)
hypothesis_settings.register_profile("deep", parent=hypothesis_settings.get_profile("dev"), max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def _own_redis_database() -> None:
    """Under pytest-xdist each worker process gets a Redis database of its own (the one in
    ``REDIS_URL`` plus the worker's number), so that one test emptying its database never
    touches a test running beside it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not url or not worker.startswith("gw"):
        return
    base, _, number = url.rpartition("/")
    if base.startswith("redis") and number.isdigit():
        os.environ["REDIS_URL"] = f"{base}/{int(number) + int(worker[2:])}"


_own_redis_database()


def wechat_env(**overrides: str) -> dict[str, str]:
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture(autouse=True)
def no_real_weather(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the real weather service: unless a test points WEATHER_API_BASE_URL at a
    fake (tests/fake_weather.py), it points at a closed local port, and no QWeather key is set."""
    monkeypatch.setenv("WEATHER_API_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("QWEATHER_KEY", raising=False)


@pytest.fixture(scope="session")
def understanding() -> nlu.Engine:
    """The real NLU engine, trained once (cached under var/nlu like `make run`)."""
    return nlu.load_engine()


#: ``TEST_BACKEND=postgresql`` runs the whole suite on PostgreSQL (+ Redis when ``REDIS_URL`` is set).
BACKEND = os.environ.get("TEST_BACKEND", "sqlite")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with the demo households, copied for each test: a SQLite file, or a
    PostgreSQL template database (``CREATE DATABASE … TEMPLATE`` copies it in milliseconds)."""
    if BACKEND == "postgresql":
        name = f"linli_tpl_{uuid.uuid4().hex[:8]}"
        url = _create_pg_database(name)
        _seed(url)
        yield name
        _drop_pg_database(name)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    _seed(f"sqlite:///{path}")
    yield str(path)


def _seed(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with transaction(make_sessionmaker(engine)) as session:
        seed_demo(Store(session))
    engine.dispose()


def _admin() -> str:
    return POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def _create_pg_database(name: str, template: str | None = None) -> str:
    import psycopg

    with psycopg.connect(_admin(), autocommit=True, connect_timeout=3) as connection:
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(f'CREATE DATABASE "{name}"{suffix}')
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin(), autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path, template_db: str) -> Iterator[str]:
    """This test's own copy of the template database."""
    if BACKEND == "postgresql":
        name = f"linli_t_{uuid.uuid4().hex[:10]}"
        yield _create_pg_database(name, template=template_db)
        _drop_pg_database(name)
        return
    path = tmp_path / "linli.db"
    shutil.copy(template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(database_url: str) -> str:
    """(The name older tests use for the test's database, whatever its backend.)"""
    return database_url


@pytest.fixture
def make_settings(sqlite_url: str) -> Callable[..., Settings]:
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:  # each test starts with no access token cached by another
        import redis

        redis.Redis.from_url(redis_url, socket_timeout=2).flushdb()

    def build(config: Path | None = None, **env: str) -> Settings:
        base = {"DATABASE_URL": sqlite_url, "REDIS_URL": os.environ.get("REDIS_URL", "")}
        return load_settings(config or DEFAULT_CONFIG, {**base, **wechat_env(**env)}, require_token=True)

    return build


@pytest.fixture
def make_runtime(make_settings: Callable[..., Settings], understanding: nlu.Engine) -> Iterator[Callable[..., Runtime]]:
    made: list[Runtime] = []

    def build(config: Path | None = None, **env: str) -> Runtime:
        runtime = build_runtime(make_settings(config, **env), understanding=understanding)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


@pytest.fixture
def runtime(make_runtime: Callable[..., Runtime]) -> Runtime:
    return make_runtime()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False)) as http:
        yield http


@pytest.fixture
def wechat(client: TestClient) -> WeChatServer:
    return WeChatServer(client, TOKEN, APPID, AES_KEY)


@pytest.fixture
def store_of(runtime: Runtime) -> Callable[[], Any]:
    """Open a unit of work on the test's store: ``with store_of() as store: …``."""
    from contextlib import contextmanager

    @contextmanager
    def open_store() -> Iterator[Store]:
        with transaction(runtime.factory) as session:
            yield Store(session)

    return open_store


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    admin = POSTGRES_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"linli_test_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def config_with(tmp_path: Path) -> Callable[..., Path]:
    """A copy of config.yml with some settings changed (``server={"reply_budget_seconds": 0.3}``)."""

    def write(**sections: dict) -> Path:
        data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
        for section, values in sections.items():
            data[section] = {**data.get(section, {}), **values}
        data["responses"] = str(DEFAULT_CONFIG.parent / data["responses"])
        path = tmp_path / "config.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return write
