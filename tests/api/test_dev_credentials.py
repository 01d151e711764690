"""`bot serve --dev` makes a local staff token too, and the welcome text says how to use it."""
from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.__main__ import _print_welcome
from bot.devcreds import ensure_dev_credentials
from bot.settings import Settings


def test_a_fresh_machine_gets_wechat_credentials_and_a_staff_token_kept_for_next_time(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    env: dict[str, str] = {}
    filled = ensure_dev_credentials(env, path)
    assert set(filled) == {"WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY", "STAFF_API_TOKEN"}
    assert len(env["STAFF_API_TOKEN"]) >= 24 and env == filled
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again: dict[str, str] = {}
    ensure_dev_credentials(again, path)
    assert again == env


def test_a_credentials_file_from_before_the_staff_api_gains_a_token_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    path.write_text("WECHAT_TOKEN=tok\nWECHAT_APPID=wx1\nWECHAT_AES_KEY=" + "a" * 43 + "\n")
    env: dict[str, str] = {}
    ensure_dev_credentials(env, path)
    assert (env["WECHAT_TOKEN"], env["WECHAT_APPID"]) == ("tok", "wx1") and env["STAFF_API_TOKEN"]
    assert f"STAFF_API_TOKEN={env['STAFF_API_TOKEN']}" in path.read_text()


def test_values_the_environment_sets_are_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    env = {"WECHAT_TOKEN": "mine", "STAFF_API_TOKEN": "ours"}
    assert ensure_dev_credentials(env, path) == {}
    assert env == {"WECHAT_TOKEN": "mine", "STAFF_API_TOKEN": "ours"} and not path.exists()
    only_wechat = {"WECHAT_TOKEN": "mine"}
    assert set(ensure_dev_credentials(only_wechat, path)) == {"STAFF_API_TOKEN"}


def test_the_welcome_text_shows_how_to_call_the_staff_api(make_settings: Callable[..., Settings],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _print_welcome("127.0.0.1", 8000, make_settings(STAFF_API_TOKEN="t0ken"), {"STAFF_API_TOKEN": "t0ken"},
                   Path("var/dev-credentials.env"))
    text = capsys.readouterr().out
    assert "http://127.0.0.1:8000/docs" in text
    assert 'curl -H "Authorization: Bearer $STAFF_API_TOKEN" http://127.0.0.1:8000/api/households' in text
    assert "set -a; . var/dev-credentials.env; set +a" in text and "t0ken" not in text


def test_the_welcome_text_says_when_the_staff_api_is_off(make_settings: Callable[..., Settings],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _print_welcome("127.0.0.1", 8000, make_settings(), {}, None)
    assert "STAFF_API_TOKEN is set" in capsys.readouterr().out
