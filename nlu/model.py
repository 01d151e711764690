"""The trained intent model as plain numpy arrays: what parsing needs and nothing more.

Training uses scikit-learn, but parsing does not import it: scikit-learn costs about a second
and 70 MB to import, against a 3-second start and 250 MB budget for the whole bot.  The
TF-IDF weighting and the linear scores are a few lines of numpy, and the same arrays are what
scikit-learn computed, so the results are identical (a test checks it).  One step comes before
them that scikit-learn never saw: the homophone back-off of :meth:`LinearModel.corrected`, which
needs the vocabulary and so lives with the model.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlu.features import novelty_tokens
from nlu.pinyin import PinyinTable


@dataclass(frozen=True, eq=False)
class LinearModel:
    """TF-IDF (sublinear tf, l2 norm) → linear scores → calibrated probabilities."""

    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    idf: np.ndarray            # (n_features,)
    weights: np.ndarray        # (n_features, n_classes): rows are fetched per token
    intercept: np.ndarray      # (n_classes,)
    calibration: str           # "softmax" (scores are logits / temperature) or "sigmoid"
    temperature: float = 1.0
    sigmoid_a: np.ndarray | None = None   # per class, p = 1 / (1 + exp(a * score + b))
    sigmoid_b: np.ndarray | None = None
    novelty_cuts: tuple[float, ...] = ()
    # homophone back-off (None: off): see :meth:`corrected`
    pinyin: PinyinTable | None = None

    def __post_init__(self) -> None:
        homophones: dict[str, str] = {}
        if self.pinyin is not None:
            best: dict[str, tuple[float, str]] = {}
            for term, index in self.vocabulary.items():
                key = self._pinyin_key(term)
                if key is not None:
                    candidate = (float(self.idf[index]), term)
                    if key not in best or candidate < best[key]:
                        best[key] = candidate
            homophones = {key: term for key, (_, term) in best.items()}
        object.__setattr__(self, "_homophones", homophones)

    def _pinyin_key(self, gram: str) -> str | None:
        """``ji_fen`` for 积分 (``<_ji`` for the pair that opens a message); None when the token
        is not a character pair or has no Chinese character."""
        if self.pinyin is None or len(gram) != 2 or gram.startswith("@"):
            return None
        parts = []
        for ch in gram:
            syllable = ch if ch in "<>" else self.pinyin.syllable(ch)
            if syllable is None:
                return None
            parts.append(syllable)
        return None if all(p in "<>" for p in parts) else "_".join(parts)

    def corrected(self, tokens: Sequence[str]) -> list[str]:
        """Tokens with every character pair the training data never contained replaced by the
        most frequent known pair that sounds the same (机分 → 积分, 无业 → 物业)."""
        homophones: dict[str, str] = self._homophones  # type: ignore[attr-defined]
        if not homophones:
            return list(tokens)
        out = []
        for token in tokens:
            if len(token) == 2 and token not in self.vocabulary:
                key = self._pinyin_key(token)
                if key is not None and key in homophones:
                    token = homophones[key]
            out.append(token)
        return out

    def features(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Indices and TF-IDF values of the known tokens (the sparse row the vectoriser builds)."""
        counts = Counter(t for t in tokens if t in self.vocabulary)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.intp, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values = tf * self.idf[index]
        values /= np.sqrt(values @ values)
        return index, values

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        tokens = self.corrected(tokens)
        if self.novelty_cuts:
            tokens = [*tokens, *novelty_tokens(tokens, self.vocabulary, self.novelty_cuts)]
        index, values = self.features(tokens)
        if index.size == 0:
            return self.intercept.copy()
        return values @ self.weights[index] + self.intercept

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities from raw scores (rows or a single vector)."""
        if self.calibration == "sigmoid":
            assert self.sigmoid_a is not None and self.sigmoid_b is not None
            proba = 1.0 / (1.0 + np.exp(np.clip(self.sigmoid_a * scores + self.sigmoid_b, -700, 700)))
            total = proba.sum(axis=-1, keepdims=True)
            uniform = np.full_like(proba, 1.0 / proba.shape[-1])
            return np.where(total > 0, proba / np.where(total > 0, total, 1.0), uniform)
        logits = scores / self.temperature
        logits = logits - logits.max(axis=-1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=-1, keepdims=True)

    def predict_proba(self, tokens: Sequence[str]) -> np.ndarray:
        return self.probabilities(self.scores(tokens))

    def state(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
