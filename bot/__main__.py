"""`python -m bot serve | chat | seed-demo | migrate | jobs | menu sync | menu show | qrcode --scene S |
console-user USERNAME`.

A missing or malformed setting stops the command with one sentence on stderr (exit 2), and a
WeChat API that refuses an operator command (menu, qrcode) with one sentence too (exit 1),
never a traceback.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import SettingsError

if TYPE_CHECKING:
    from bot.wechat.api import WeChatApi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="邻里助手, the community's WeChat assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the webhook (/wechat), the staff API (/api) and /healthz")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--config", type=Path)
    serve.add_argument("--dev", action="store_true",
                       help="make local WeChat and staff API credentials when none are set (what `make run` does)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (PostgreSQL, or SQLite on one machine); jobs run in one of them")

    chat = commands.add_parser("chat", help="talk to the bot in a terminal")
    chat.add_argument("--openid", default="o_terminal_resident")
    chat.add_argument("--config", type=Path)

    seed = commands.add_parser("seed-demo", help="load the demo community")
    seed.add_argument("--config", type=Path)
    seed.add_argument("--if-empty", action="store_true", help="only when the database has no households")

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument("--config", type=Path)

    jobs = commands.add_parser("jobs", help="list the scheduled jobs and when each runs next")
    jobs.add_argument("--config", type=Path)

    menu = commands.add_parser("menu", help="the custom menu of config.yml: publish it, or show what is live")
    menu.add_argument("action", choices=["sync", "show"],
                      help="sync: publish config.yml's custom_menu (menu/create); show: print the live menu (menu/get)")
    menu.add_argument("--json", action="store_true", help="show: print the live menu as WeChat's JSON")
    menu.add_argument("--config", type=Path)

    qrcode = commands.add_parser("qrcode", help="make a permanent QR code for a building (scene b3, b5-1)")
    qrcode.add_argument("--scene", required=True, help="b<building> or b<building>-<unit>, e.g. b3 or b5-1")
    qrcode.add_argument("--config", type=Path)

    user = commands.add_parser("console-user", help="create or update a staff console login (password from stdin)")
    user.add_argument("username")
    user.add_argument("--name", default="", help="the staff member's name (default: the username)")
    user.add_argument("--role", default="admin", choices=["admin", "staff", "property", "party"])
    user.add_argument("--config", type=Path)

    args = parser.parse_args(argv)
    from bot.privacy import configure_logging

    configure_logging(logging.INFO if args.command == "serve" else logging.WARNING)
    try:
        return _run(args)
    except SettingsError as error:
        print(f"邻里助手 cannot start: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from bot.settings import load_settings

    if args.command == "serve":
        return _serve(args)
    settings = load_settings(args.config)
    if args.command == "migrate":
        from store.db import make_engine, migrate

        migrate(make_engine(settings.database_url))
        print("database schema is up to date")
        return 0
    if args.command == "seed-demo":
        return _seed(settings, args.if_empty)
    if args.command == "jobs":
        return _jobs(settings)
    if args.command == "console-user":
        return _console_user(settings, args.username, args.name, args.role)
    if args.command in ("menu", "qrcode"):
        from bot.errors import DeliveryError

        try:
            return _menu(settings, args.action, args.json) if args.command == "menu" else _qrcode(settings, args.scene)
        except DeliveryError as error:
            print(f"The WeChat API call failed: {error}.", file=sys.stderr)
            return 1
    from bot.chat import chat
    from bot.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        chat(runtime, args.openid)
    finally:
        runtime.close()
    return 0


def _seed(settings: object, if_empty: bool) -> int:
    from zoneinfo import ZoneInfo

    from bot.demo import seed_community
    from bot.settings import Settings
    from store import Store
    from store.clock import utcnow
    from store.db import make_engine, make_sessionmaker, migrate, transaction

    assert isinstance(settings, Settings)
    database = make_engine(settings.database_url)
    migrate(database)
    today = utcnow().astimezone(ZoneInfo(settings.config.community.timezone)).date()
    with transaction(make_sessionmaker(database)) as session:
        store = Store(session)
        existing = store.households.count()
        if if_empty and existing:
            print(f"the database already has {existing} households; demo not loaded")
            return 0
        added = seed_community(store, today)
        admin_password = _demo_admin(store)
    print(f"demo community loaded: {added} records added. Try in the chat: 绑定 3-502 张三 1234")
    if admin_password:
        from bot.devcreds import DEV_FILE, remember_dev_value
        from bot.settings import DEFAULT_DATABASE_URL

        kept = ""
        if settings.database_url == DEFAULT_DATABASE_URL:  # the local demo database of `make run`
            remember_dev_value("CONSOLE_ADMIN_PASSWORD", admin_password, DEV_FILE)
            kept = f"; also kept in {DEV_FILE}"
        print(f"staff console: log in at /console as admin with the password {admin_password} (shown once{kept})")
    return 0


def _demo_admin(store: object) -> str | None:
    """The demo's console admin ``admin`` with a random password (None when it exists already)."""
    import secrets

    from bot.console.users import create_or_update
    from store import Store
    from store.clock import utcnow
    from store.staff import StaffRepository

    assert isinstance(store, Store)
    if store[StaffRepository].with_username("admin") is not None:
        return None
    password = secrets.token_urlsafe(12)
    create_or_update(store, "admin", "演示管理员", "admin", password, utcnow())
    return password


def _console_user(settings: object, username: str, name: str, role: str) -> int:
    """Create or update a console login; the password is read from stdin (or asked for at a
    terminal, twice), never from the command line, where other users could see it."""
    import getpass

    from bot.console.users import LoginRefused, create_or_update
    from bot.settings import Settings
    from store import Store
    from store.clock import utcnow
    from store.db import make_engine, make_sessionmaker, migrate, transaction

    assert isinstance(settings, Settings)
    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("the same password again: ") != password:
            print("the two passwords differ; nothing was changed", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    database = make_engine(settings.database_url)
    migrate(database)
    try:
        with transaction(make_sessionmaker(database)) as session:
            member, created = create_or_update(Store(session), username, name, role, password, utcnow())
            shown = (member.id, member.name, member.role)
    except LoginRefused as refused:
        print(f"{refused}; nothing was changed", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    verb = "created" if created else "updated"
    print(f"console login {username} {verb}: staff member {shown[0]} {shown[1]} ({shown[2]}); log in at /console")
    return 0


def _jobs(settings: object) -> int:
    from zoneinfo import ZoneInfo

    from bot.runtime import build_runtime
    from bot.scheduler import next_runs
    from bot.settings import Settings

    assert isinstance(settings, Settings)
    runtime = build_runtime(settings)
    zone = ZoneInfo(settings.config.community.timezone)
    try:
        rows = next_runs(runtime)
    finally:
        runtime.close()
    width = max(len(job_id) for job_id, _, _ in rows)
    print(f"{'job'.ljust(width)}  next run ({zone.key})   schedule")
    for job_id, when, schedule in rows:
        shown = when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if when else "never"
        print(f"{job_id.ljust(width)}  {shown.ljust(21)}  {schedule}")
    return 0


def _api(settings: object) -> WeChatApi:
    from bot.settings import Settings
    from bot.wechat.api import WeChatApi

    assert isinstance(settings, Settings)
    secrets = settings.wechat
    if not (secrets.appid and secrets.secret):
        raise SettingsError("WECHAT_APPID and WECHAT_SECRET are not set: the menu and QR codes are "
                            "published through the WeChat API, which needs both.")
    return WeChatApi(secrets, settings.config.wechat.api_timeout_seconds, settings.redis_url)


def _menu(settings: object, action: str, as_json: bool) -> int:
    import json

    from bot.settings import Settings
    from bot.wechat.custom_menu import describe, menu_json

    assert isinstance(settings, Settings)
    api = _api(settings)
    if action == "sync":
        buttons = settings.config.custom_menu
        if not buttons:
            raise SettingsError(f"{settings.config_path} has no custom_menu to publish.")
        _check_click_keys(settings)
        api.create_menu(menu_json(buttons))
        items = sum(len(button.items) or 1 for button in buttons)
        print(f"custom menu published: {len(buttons)} buttons, {items} entries")
        return 0
    live = api.get_menu()
    if as_json:
        print(json.dumps(live or {}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(live)) or "no custom menu is live")
    return 0


def _check_click_keys(settings: object) -> None:
    """Every CLICK key must start an intent the bot knows (a flow's, or one it refers honestly)."""
    from bot.dialogue.registry import load_flows
    from bot.settings import Settings
    from bot.wechat.custom_menu import click_entries, click_intent
    from nlu.data_io import read_training_data
    from nlu.lexicon import DEFAULT_DATA_DIR

    assert isinstance(settings, Settings)
    config = settings.config
    installed = load_flows()
    registry = installed.enabled(installed.sections(config.flow_sections, str(settings.config_path)))
    trained = {example.intent for example in read_training_data(DEFAULT_DATA_DIR)}
    known = registry.intents | set(config.intent_labels) | trained
    for entry in click_entries(config):
        if click_intent(config, entry.click) not in known:
            raise SettingsError(f"In {settings.config_path}, the custom menu entry {entry.name} has the click key "
                                f"{entry.click!r}, which starts no intent the bot knows.")


def _qrcode(settings: object, scene: str) -> int:
    from bot.wechat.scene import building_of

    building = building_of(scene)
    if building is None:
        raise SettingsError(f"The scene {scene!r} names no building: write b<building> or b<building>-<unit>, "
                            "e.g. b3 or b5-1.")
    code = _api(settings).create_qrcode(building.scene)
    print(f"{building.place} ({building.scene}): {code.image_url}")
    if code.content:
        print(f"  the code encodes {code.content}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if args.dev:
        from bot.devcreds import DEV_FILE, ensure_dev_credentials

        filled = ensure_dev_credentials(os.environ)
    from bot.settings import config_dump, load_settings

    settings = load_settings(args.config, require_token=True)
    import uvicorn

    from bot.app import create_app
    from bot.runtime import build_runtime

    host = args.host or settings.config.server.host
    port = args.port or settings.config.server.port
    log = logging.getLogger("bot")
    log.info("starting: %s", config_dump(settings))
    _print_welcome(host, port, settings, filled if args.dev else {}, DEV_FILE if args.dev else None)
    options: dict[str, object] = {"host": host, "port": port, "log_level": "warning", "access_log": False,
                                  "timeout_graceful_shutdown": 5}
    if args.workers > 1:
        # Each worker process builds its own runtime from the same settings (bot.app.from_environment).
        from store.db import make_engine, migrate

        migrate(make_engine(settings.database_url))  # once, before the workers start
        if args.config:
            os.environ["LINLI_CONFIG"] = str(args.config)
        log.info("starting %s workers", args.workers)
        uvicorn.run("bot.app:from_environment", factory=True, workers=args.workers, **options)  # type: ignore[arg-type]
        return 0
    runtime = build_runtime(settings)
    app = create_app(runtime)
    log.info("ready to serve after %.2f s", time.monotonic() - started)
    uvicorn.run(app, **options)  # type: ignore[arg-type]
    return 0


def _print_welcome(host: str, port: int, settings: object, filled: dict[str, str], dev_file: Path | None) -> None:
    from bot.settings import Settings

    assert isinstance(settings, Settings)
    url = f"http://{host}:{port}"
    lines = [
        "",
        f"邻里助手 is serving {settings.config.community.name} at {url}",
        f"  webhook  {url}/wechat     health  {url}/healthz     staff console  {url}/console",
        "",
        "Chat in a terminal (same engine, same data):",
        "  .venv/bin/python -m bot chat",
        "",
        "Connect a real official account (公众号 → 设置与开发 → 基本配置 → 服务器配置):",
        "  URL: https://<your public host>/wechat   Token: the value of WECHAT_TOKEN",
        "  EncodingAESKey: WECHAT_AES_KEY (safe mode), AppID/AppSecret: WECHAT_APPID/WECHAT_SECRET",
        "",
    ]
    if settings.staff_api_token:
        lines += [
            f"Staff API at {url}/api (OpenAPI: {url}/docs), with the token in STAFF_API_TOKEN:",
            f'  curl -H "Authorization: Bearer $STAFF_API_TOKEN" {url}/api/households',
        ]
    else:
        lines += ["Staff API: off until STAFF_API_TOKEN is set (every /api call answers 401)."]
    if filled and dev_file is not None:
        made = ", ".join(sorted(filled))
        lines += [
            "",
            f"Local credentials ({made}) were made in {dev_file};",
            "load them into a shell (for curl, or a client that signs like WeChat's servers) with:",
            f"  set -a; . {dev_file}; set +a",
        ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
