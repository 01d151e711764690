"""What the classifier sees of an utterance: character n-grams of the normalised text.

Chinese needs no word segmentation for intent classification: character 1–3-grams of the
normalised text, with start/end markers so a bare 取消 differs from 取消报名, carry the signal.
Digits are folded to one symbol (3号楼 and 12号楼 look alike), punctuation and spaces are
dropped, and filler words (那个, 嗯 …) are removed unless they are the whole message.  Entity
types found by the rule-based extractor are added as tokens (a phone number or a room says
"binding"; a date says "weather" or "event"), and so is how novel the message is compared with
the training data (see :func:`novelty_tokens`).  The same function serves training and parsing,
so the two can never drift apart.
"""
from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

_DROP_RE = re.compile(r"[\s\W_]+", re.UNICODE)
# What one message can say fits in far fewer characters; a pasted essay is classified by its
# beginning (entities are still found in all of it).
MAX_CHARS = 200
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class FeatureConfig:
    """The choices cross-validation made (see bench/RESULTS.md); part of the model file."""

    ngram_min: int = 1
    ngram_max: int = 2
    boundaries: bool = True
    entity_tokens: bool = True
    drop_fillers: bool = True
    fold_digits: bool = True
    # "@novN" tokens: the share of the message's character bigrams that the training data never
    # contained reaches N.  Off-topic messages are mostly made of unseen bigrams.
    novelty_cuts: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)


def novelty_tokens(tokens: Sequence[str], known: Container[str], cuts: Sequence[float]) -> list[str]:
    """Tokens saying how much of the message is unlike anything in the training data."""
    grams = [t for t in tokens if len(t) == 2 and not t.startswith("@")]
    if not grams or not cuts:
        return []
    unseen = sum(g not in known for g in grams) / len(grams)
    return [f"@nov{cut:g}" for cut in cuts if unseen >= cut]


class Featurizer:
    """Normalised text (and entity types) → the token list the vectoriser counts."""

    def __init__(self, config: FeatureConfig, fillers: Iterable[str]) -> None:
        self.config = config
        words = sorted({f for f in fillers if f}, key=lambda w: (-len(w), w))
        self._fillers = re.compile("|".join(map(re.escape, words))) if words else None

    def clean(self, normalized_text: str) -> str:
        text = _DROP_RE.sub("", normalized_text)
        if self.config.drop_fillers and self._fillers is not None:
            stripped = self._fillers.sub("", text)
            if stripped:
                text = stripped
        if self.config.fold_digits:
            text = _DIGIT_RE.sub("0", text)
        return text[:MAX_CHARS]

    def tokens(self, normalized_text: str, entity_types: Iterable[str] = ()) -> list[str]:
        text = self.clean(normalized_text)
        if self.config.boundaries:
            text = f"<{text}>"
        out: list[str] = []
        n_chars = len(text)
        for n in range(self.config.ngram_min, self.config.ngram_max + 1):
            for i in range(n_chars - n + 1):
                gram = text[i:i + n]
                if gram in ("<", ">"):
                    continue
                out.append(gram)
        if self.config.entity_tokens:
            out.extend(f"@{name}" for name in sorted(set(entity_types)))
        return out
