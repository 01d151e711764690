"""Fitting the intent model with scikit-learn (imported only here, never when parsing).

A linear classifier over TF-IDF character n-grams, its confidence calibrated by temperature
scaling fitted on cross-validated scores (one parameter, so it cannot overfit a small data
set and it keeps the ranking of intents unchanged).  Every step is deterministic: sorted
input files, stratified folds shuffled with a fixed seed, fixed solver seeds.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlu.features import FeatureConfig, is_novelty_gram, novelty_tokens
from nlu.model import LinearModel
from nlu.pinyin import PinyinTable


@dataclass(frozen=True)
class TrainConfig:
    """The classifier choices; the defaults are what 5-fold cross-validation chose."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    classifier: str = "svm"          # "svm" (LinearSVC) or "logreg"
    C: float = 3.0
    class_weight: str | None = None
    calibrate: bool = True           # temperature scaling on cross-validated scores
    calibration_folds: int = 5


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2", smooth_idf=True,
                           dtype=np.float64)


def _classifier(config: TrainConfig) -> Any:
    if config.classifier == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=config.C, class_weight=config.class_weight, random_state=0,
                         max_iter=20000, dual=True)
    if config.classifier == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=5000,
                                  random_state=0)
    raise ValueError(f"unknown classifier {config.classifier!r}")


def with_novelty(train: Sequence[list[str]], labels: Sequence[str], others: Sequence[list[str]],
                 config: TrainConfig) -> tuple[list[list[str]], list[list[str]]]:
    """Add novelty tokens: to training examples out-of-fold (as if each were new, which is what
    a real message is), to ``others`` against all of ``train``."""
    cuts = config.features.novelty_cuts
    if not cuts:
        return list(train), list(others)
    out_train: list[list[str]] = [list(t) for t in train]
    for fit_idx, held_idx in folds(labels, 5):
        known = {g for i in fit_idx for g in train[i] if is_novelty_gram(g)}
        for i in held_idx:
            out_train[i] = list(train[i]) + novelty_tokens(train[i], known, cuts)
    known_all = {g for t in train for g in t if is_novelty_gram(g)}
    return out_train, [list(t) + novelty_tokens(t, known_all, cuts) for t in others]


def _fit_raw(tokens: Sequence[list[str]], labels: Sequence[str], config: TrainConfig) -> tuple[Any, Any]:
    vectorizer = _vectorizer()
    matrix = vectorizer.fit_transform(tokens)
    classifier = _classifier(config)
    classifier.fit(matrix, np.asarray(labels))
    return vectorizer, classifier


def folds(labels: Sequence[str], n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds, shuffled with a fixed seed: deterministic, the same for every experiment."""
    from sklearn.model_selection import StratifiedKFold

    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    n = max(2, min(n_folds, int(counts.min()))) if counts.size else 2
    splitter = StratifiedKFold(n_splits=n, shuffle=True, random_state=0)
    return list(splitter.split(np.zeros(len(labels)), np.asarray(labels)))


def cross_val_scores(tokens: Sequence[list[str]], labels: Sequence[str], config: TrainConfig,
                     n_folds: int = 5) -> tuple[np.ndarray, tuple[str, ...]]:
    """Uncalibrated decision scores of every example from a model that did not see it."""
    classes = tuple(sorted(set(labels)))
    scores = np.zeros((len(labels), len(classes)))
    labels_arr = np.asarray(labels)
    for train_idx, test_idx in folds(labels, n_folds):
        train_tokens, test_tokens = with_novelty([tokens[i] for i in train_idx], list(labels_arr[train_idx]),
                                                 [tokens[i] for i in test_idx], config)
        vectorizer, classifier = _fit_raw(train_tokens, labels_arr[train_idx], config)
        raw = classifier.decision_function(vectorizer.transform(test_tokens))
        fold_scores = np.full((len(test_idx), len(classes)), -1e3)
        for j, name in enumerate(classifier.classes_):
            fold_scores[:, classes.index(name)] = raw[:, j]
        scores[test_idx] = fold_scores
    return scores, classes


def fit_temperature(scores: np.ndarray, labels: Sequence[str], classes: Sequence[str]) -> float:
    """The temperature that minimises the negative log-likelihood of held-out scores."""
    from scipy.optimize import minimize_scalar

    target = np.array([list(classes).index(label) for label in labels])

    def nll(log_t: float) -> float:
        logits = scores / np.exp(log_t)
        logits = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1))
        return float(np.mean(log_norm - logits[np.arange(len(target)), target]))

    result = minimize_scalar(nll, bounds=(-6.0, 4.0), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


def fit_model(tokens: Sequence[list[str]], labels: Sequence[str], config: TrainConfig) -> LinearModel:
    """Train on everything; calibrate the confidence on cross-validated scores."""
    train_tokens, _ = with_novelty(tokens, labels, [], config)
    vectorizer, classifier = _fit_raw(train_tokens, labels, config)
    classes = tuple(str(c) for c in classifier.classes_)
    temperature = 1.0
    if config.calibrate:
        scores, cv_classes = cross_val_scores(tokens, labels, config, config.calibration_folds)
        order = [cv_classes.index(c) for c in classes]
        temperature = fit_temperature(scores[:, order], labels, classes)
    vocabulary = {str(term): int(index) for term, index in sorted(vectorizer.vocabulary_.items(),
                                                                   key=lambda kv: kv[1])}
    return LinearModel(
        classes=classes,
        vocabulary=vocabulary,
        idf=np.ascontiguousarray(vectorizer.idf_, dtype=np.float64),
        weights=np.ascontiguousarray(np.asarray(classifier.coef_, dtype=np.float64).T),
        intercept=np.asarray(classifier.intercept_, dtype=np.float64).copy(),
        calibration="softmax",
        temperature=temperature,
        novelty_cuts=tuple(config.features.novelty_cuts),
        pinyin=PinyinTable.build() if config.features.pinyin else None,
    )
