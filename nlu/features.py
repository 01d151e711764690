"""What the classifier sees of an utterance: character n-grams of the normalised text, and more.

Chinese needs no word segmentation for intent classification: character 1–2-grams of the
normalised text, with start/end markers so a bare 取消 differs from 取消报名, carry the signal.
Digits are folded to one symbol (3号楼 and 12号楼 look alike), punctuation and spaces are
dropped, and filler words (那个, 嗯 …) are removed unless they are the whole message.  Three
additions cover the ways residents deviate from the textbook:

* homophone back-off: a character pair the training data never contained is read as the
  known pair with the same toneless pinyin, so a typo of speech recognition or the input
  method (机分, 无业, 包名) counts as the word it stands for (done by the model, which knows the
  vocabulary: :meth:`nlu.model.LinearModel.corrected`, :mod:`nlu.pinyin`);
* emoji become the word they stand for (👌 → 好的, 🙏 → 谢谢, ❌ → 不; the ``emoji:`` table of
  nlu/lexicon.yml) instead of being dropped with the punctuation;
* Latin-letter words are word tokens (``w:thanks``, ``w:bill``), not runs of letter pairs.

Entity types found by the rule-based extractor are added as tokens (a phone number or a room
says "binding"; a date says "weather" or "event"), and so is how novel the message is compared
with the training data (see :func:`novelty_tokens`).  The same function serves training and
parsing, so the two can never drift apart.
"""
from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

_DROP_RE = re.compile(r"[\s\W_]+", re.UNICODE)
_LATIN_RE = re.compile(r"[a-z]+")
# What one message can say fits in far fewer characters; a pasted essay is classified by its
# beginning (entities are still found in all of it).
MAX_CHARS = 200
_DIGIT_RE = re.compile(r"\d")
WORD_PREFIX = "w:"


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
    pinyin: bool = True          # unseen character pairs read as a known pair of the same pinyin
    emoji: bool = True           # emoji → the word of nlu/lexicon.yml's emoji table
    english_words: bool = True   # Latin-letter words as word tokens rather than letter pairs


def is_novelty_gram(token: str) -> bool:
    """The tokens novelty is measured on: character bigrams and Latin-letter words."""
    return (len(token) == 2 and not token.startswith("@")) or token.startswith(WORD_PREFIX)


def novelty_tokens(tokens: Sequence[str], known: Container[str], cuts: Sequence[float]) -> list[str]:
    """Tokens saying how much of the message is unlike anything in the training data."""
    grams = [t for t in tokens if is_novelty_gram(t)]
    if not grams or not cuts:
        return []
    unseen = sum(g not in known for g in grams) / len(grams)
    return [f"@nov{cut:g}" for cut in cuts if unseen >= cut]


class Featurizer:
    """Normalised text (and entity types) → the token list the vectoriser counts."""

    def __init__(self, config: FeatureConfig, fillers: Iterable[str],
                 emoji: Mapping[str, str] | None = None) -> None:
        self.config = config
        words = sorted({f for f in fillers if f}, key=lambda w: (-len(w), w))
        self._fillers = re.compile("|".join(map(re.escape, words))) if words else None
        self._emoji = {k: v for k, v in (emoji or {}).items() if k} if config.emoji else {}
        keys = sorted(self._emoji, key=lambda w: (-len(w), w))
        self._emoji_re = re.compile("|".join(map(re.escape, keys))) if keys else None

    def _with_emoji_words(self, text: str) -> str:
        if self._emoji_re is None:
            return text
        return self._emoji_re.sub(lambda m: f" {self._emoji[m.group()]} ", text)

    def _squeeze(self, text: str) -> str:
        text = _DROP_RE.sub("", text)
        if self.config.drop_fillers and self._fillers is not None:
            stripped = self._fillers.sub("", text)
            if stripped:
                text = stripped
        if self.config.fold_digits:
            text = _DIGIT_RE.sub("0", text)
        return text[:MAX_CHARS]

    def clean(self, normalized_text: str) -> str:
        """The characters the classifier reads (empty: nothing to classify)."""
        return self._squeeze(self._with_emoji_words(normalized_text))

    def tokens(self, normalized_text: str, entity_types: Iterable[str] = ()) -> list[str]:
        text = self._with_emoji_words(normalized_text)
        words: list[str] = []
        if self.config.english_words:
            words = _LATIN_RE.findall(text[:MAX_CHARS * 2])
            text = _LATIN_RE.sub(" ", text)
        text = self._squeeze(text)
        out: list[str] = []
        marked = f"<{text}>" if self.config.boundaries else text
        n_chars = len(marked)
        for n in range(self.config.ngram_min, self.config.ngram_max + 1):
            for i in range(n_chars - n + 1):
                gram = marked[i:i + n]
                if gram in ("<", ">"):
                    continue
                out.append(gram)
        out.extend(WORD_PREFIX + w for w in words)
        if self.config.entity_tokens:
            out.extend(f"@{name}" for name in sorted(set(entity_types)))
        return out
