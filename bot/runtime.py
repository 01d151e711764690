"""Everything a running bot needs, built once from the settings (server, chat and CLI alike)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

import nlu
from bot.assistant import Assistant
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.flow import FlowSettings
from bot.dialogue.registry import Registry, load_flows
from bot.dialogue.responses import Responses
from bot.errors import SettingsError
from bot.settings import Settings
from store.db import make_engine, make_sessionmaker, migrate, release

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    database: Engine
    factory: sessionmaker[Session]
    read_factory: sessionmaker[Session]
    responses: Responses
    registry: Registry
    nlu: nlu.Understanding
    assistant: Assistant
    sections: dict[str, FlowSettings]

    def close(self) -> None:
        release(self.factory)
        self.database.dispose()


def build_runtime(settings: Settings, *, understanding: nlu.Understanding | None = None) -> Runtime:
    """Open the database (migrating it to the newest schema), load the NLU and the actions."""
    database = make_engine(settings.database_url, pool_size=settings.config.server.worker_threads)
    try:
        migrate(database)
    except OperationalError as error:
        shown = database.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else error.__class__.__name__
        raise SettingsError(f"The database {shown} cannot be used: {reason}.") from None
    factory = make_sessionmaker(database)
    responses = Responses.load(settings.responses_path)
    installed = load_flows()
    sections = installed.sections(settings.config.flow_sections, str(settings.config_path))
    registry = installed.enabled(sections)
    if understanding is None:
        wanted = settings.config.nlu
        try:
            understanding = nlu.load_backend(wanted.backend, rasa_url=wanted.rasa_url,
                                             timeout=wanted.rasa_timeout_seconds,
                                             threshold=wanted.confidence_threshold)
        except ValueError as error:  # nlu's DataError (unreadable training data) or a bad backend
            raise SettingsError(f"The NLU cannot be loaded: {error}.") from None
    dialogue = DialogueEngine(registry, settings.config, known_intents=frozenset(understanding.intents))
    read_factory = make_sessionmaker(database, read_only=True)
    assistant = Assistant(settings.config, responses, factory, read_factory, dialogue, understanding, sections)
    return Runtime(settings, database, factory, read_factory, responses, registry, understanding, assistant,
                   sections)
