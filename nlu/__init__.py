"""邻里助手's natural-language understanding: intents and entities of resident messages.

The public surface::

    engine = nlu.load_engine()                 # cached model, retrained when the data changed
    parse = engine.parse("明天天气怎么样")       # -> nlu.Parse (intent, ranking, entities)
    understanding = nlu.load_backend("rasa")   # a Rasa server, the built-in engine behind it
    nlu.extract_entities("3号楼502室")          # rule-based entities alone, for form slots
    nlu.normalize_text("報修")                  # the normalisation the engine applies
    nlu.spelled_digits("幺三九 一二三四")          # "1391234": digits read out one by one
    nlu.detect_emergency("煤气味很重")            # "gas": the urgent-case decision, or None

``import nlu`` stays cheap: numpy, jionlp, cn2an and OpenCC load on first use, and
scikit-learn only when a model has to be trained.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlu.types import OUT_OF_SCOPE, Entity, IntentPrediction, Parse, Understanding

if TYPE_CHECKING:
    from nlu.emergency import detect_emergency
    from nlu.engine import Engine, load_engine
    from nlu.entities import extract_entities
    from nlu.normalize import normalize_text
    from nlu.numerals import spelled_digits
    from nlu.rasa_backend import RasaBackend, load_backend

__all__ = ["OUT_OF_SCOPE", "Engine", "Entity", "IntentPrediction", "Parse", "RasaBackend", "Understanding",
           "detect_emergency", "extract_entities", "load_backend", "load_engine", "normalize_text", "spelled_digits"]

_LAZY = {
    "Engine": ("nlu.engine", "Engine"),
    "load_engine": ("nlu.engine", "load_engine"),
    "extract_entities": ("nlu.entities", "extract_entities"),
    "normalize_text": ("nlu.normalize", "normalize_text"),
    "spelled_digits": ("nlu.numerals", "spelled_digits"),
    "detect_emergency": ("nlu.emergency", "detect_emergency"),
    "load_backend": ("nlu.rasa_backend", "load_backend"),
    "RasaBackend": ("nlu.rasa_backend", "RasaBackend"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
