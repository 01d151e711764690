"""The custom menu: checked against WeChat's limits when config.yml loads, published exactly as
menu/create expects (`python -m bot menu sync`), read back (`menu show`), and every CLICK key of
it reaching its flow — or the honest referral — when posted as WeChat posts it."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.errors import SettingsError
from bot.runtime import Runtime
from bot.settings import DEFAULT_CONFIG, load_config
from bot.wechat.custom_menu import click_entries, click_intent, describe, menu_json
from store.models import ProcessedMessage
from tests.conftest import APPID
from tests.fake_wechat_api import FakeWeChatApi
from tests.wechat_client import WeChatServer, event_xml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


def write_config(tmp_path: Path, custom_menu: list[dict[str, Any]], **sections: Any) -> Path:
    """config.yml with this custom menu (and sections replaced)."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    data["custom_menu"] = custom_menu
    data.update(sections)
    data["responses"] = str(DEFAULT_CONFIG.parent / data["responses"])
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def cli(args: list[str], api: FakeWeChatApi | None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WECHAT_APPID": APPID, "WECHAT_SECRET": "s3cret",
                   "WECHAT_API_BASE_URL": api.base_url if api else "http://127.0.0.1:9"}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


# --- WeChat's limits, checked when config.yml loads ---------------------------------------------
@pytest.mark.parametrize(("menu", "fragment"), [
    ([{"name": f"按钮{n}", "click": "help"} for n in range(4)], "custom_menu"),
    ([{"name": "物业服务", "items": [{"name": f"第{n}项", "click": "help"} for n in range(6)]}], "custom_menu.0.items"),
    ([{"name": "物业服务中心", "click": "help"}], "18 bytes, and WeChat allows 16"),
    ([{"name": "物业", "items": [{"name": "报" * 21, "click": "help"}]}], "63 bytes, and WeChat allows 60"),
    ([{"name": "物业", "items": [{"name": "报修", "click": "k" * 129}]}], "129 bytes, and WeChat allows 128"),
    ([{"name": "商城", "view": "ftp://shop.example.org"}], "must be an http(s) URL"),
    ([{"name": "商城", "view": "https://shop.example.org/" + "a" * 1000}], "WeChat allows 1024"),
    ([{"name": "报修", "click": "repair_report", "view": "https://example.org"}], "not both"),
    ([{"name": "物业", "items": [{"name": "报修"}]}], "not neither"),
    ([{"name": "物业", "click": "help", "items": [{"name": "报修", "click": "repair_report"}]}], "has items"),
])
def test_a_menu_beyond_wechat_limits_is_refused_in_one_sentence(tmp_path: Path, menu: list, fragment: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_config(write_config(tmp_path, menu))
    message = str(refused.value)
    assert fragment in message and message.count("\n") == 0 and "Value error" not in message


def test_names_are_counted_in_bytes_as_wechat_counts_them(tmp_path: Path) -> None:
    menu = [{"name": "物业服务中", "items": [{"name": "报" * 20, "click": "repair_report"}]}]  # 15 and 60 bytes
    assert load_config(write_config(tmp_path, menu)).custom_menu[0].items[0].name == "报" * 20


def test_a_click_key_that_starts_nothing_stops_the_bot_at_start(make_runtime, tmp_path: Path) -> None:
    path = write_config(tmp_path, [{"name": "物业", "items": [{"name": "报修", "click": "repair_reprot"}]}])
    with pytest.raises(SettingsError, match="repair_reprot"):
        make_runtime(path)


# --- what menu/create receives --------------------------------------------------------------
def test_menu_json_is_menu_create_shape() -> None:
    body = menu_json(load_config(DEFAULT_CONFIG).custom_menu[:1])
    assert body == {"button": [{"name": "物业服务", "sub_button": [
        {"type": "click", "name": "报修", "key": "repair_report"},
        {"type": "click", "name": "报修进度", "key": "repair_status"},
        {"type": "click", "name": "账单", "key": "bill_query"},
        {"type": "click", "name": "通知", "key": "notice"},
        {"type": "click", "name": "人工服务", "key": "human_handoff"},
    ]}]}


def test_menu_sync_publishes_config_menu_exactly_as_menu_create_expects(fake_api: FakeWeChatApi) -> None:
    result = cli(["menu", "sync"], fake_api)
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout
    [body] = fake_api.menus
    config = load_config(DEFAULT_CONFIG)
    assert set(body) == {"button"} and 1 <= len(body["button"]) <= 3
    for button, configured in zip(body["button"], config.custom_menu, strict=True):
        assert set(button) == {"name", "sub_button"} and button["name"] == configured.name
        assert 1 <= len(button["sub_button"]) <= 5
        assert len(button["name"].encode()) <= 16
        for sub, item in zip(button["sub_button"], configured.items, strict=True):
            expected = ({"type": "click", "name": item.name, "key": item.click} if item.click
                        else {"type": "view", "name": item.name, "url": item.view})
            assert sub == expected and len(sub["name"].encode()) <= 60
    assert ("/cgi-bin/menu/create", "TOKEN-stable") in fake_api.calls  # through the shared token


def test_menu_sync_of_buttons_with_their_own_click_and_view(fake_api: FakeWeChatApi, tmp_path: Path) -> None:
    path = write_config(tmp_path, [
        {"name": "报修", "click": "repair_report"},
        {"name": "商城", "view": "https://shop.example.org/m?from=menu"},
        {"name": "我的", "items": [{"name": "我的报修", "click": "repair_status"}, {"name": "帮助", "click": "MENU"}]},
    ])
    assert cli(["menu", "sync", "--config", str(path)], fake_api).returncode == 0
    assert fake_api.menus == [{"button": [
        {"type": "click", "name": "报修", "key": "repair_report"},
        {"type": "view", "name": "商城", "url": "https://shop.example.org/m?from=menu"},
        {"name": "我的", "sub_button": [{"type": "click", "name": "我的报修", "key": "repair_status"},
                                      {"type": "click", "name": "帮助", "key": "MENU"}]},
    ]}]


def test_menu_show_prints_what_is_live(fake_api: FakeWeChatApi) -> None:
    before = cli(["menu", "show"], fake_api)
    assert before.returncode == 0 and "no custom menu is live" in before.stdout
    cli(["menu", "sync"], fake_api)
    shown = cli(["menu", "show"], fake_api)
    assert shown.returncode == 0, shown.stderr
    assert "物业服务" in shown.stdout and "报修  [click] repair_report" in shown.stdout
    assert "  爱心捐赠  [click] donate" in shown.stdout
    assert describe({"menu": fake_api.live_menu}) == shown.stdout.strip().splitlines()


def test_menu_commands_say_in_one_sentence_what_is_missing_or_refused(fake_api: FakeWeChatApi) -> None:
    missing = cli(["menu", "sync"], fake_api, WECHAT_SECRET="")
    assert missing.returncode == 2 and "WECHAT_SECRET" in missing.stderr and "Traceback" not in missing.stderr
    fake_api.next_errors = [40018]
    refused = cli(["menu", "sync"], fake_api)
    assert refused.returncode == 1 and "40018" in refused.stderr and "Traceback" not in refused.stderr
    assert fake_api.menus == []


def test_menu_sync_refuses_a_key_that_starts_nothing(fake_api: FakeWeChatApi, tmp_path: Path) -> None:
    path = write_config(tmp_path, [{"name": "报修", "click": "REPAIRS"}])
    result = cli(["menu", "sync", "--config", str(path)], fake_api)
    assert result.returncode == 2 and "REPAIRS" in result.stderr and fake_api.menus == []


# --- every CLICK key, posted as WeChat posts it --------------------------------------------------
def reply_keys(runtime: Runtime, openid: str) -> list[str]:
    from store.db import transaction

    with transaction(runtime.factory) as session:
        row = session.scalars(select(ProcessedMessage).where(ProcessedMessage.openid == openid)
                              .order_by(ProcessedMessage.claimed_at.desc())).first()
        assert row is not None and row.reply is not None
        return list(row.reply.get("keys", []))


def test_every_click_key_of_the_menu_reaches_its_flow_or_the_referral(runtime: Runtime, wechat: WeChatServer) -> None:
    config = runtime.settings.config
    entries = list(click_entries(config))
    assert len(entries) >= 10
    for number, entry in enumerate(entries):
        openid = f"o_click_{number}"
        delivery = wechat.post(event_xml(openid, "CLICK", entry.click), safe=True)
        assert delivery.status == 200 and delivery.content, entry.name
        keys = reply_keys(runtime, openid)
        intent = click_intent(config, entry.click)
        assert not any(k.startswith(("fallback.", "channel.", "menu.title")) for k in keys), (entry.name, keys)
        if runtime.registry.get(intent) is None:
            assert keys == ["referral.offer"], (entry.name, keys)
        else:
            assert "referral.offer" not in keys, entry.name
            words = runtime.registry.words_of(intent)
            assert not keys or any(k.startswith((f"{words}.", "binding.")) for k in keys), (entry.name, keys)


def test_a_click_key_of_a_flow_switched_off_gets_the_referral(make_runtime, config_with) -> None:
    from tests.talk import Resident

    runtime = make_runtime(config_with(community_info={"enabled": False}))
    from bot.wechat.inbound import Inbound

    resident = Resident(runtime, "o_click_off")
    resident.send(Inbound(openid="o_click_off", account="gh_test", kind="event", create_time=1_700_000_000,
                          event="click", event_key="community_info", raw_type="event"))
    assert resident.last is not None and resident.last.keys == ("referral.offer",)
    assert "物业电话和地址" in resident.last.content


# --- building QR codes ----------------------------------------------------------------------
def test_qrcode_makes_a_permanent_code_for_a_building_and_prints_its_picture(fake_api: FakeWeChatApi) -> None:
    result = cli(["qrcode", "--scene", "b5-1"], fake_api)
    assert result.returncode == 0, result.stderr
    assert fake_api.qrcodes == [{"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "b5-1"}}}]
    assert "5号楼1单元" in result.stdout
    assert ("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8v%2F1%2B%3D%3D"
            in result.stdout)  # the ticket, URL-encoded
    assert ("/cgi-bin/qrcode/create", "TOKEN-stable") in fake_api.calls


def test_qrcode_refuses_a_scene_that_names_no_building(fake_api: FakeWeChatApi) -> None:
    result = cli(["qrcode", "--scene", "lobby"], fake_api)
    assert result.returncode == 2 and "b3" in result.stderr and fake_api.qrcodes == []

