"""Settings: config.yml (what the operator edits) plus secrets from the environment.

The environment variable names are fixed (tools outside the project use them):
WECHAT_TOKEN, WECHAT_APPID, WECHAT_SECRET, WECHAT_AES_KEY, WECHAT_AES_KEY_PREVIOUS,
WECHAT_MAX_CLOCK_SKEW, WECHAT_API_BASE_URL, DATABASE_URL, REDIS_URL, STAFF_API_TOKEN.
Anything missing or malformed raises :class:`SettingsError` with one sentence that says
what to fix; the CLI prints it and exits without a traceback.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import SettingsError
from nlu.yamlio import safe_load

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.yml"
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'linli.db'}"
OFFICIAL_API_BASE_URL = "https://api.weixin.qq.com"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommunityConfig(_Section):
    name: str
    city: str
    timezone: str = "Asia/Shanghai"
    property_office: str = ""
    office_hours: str = ""
    property_phone: str
    emergency_phone: str
    gas_emergency_phone: str = ""
    elevator_emergency_phone: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    reply_budget_seconds: float = Field(4.0, gt=0, le=4.5)
    max_body_bytes: int = Field(65536, ge=1024)
    worker_threads: int = Field(16, ge=1, le=256)
    #: SQLite: a message whose transaction can start at once is taken on the event loop.
    turns_on_event_loop: bool = True
    #: SQLite: seconds between copies of the write-ahead log into the database, made by a thread
    #: of their own (0: SQLite's writers do it themselves, on the event loop).
    wal_checkpoint_seconds: float = Field(0.1, ge=0, le=60)


class Keywords(_Section):
    cancel: list[str]
    human: list[str]
    menu: list[str]
    #: Inside a form these leave it too (besides 不修了 / 先不报了 and the like).
    leave_form: list[str] = Field(default_factory=list)
    #: A plain yes to "please confirm".
    agree: list[str] = Field(default_factory=list)
    #: "Wait a moment": the open question (or the choices offered) stays as it was, nothing is missed.
    wait: list[str] = Field(default_factory=list)
    #: ... and so does a short message that begins with one of these or of ``wait`` and asks for
    #: nothing else (等一下我问问老伴, 我问问家里人).
    wait_leads: list[str] = Field(default_factory=list)
    #: Said to "please confirm": pick again from the start (换一个 while redeeming means another
    #: gift, not "leave"), as the 重新填写 choice does.
    choose_again: list[str] = Field(default_factory=list)
    #: Between two requests in one message (我家水管漏了，顺便问下这个月水费多少): both are taken.
    also: list[str] = Field(default_factory=list)


class DialogueConfig(_Section):
    form_timeout_minutes: int = Field(120, ge=1)
    misses_before_handoff: int = Field(2, ge=1)
    keywords: Keywords


class NluConfig(_Section):
    backend: str = "builtin"
    confidence_threshold: float | None = Field(None, gt=0, lt=1)
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = Field(0.8, gt=0, le=4)

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in ("builtin", "rasa"):
            raise ValueError(f"unknown NLU backend {value!r} (known: builtin, rasa)")
        return value

    @field_validator("rasa_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the Rasa server's URL must be http(s)://host:port, not {value!r}")
        return value


class WeChatConfig(_Section):
    api_timeout_seconds: float = Field(5, gt=0, le=30)
    #: Template messages (name → template id from the official account's 模板消息 page), sent
    #: instead of a customer-service message when the resident has not written for 48 hours.
    templates: dict[str, str] = Field(default_factory=dict)
    customer_service_window_hours: float = Field(48, gt=0)
    customer_service_quota: int = Field(5, ge=1)
    max_clock_skew_seconds: int = Field(300, ge=0)


class OutboxConfig(_Section):
    poll_seconds: float = Field(2, gt=0)
    max_attempts: int = Field(8, ge=1)
    retry_backoff_seconds: list[float] = Field(default_factory=lambda: [5.0, 15.0, 60.0, 300.0])


class StaffConfig(_Section):
    on_duty_openids: list[str] = Field(default_factory=list)


#: WeChat's limits for the custom menu (menu/create): 1–3 buttons of 1–5 items, names within
#: 16 bytes (a button) or 60 bytes (an item), CLICK keys within 128 bytes, VIEW links within
#: 1024 bytes. Counted in UTF-8, as WeChat counts them: a Chinese character is 3 bytes.
MENU_BUTTONS = 3
MENU_ITEMS = 5
MENU_BUTTON_NAME_BYTES = 16
MENU_ITEM_NAME_BYTES = 60
MENU_KEY_BYTES = 128
MENU_URL_BYTES = 1024


def _within(value: str, limit: int, what: str) -> str:
    size = len(value.encode("utf-8"))
    if size > limit:
        raise ValueError(f"{what} {value!r} is {size} bytes, and WeChat allows {limit}")
    return value


class CustomMenuEntry(_Section):
    """One entry of the custom menu: ``click`` (a CLICK key: an intent's name, or a key of
    ``click_keys``) or ``view`` (a link WeChat opens), never both."""

    name: str = Field(min_length=1)
    click: str = ""
    view: str = ""

    @field_validator("click")
    @classmethod
    def _key_size(cls, value: str) -> str:
        return _within(value.strip(), MENU_KEY_BYTES, "the CLICK key")

    @field_validator("view")
    @classmethod
    def _link(cls, value: str) -> str:
        value = value.strip()
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"the VIEW link {value!r} must be an http(s) URL")
        return _within(value, MENU_URL_BYTES, "the VIEW link")

    def _one_action(self, where: str) -> None:
        if bool(self.click) == bool(self.view):
            raise ValueError(f"{where} {self.name!r} needs either a click key or a view link, not "
                             f"{'both' if self.click else 'neither'}")


class CustomMenuItem(CustomMenuEntry):
    """An item under a button of the custom menu."""

    @field_validator("name")
    @classmethod
    def _name_size(cls, value: str) -> str:
        return _within(value.strip(), MENU_ITEM_NAME_BYTES, "the menu item name")

    @model_validator(mode="after")
    def _action(self) -> CustomMenuItem:
        self._one_action("the menu item")
        return self


class CustomMenuButton(CustomMenuEntry):
    """A button of the custom menu's bottom bar: its own click key or view link, or up to five items."""

    items: list[CustomMenuItem] = Field(default_factory=list, max_length=MENU_ITEMS)

    @field_validator("name")
    @classmethod
    def _name_size(cls, value: str) -> str:
        return _within(value.strip(), MENU_BUTTON_NAME_BYTES, "the menu button name")

    @model_validator(mode="after")
    def _action(self) -> CustomMenuButton:
        if self.items:
            if self.click or self.view:
                raise ValueError(f"the menu button {self.name!r} has items, so it cannot have its own "
                                 "click key or view link")
        else:
            self._one_action("the menu button")
        return self


class Config(BaseModel):
    """config.yml, validated: the engine's own sections here; every other top-level section
    belongs to a flow and is validated by that flow's settings model when the flows load."""

    model_config = ConfigDict(extra="allow")

    community: CommunityConfig
    responses: str = "responses.yml"
    server: ServerConfig = Field(default_factory=ServerConfig)
    dialogue: DialogueConfig
    nlu: NluConfig = Field(default_factory=NluConfig)
    wechat: WeChatConfig = Field(default_factory=WeChatConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    staff: StaffConfig = Field(default_factory=StaffConfig)
    #: The number menu (0 / 菜单 / 帮助): these intents, in this order; the other installed
    #: services are one digit further, under "more".
    menu: list[str] = Field(default_factory=list)
    #: Custom-menu CLICK keys → intents (a key that is an intent's name needs no entry).
    click_keys: dict[str, str] = Field(default_factory=dict)
    #: The custom menu at the bottom of the chat (``python -m bot menu sync`` publishes it).
    custom_menu: list[CustomMenuButton] = Field(default_factory=list, max_length=MENU_BUTTONS)
    intent_labels: dict[str, str] = Field(default_factory=dict)

    @property
    def flow_sections(self) -> dict[str, Any]:
        """The raw sections of config.yml that belong to flows."""
        return dict(self.model_extra or {})


@dataclass(frozen=True, slots=True)
class WeChatSecrets:
    token: str
    appid: str
    secret: str
    aes_key: str
    aes_key_previous: str
    max_clock_skew: int
    api_base_url: str

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)


@dataclass(frozen=True, slots=True)
class Settings:
    config: Config
    config_path: Path
    responses_path: Path
    wechat: WeChatSecrets
    database_url: str
    redis_url: str
    staff_api_token: str


def load_config(path: Path) -> Config:
    """Read and validate config.yml."""
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"The configuration file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"The configuration file {path} cannot be read: {error}.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"The configuration file {path} is not valid YAML{where}.") from None
    if not isinstance(raw, dict):
        raise SettingsError(f"The configuration file {path} must be a YAML mapping.")
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"In {path}, the setting {where} is wrong: {message}.") from None


def load_settings(config_path: Path | None = None, env: Mapping[str, str] | None = None,
                  *, require_token: bool = False) -> Settings:
    """Everything the bot needs to run; ``require_token`` for the webhook server."""
    import os

    env = os.environ if env is None else env
    path = Path(config_path) if config_path else DEFAULT_CONFIG
    config = load_config(path)
    responses_path = (path.parent / config.responses).resolve()
    if not responses_path.is_file():
        raise SettingsError(f"The responses file {responses_path} named in {path} does not exist.")
    return Settings(
        config=config,
        config_path=path,
        responses_path=responses_path,
        wechat=_wechat_secrets(env, config, require_token=require_token),
        database_url=_database_url(env.get("DATABASE_URL", "").strip()),
        redis_url=_redis_url(env.get("REDIS_URL", "").strip()),
        staff_api_token=env.get("STAFF_API_TOKEN", "").strip(),
    )


def _wechat_secrets(env: Mapping[str, str], config: Config, *, require_token: bool) -> WeChatSecrets:
    token = env.get("WECHAT_TOKEN", "").strip()
    if require_token and not token:
        raise SettingsError(
            "WECHAT_TOKEN is not set: export the Token configured on the official account's "
            "server settings page (or run `make run`, which makes a local one).")
    if token and re.search(r"\s", token):
        raise SettingsError("WECHAT_TOKEN must not contain spaces.")
    appid = env.get("WECHAT_APPID", "").strip()
    aes_key = _aes_key(env, "WECHAT_AES_KEY")
    previous = _aes_key(env, "WECHAT_AES_KEY_PREVIOUS")
    if previous and not aes_key:
        raise SettingsError("WECHAT_AES_KEY_PREVIOUS is set but WECHAT_AES_KEY is not; set the current key too.")
    if aes_key and not appid:
        raise SettingsError("WECHAT_AES_KEY is set but WECHAT_APPID is not; safe mode needs the AppID.")
    skew_text = env.get("WECHAT_MAX_CLOCK_SKEW", "").strip()
    skew = config.wechat.max_clock_skew_seconds
    if skew_text:
        if not skew_text.isdigit():
            raise SettingsError(
                f"WECHAT_MAX_CLOCK_SKEW must be a whole number of seconds (0 turns the check off), "
                f"not {skew_text!r}.")
        skew = int(skew_text)
    return WeChatSecrets(
        token=token,
        appid=appid,
        secret=env.get("WECHAT_SECRET", "").strip(),
        aes_key=aes_key,
        aes_key_previous=previous,
        max_clock_skew=skew,
        api_base_url=_api_base_url(env.get("WECHAT_API_BASE_URL", "").strip()),
    )


def _aes_key(env: Mapping[str, str], name: str) -> str:
    key = env.get(name, "").strip()
    if not key:
        return ""
    try:
        decoded = base64.b64decode(key + "=", validate=True) if len(key) == 43 else b""
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 32:
        raise SettingsError(
            f"{name} must be the 43-character EncodingAESKey from the official account's settings.")
    return key


def _api_base_url(value: str) -> str:
    if not value:
        return OFFICIAL_API_BASE_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"WECHAT_API_BASE_URL must be an http(s) URL, not {value!r}.")
    base = value.rstrip("/")
    return base[: -len("/cgi-bin")] if base.endswith("/cgi-bin") else base


def _database_url(value: str) -> str:
    if not value:
        return DEFAULT_DATABASE_URL
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            value = "postgresql+psycopg://" + value[len(prefix):]
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(f"DATABASE_URL is not a database URL: {value!r}.") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError("DATABASE_URL must point at SQLite (sqlite:///…) or PostgreSQL (postgresql+psycopg://…).")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        raise SettingsError("DATABASE_URL for PostgreSQL must use the psycopg driver: postgresql+psycopg://…")
    return value


def _redis_url(value: str) -> str:
    if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(f"REDIS_URL must start with redis://, rediss:// or unix://, not {value!r}.")
    return value


def config_dump(settings: Settings) -> dict[str, Any]:
    """What the operator may see in logs: no secrets."""
    return {
        "config": str(settings.config_path),
        "database": _hide_password(settings.database_url),
        "redis": bool(settings.redis_url),
        "safe_mode": settings.wechat.safe_mode,
        "outbound_api": bool(settings.wechat.secret and settings.wechat.appid),
    }


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
