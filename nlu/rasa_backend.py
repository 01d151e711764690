"""Rasa as the bot's NLU: intents from a Rasa server, entities from the project's own rules.

The bot calls ``POST {rasa_url}/model/parse`` (Rasa Open Source's HTTP API, served by
``rasa run --enable-api``) with a short timeout.  Rasa's intent and ranking become the
:class:`~nlu.types.Parse`; its ``nlu_fallback`` (the FallbackClassifier's "not sure") and its
``out_of_scope`` class become out_of_scope, as the built-in engine says it.  Entities come from
the project's extractor, run on the text: Rasa hands back surface words (明天, 3号楼, 两个人), and
SPEC §6 wants normalised values (2026-11-26, "3", 2) that only the project's rules produce.

Whenever Rasa cannot answer — down, slower than the timeout, or an answer that is not a parse
of this model's intents — the built-in engine answers instead, the reason is counted (shown by
``/healthz``) and logged at most once a minute.  After a connection failure or a timeout Rasa
is left alone for a few seconds, so a hung server costs one slow message, not every message.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import httpx

from nlu.engine import Engine
from nlu.types import OUT_OF_SCOPE, IntentPrediction, Parse

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:5005"
DEFAULT_TIMEOUT = 0.8
RASA_FALLBACK = "nlu_fallback"   # what Rasa's FallbackClassifier answers below its threshold
RANKING_SIZE = 5
LOG_EVERY_SECONDS = 60.0
RETRY_AFTER_SECONDS = 5.0
WARM_UP_TIMEOUT = 15.0


class RasaAnswerError(ValueError):
    """An answer from Rasa that is not a parse the bot can use; the message says why."""


class _Resting(Exception):
    """Rasa failed a moment ago and is not asked again yet."""


def read_answer(answer: Any, intents: frozenset[str], threshold: float | None = None
                ) -> tuple[IntentPrediction, tuple[IntentPrediction, ...]]:
    """The intent and the ranking of real intents in one ``/model/parse`` answer.

    ``intents`` are the intents of the training data; an answer naming any other (a model
    trained on something else) is refused, as is anything without a usable intent."""
    if not isinstance(answer, dict):
        raise RasaAnswerError(f"expected a JSON object, got {type(answer).__name__}")
    top = _prediction(answer.get("intent"), intents, "intent")
    raw_ranking = answer.get("intent_ranking") or []
    if not isinstance(raw_ranking, list):
        raise RasaAnswerError("intent_ranking is not a list")
    ranked = [_prediction(item, intents, "intent_ranking") for item in raw_ranking]
    ranking = tuple(p for p in sorted(ranked, key=lambda p: -p.confidence)
                    if p.name not in (RASA_FALLBACK, OUT_OF_SCOPE))[:RANKING_SIZE]
    best_real = ranking[0].confidence if ranking else 0.0
    if top.name == RASA_FALLBACK:
        return IntentPrediction(OUT_OF_SCOPE, 1.0 - best_real), ranking
    if top.name != OUT_OF_SCOPE and threshold is not None and top.confidence < threshold:
        return IntentPrediction(OUT_OF_SCOPE, 1.0 - top.confidence), ranking
    return top, ranking


def _prediction(raw: Any, intents: frozenset[str], where: str) -> IntentPrediction:
    if not isinstance(raw, dict):
        raise RasaAnswerError(f"{where}: expected an object with name and confidence")
    name, confidence = raw.get("name"), raw.get("confidence")
    if not isinstance(name, str) or not name:
        raise RasaAnswerError(f"{where}: no intent name")
    if name not in intents and name != RASA_FALLBACK:
        raise RasaAnswerError(f"{where}: unknown intent {name!r} (a model of other training data?)")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) \
            or not math.isfinite(confidence) or not -1e-6 <= confidence <= 1 + 1e-6:
        raise RasaAnswerError(f"{where}: confidence {confidence!r} is not a probability")
    return IntentPrediction(name, min(1.0, max(0.0, float(confidence))))


class RasaBackend:
    """The bot's NLU through a Rasa server, with the built-in engine behind it (thread-safe)."""

    def __init__(self, url: str, fallback: Engine, *, timeout: float = DEFAULT_TIMEOUT,
                 threshold: float | None = None, retry_after: float = RETRY_AFTER_SECONDS,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.fallback = fallback
        self.threshold = threshold
        self.retry_after = retry_after
        self._known = frozenset(fallback.intents)
        # trust_env=False: the Rasa server is the operator's own, never reached through a proxy
        self._client = httpx.Client(base_url=self.url, timeout=httpx.Timeout(timeout), transport=transport,
                                    trust_env=False)
        self._lock = threading.Lock()
        self._answered = 0
        self._fallbacks: Counter[str] = Counter()
        self._unreported = 0
        self._last_logged = -math.inf
        self._resting_until = -math.inf
        self._last_error = ""

    @property
    def intents(self) -> tuple[str, ...]:
        return self.fallback.intents

    def parse(self, text: str, today: date | None = None) -> Parse:
        """Rasa's intent and ranking with the project's entities, or the built-in engine's parse."""
        today = today or date.today()
        try:
            intent, ranking = self._ask(text)
        except (httpx.HTTPError, RasaAnswerError, _Resting) as error:
            self._fell_back(error)
            return self.fallback.parse(text, today)
        with self._lock:
            self._answered += 1
        entities = tuple(self.fallback.extractor.extract(text, today))
        return Parse(text, intent, entities, ranking)

    def _ask(self, text: str) -> tuple[IntentPrediction, tuple[IntentPrediction, ...]]:
        if time.monotonic() < self._resting_until:
            raise _Resting
        response = self._client.post("/model/parse", json={"text": text})
        response.raise_for_status()
        try:
            answer = response.json()
        except ValueError as error:
            raise RasaAnswerError("the answer is not JSON") from error
        return read_answer(answer, self._known, self.threshold)

    def _fell_back(self, error: Exception) -> None:
        reason = _reason(error)
        now = time.monotonic()
        with self._lock:
            if isinstance(error, httpx.TransportError):
                self._resting_until = now + self.retry_after
            self._fallbacks[reason] += 1
            self._unreported += 1
            if not isinstance(error, _Resting):
                self._last_error = f"{reason}: {error}"[:200]
            if now - self._last_logged < LOG_EVERY_SECONDS:
                return
            self._last_logged, count = now, self._unreported
            self._unreported = 0
        log.warning("nlu: Rasa at %s did not answer (%s); the built-in engine answered %d message(s) "
                    "since the last report", self.url, self._last_error, count)

    def warm_up(self) -> bool:
        """One parse with a generous timeout, so the server's first (slow) parse is not a
        resident's; False (and a warning) when Rasa cannot be reached now."""
        try:
            response = self._client.post("/model/parse", json={"text": "你好"}, timeout=WARM_UP_TIMEOUT)
            response.raise_for_status()
            read_answer(response.json(), self._known)
        except (httpx.HTTPError, RasaAnswerError, ValueError) as error:
            log.warning("nlu: Rasa at %s is not usable yet (%s); the built-in engine answers until it is",
                        self.url, _reason(error))
            return False
        return True

    def health(self) -> dict[str, Any]:
        """What /healthz shows: where Rasa is, how often it answered and why it did not."""
        with self._lock:
            return {"backend": "rasa", "rasa_url": self.url, "rasa_answers": self._answered,
                    "fallbacks": sum(self._fallbacks.values()), "fallback_reasons": dict(self._fallbacks),
                    "last_error": self._last_error}

    def close(self) -> None:
        self._client.close()


def _reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.TransportError):
        return "unreachable"
    if isinstance(error, httpx.HTTPStatusError):
        return f"http {error.response.status_code}"
    if isinstance(error, _Resting):
        return "resting"
    return "bad answer"


def load_backend(backend: str = "builtin", *, rasa_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 threshold: float | None = None, engine: Engine | None = None,
                 env: Mapping[str, str] | None = None) -> Engine | RasaBackend:
    """The NLU the bot runs with: ``builtin`` (the engine in process) or ``rasa`` (a Rasa server,
    the built-in engine behind it).  ``NLU_BACKEND`` and ``RASA_URL`` in ``env`` (default: the
    process environment) override ``backend`` and ``rasa_url``.  ``engine`` is the built-in
    engine to use (loaded with ``threshold`` when None)."""
    import os

    from nlu.engine import load_engine

    env = os.environ if env is None else env
    backend = (env.get("NLU_BACKEND") or backend).strip().lower()
    if backend not in ("builtin", "rasa"):
        raise ValueError(f"unknown NLU backend {backend!r} (known: builtin, rasa)")
    builtin = engine if engine is not None else load_engine(threshold=threshold)
    if backend == "builtin":
        return builtin
    url = (env.get("RASA_URL") or rasa_url or DEFAULT_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"the Rasa URL must be http(s)://…, not {url!r}")
    rasa = RasaBackend(url, builtin, timeout=timeout, threshold=threshold)
    rasa.warm_up()
    return rasa
