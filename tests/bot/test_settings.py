"""Settings: the fixed environment variables, and one clear sentence when one is wrong."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import DEFAULT_CONFIG, DEFAULT_DATABASE_URL, OFFICIAL_API_BASE_URL, load_settings
from tests.conftest import AES_KEY, wechat_env

ROOT = Path(__file__).resolve().parents[2]


def settings(**env: str):
    return load_settings(DEFAULT_CONFIG, wechat_env(**env), require_token=True)


def test_defaults() -> None:
    loaded = settings()
    assert loaded.database_url == DEFAULT_DATABASE_URL and "var/linli.db" in loaded.database_url
    assert loaded.wechat.api_base_url == OFFICIAL_API_BASE_URL
    assert loaded.wechat.max_clock_skew == 300 and loaded.wechat.safe_mode


@pytest.mark.parametrize(("env", "fragment"), [
    ({"WECHAT_TOKEN": ""}, "WECHAT_TOKEN is not set"),
    ({"WECHAT_AES_KEY": "short"}, "WECHAT_AES_KEY must be the 43-character"),
    ({"WECHAT_AES_KEY_PREVIOUS": "x" * 43 + "!"}, "WECHAT_AES_KEY_PREVIOUS"),
    ({"WECHAT_APPID": ""}, "WECHAT_APPID"),
    ({"WECHAT_MAX_CLOCK_SKEW": "five"}, "WECHAT_MAX_CLOCK_SKEW"),
    ({"WECHAT_MAX_CLOCK_SKEW": "-1"}, "WECHAT_MAX_CLOCK_SKEW"),
    ({"WECHAT_API_BASE_URL": "ftp://x"}, "WECHAT_API_BASE_URL"),
    ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
    ({"DATABASE_URL": "::::"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
])
def test_malformed_settings_name_the_variable(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as raised:
        settings(**env)
    message = str(raised.value)
    assert fragment in message and "\n" not in message


def test_postgres_url_gets_the_psycopg_driver() -> None:
    assert settings(DATABASE_URL="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_api_base_url_may_end_in_cgi_bin() -> None:
    assert settings(WECHAT_API_BASE_URL="http://127.0.0.1:9/cgi-bin/").wechat.api_base_url == "http://127.0.0.1:9"


def test_plaintext_only_account_needs_no_aes_key() -> None:
    loaded = settings(WECHAT_AES_KEY="", WECHAT_APPID="")
    assert not loaded.wechat.safe_mode


def test_broken_config_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text("community: [unclosed", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings(path, wechat_env())
    path.write_text("community:\n  name: x\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="is wrong"):
        load_settings(path, wechat_env())


def test_serve_without_a_token_stops_with_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", WECHAT_AES_KEY=AES_KEY)
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "WECHAT_TOKEN is not set" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_stops_start_up_with_one_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "WECHAT_TOKEN": "tok", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot be used" in result.stderr and "Traceback" not in result.stderr
