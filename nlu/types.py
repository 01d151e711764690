"""The values the NLU hands to the rest of the bot.

A :class:`Parse` is what one utterance means: the most likely intent with a calibrated
confidence, a short ranking of alternatives (the dialogue engine turns it into a clarifying
question when the top intent is not sure enough) and the entities with normalised values and
character offsets into the original text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

OUT_OF_SCOPE = "out_of_scope"

EntityValue = str | int


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity found in an utterance; ``start``/``end`` index the original text."""

    entity: str
    value: EntityValue
    start: int
    end: int
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True, slots=True)
class Parse:
    text: str
    intent: IntentPrediction
    entities: tuple[Entity, ...] = ()
    ranking: tuple[IntentPrediction, ...] = field(default=())

    def entity(self, name: str) -> EntityValue | None:
        """The value of the first entity called ``name``, or None."""
        for found in self.entities:
            if found.entity == name:
                return found.value
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of SPEC §6: text, intent {name, confidence}, entities."""
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
        }


class Understanding(Protocol):
    """What the bot needs of an NLU engine: the built-in one, or Rasa behind nlu.load_backend."""

    @property
    def intents(self) -> tuple[str, ...]: ...

    def parse(self, text: str, today: date | None = None) -> Parse: ...

    def health(self) -> dict[str, Any]: ...
