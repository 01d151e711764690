"""The built-in engine against Rasa's DIET (``make bench-nlu-compare``): the same training data,
the same held-out sets, the same machine, one run.

Both engines train from nlu/data; Rasa with nlu/rasa/config.yml (full epochs) through
``python -m nlu.rasa``, cached in var/rasa/models (``--retrain`` trains again; the training
figures are those of the run that trained it, on this machine).  Each engine is measured in its
serving form: the built-in engine in process, Rasa through ``rasa run --enable-api`` and
``/model/parse`` (and also in process, through ``rasa.core.agent.Agent`` in .venv-rasa).

Sets: the held-out file (``--today 2026-11-25``), the development set (``--today 2026-12-02``),
the off-topic set (the out_of_scope lines of the held-out file plus nlu/data/test/offtopic.yml
when it exists) and the held-out file with homophone typos (bench/nlu_experiments.py, three
seeds).  Rasa's answers are mapped exactly as the bot maps them (nlu/rasa_backend.py), entities
from the project's extractor; Rasa's own entities (DIET, regexes, synonyms; each span
normalised by the project's rules) are scored on a separate row.

    python -m bench.nlu_compare [--retrain] [--epochs N] [--parses N] [--rasa-parses N] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.nlu import _SERVE, _TRAIN, RESULTS, _run_json, machine
from nlu import rasa
from nlu.data_io import Example, read_examples, read_training_data
from nlu.entities import EntityExtractor
from nlu.evaluate import EvaluationReport, evaluate
from nlu.lexicon import BILL_TYPES, DEFAULT_DATA_DIR, REPAIR_CATEGORIES
from nlu.rasa_backend import RASA_FALLBACK, read_answer
from nlu.types import OUT_OF_SCOPE, Entity, Parse

REPO = Path(__file__).resolve().parent.parent
TEST_FILE = REPO / "nlu" / "data" / "test" / "test.yml"
DEV_FILE = REPO / "nlu" / "data" / "dev" / "dev.yml"
OFFTOPIC_FILE = REPO / "nlu" / "data" / "test" / "offtopic.yml"
REFERENCE_DAY = date(2026, 11, 25)
DEV_DAY = date(2026, 12, 2)
HARMLESS = frozenset({OUT_OF_SCOPE, "greet", "thanks"})  # SPEC §7: off-topic may get a greeting back
CANONICAL = {"bill_type": frozenset(BILL_TYPES), "repair_category": frozenset(REPAIR_CATEGORIES)}

_RASA_IN_PROCESS = r"""
import asyncio, json, logging, os, sys, time
started = time.perf_counter()
logging.disable(logging.WARNING)
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
loop = asyncio.new_event_loop()
loop.run_until_complete(agent.parse_message("你好"))
ready = time.perf_counter() - started
texts = json.loads(open(sys.argv[2], encoding="utf-8").read())
n = int(sys.argv[3])
timings = []
for i in range(n):
    t0 = time.perf_counter()
    loop.run_until_complete(agent.parse_message(texts[i % len(texts)]))
    timings.append(time.perf_counter() - t0)
timings.sort()
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
print(json.dumps({"ready_seconds": ready, "parses": n, "p50_ms": timings[n // 2] * 1000,
                  "p99_ms": timings[int(n * 0.99)] * 1000, "rss_mb": rss("VmRSS"), "peak_rss_mb": rss("VmHWM")}))
"""


class RasaAnswers:
    """Rasa's raw /model/parse answers, asked once per text over HTTP and kept."""

    def __init__(self, url: str) -> None:
        self._client = httpx.Client(base_url=url, timeout=60.0, trust_env=False)
        self._answers: dict[str, dict[str, Any]] = {}

    def __call__(self, text: str) -> dict[str, Any]:
        if text not in self._answers:
            response = self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            self._answers[text] = response.json()
        return self._answers[text]

    def timed(self, texts: list[str], n: int) -> dict[str, float]:
        timings = []
        for i in range(n):
            started = time.perf_counter()
            self._client.post("/model/parse", json={"text": texts[i % len(texts)]}).raise_for_status()
            timings.append(time.perf_counter() - started)
        timings.sort()
        return {"parses": n, "p50_ms": timings[n // 2] * 1000, "p99_ms": timings[int(n * 0.99)] * 1000}

    def close(self) -> None:
        self._client.close()


@dataclass
class RasaParser:
    """Rasa's answers read as the bot reads them (nlu/rasa_backend.read_answer).  ``entities``:
    "served" — the project's extractor, as the backend does; "own" — Rasa's own spans, each
    normalised by the project's rules.  ``fallback_threshold`` re-decides Rasa's "not sure"
    from its ranking (None: as the FallbackClassifier in nlu/rasa/config.yml decided)."""

    answers: RasaAnswers
    extractor: EntityExtractor
    intents: frozenset[str]
    entities: str = "served"
    fallback_threshold: float | None = None
    ambiguity: float = 0.1

    def parse(self, text: str, today: date | None = None) -> Parse:
        today = today or REFERENCE_DAY
        answer = self.answers(text)
        if self.fallback_threshold is not None:
            answer = self._redecide(answer, self.fallback_threshold)
        intent, ranking = read_answer(answer, self.intents)
        if self.entities == "served":
            found = tuple(self.extractor.extract(text, today))
        else:
            found = tuple(own_entities(answer, text, today, self.extractor))
        return Parse(text, intent, found, ranking)

    def _redecide(self, answer: dict[str, Any], threshold: float) -> dict[str, Any]:
        ranking = sorted((r for r in answer.get("intent_ranking") or [] if r.get("name") != RASA_FALLBACK),
                         key=lambda r: -float(r["confidence"]))
        if not ranking:
            return answer
        top = ranking[0]
        close = len(ranking) > 1 and float(top["confidence"]) - float(ranking[1]["confidence"]) < self.ambiguity
        unsure = top["name"] != OUT_OF_SCOPE and (float(top["confidence"]) < threshold or close)
        intent = {"name": RASA_FALLBACK, "confidence": threshold} if unsure else top
        return {**answer, "intent": intent, "intent_ranking": ranking}


def own_entities(answer: dict[str, Any], text: str, today: date, extractor: EntityExtractor) -> list[Entity]:
    """Rasa's entities with SPEC §6 values: a synonym Rasa already mapped to a project value is
    kept; otherwise the project's rules read the span Rasa marked (a bare number Rasa marked as a
    building, unit or room is taken as it is)."""
    out = []
    for found in answer.get("entities") or []:
        name, start, end = found.get("entity"), found.get("start"), found.get("end")
        if not isinstance(name, str) or not isinstance(start, int) or not isinstance(end, int):
            continue
        value = found.get("value")
        if isinstance(value, str) and value in CANONICAL.get(name, ()):
            out.append(Entity(name, value, start, end, text[start:end]))
            continue
        span = text[start:end]
        same = [e for e in extractor.extract(span, today) if e.entity == name]
        if same:
            out.append(Entity(name, same[0].value, start, end, span))
        elif name in ("building", "unit", "room") and span.strip().isdigit():
            out.append(Entity(name, span.strip(), start, end, span))
    return out


def _summary(report: EvaluationReport) -> dict[str, Any]:
    return {"examples": report.examples, "accuracy": report.accuracy, "macro_f1": report.macro_f1,
            "oos_rejection": report.out_of_scope_rejection_rate, "oos_total": report.out_of_scope_total,
            "in_scope_false_rejection": report.in_scope_false_rejection_rate,
            "entity_accuracy": report.entity_accuracy, "entities_total": report.entities_total,
            "confusions": report.confusions[:6]}


def _offtopic(parser: Any, examples: list[Example], today: date) -> dict[str, Any]:
    answers = [parser.parse(e.text, today).intent.name for e in examples]
    n = max(1, len(answers))
    return {"examples": len(answers), "rejected": sum(a == OUT_OF_SCOPE for a in answers) / n,
            "harmless": sum(a in HARMLESS for a in answers) / n,
            "acting": sum(a not in HARMLESS for a in answers) / n}


def _noisy(parser: Any, copies: list[list[Example]], today: date) -> dict[str, Any]:
    runs = [evaluate(parser, copy, today) for copy in copies]
    return {"copies": len(runs), "accuracy": sum(r.accuracy for r in runs) / len(runs),
            "macro_f1": sum(r.macro_f1 for r in runs) / len(runs),
            "oos_rejection": sum(r.out_of_scope_rejection_rate or 0.0 for r in runs) / len(runs),
            "in_scope_false_rejection": sum(r.in_scope_false_rejection_rate or 0.0 for r in runs) / len(runs)}


def evaluate_all(parser: Any, sets: dict[str, Any]) -> dict[str, Any]:
    """Every set for one engine (a parser with ``parse(text, today)``)."""
    out: dict[str, Any] = {"heldout": _summary(evaluate(parser, sets["heldout"], REFERENCE_DAY))}
    if sets["dev"]:
        out["dev"] = _summary(evaluate(parser, sets["dev"], DEV_DAY))
    out["offtopic"] = _offtopic(parser, sets["offtopic"], REFERENCE_DAY)
    out["noisy"] = _noisy(parser, sets["noisy"], REFERENCE_DAY)
    return out


def load_sets() -> dict[str, Any]:
    from bench.nlu_experiments import NOISE_SEEDS, homophone_noise

    training = read_training_data(DEFAULT_DATA_DIR)
    heldout = read_examples(TEST_FILE)
    offtopic = [e for e in heldout if e.intent == OUT_OF_SCOPE]
    extra = [e for e in read_examples(OFFTOPIC_FILE) if e.intent == OUT_OF_SCOPE] if OFFTOPIC_FILE.is_file() else []
    return {"training": training, "heldout": heldout,
            "dev": read_examples(DEV_FILE) if DEV_FILE.is_file() else [],
            "offtopic": offtopic + extra, "offtopic_extra": len(extra),
            "noisy": [homophone_noise(heldout, training, seed) for seed in NOISE_SEEDS]}


def _tree_peak_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its descendants, added up."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _disk_mb(path: Path) -> float | None:
    if not path.exists():
        return None
    result = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=False)
    return int(result.stdout.split()[0]) / 1024 if result.returncode == 0 else None


def measure_builtin(sets: dict[str, Any], texts_file: Path, parses: int, model_dir: Path) -> dict[str, Any]:
    from nlu.engine import load_engine

    print("built-in: training …", flush=True)
    train = _run_json(_TRAIN, str(model_dir))
    engine = load_engine(model_dir=model_dir)
    print("built-in: evaluating …", flush=True)
    figures = evaluate_all(engine, sets)
    print(f"built-in: {parses} parses in a fresh process …", flush=True)
    serve = _run_json(_SERVE, str(model_dir), str(texts_file), str(parses), REFERENCE_DAY.isoformat())
    figures.update(train=train, serve=serve, env_mb=_disk_mb(REPO / ".venv"),
                   model_mb=(model_dir / "intent-model.zip").stat().st_size / 2**20)
    return figures


def measure_rasa(sets: dict[str, Any], texts_file: Path, parses: int, in_process_parses: int,
                 epochs: int | None, retrain: bool, extractor: EntityExtractor, intents: frozenset[str],
                 workdir: Path) -> dict[str, Any]:
    print("Rasa: training (cached when the data and config are unchanged) …", flush=True)
    model = rasa.train(epochs=epochs, force=retrain, quiet=True)
    port = rasa.free_port()
    url = f"http://127.0.0.1:{port}"
    print(f"Rasa: serving {model.path.name} …", flush=True)
    started = time.perf_counter()
    process = rasa.start_server(model.path, port, workdir / "rasa-server.log")
    figures: dict[str, Any] = {}
    try:
        rasa.wait_ready(url, process, timeout=600)
        cold = time.perf_counter() - started
        answers = RasaAnswers(url)
        try:
            print("Rasa: evaluating over HTTP …", flush=True)
            served = RasaParser(answers, extractor, intents)
            figures = evaluate_all(served, sets)
            own = RasaParser(answers, extractor, intents, entities="own")
            figures["own_entities"] = _summary(evaluate(own, sets["heldout"], REFERENCE_DAY))["entity_accuracy"]
            figures["tuned"] = _tuned(answers, extractor, intents, sets)
            print(f"Rasa: {parses} parses over HTTP …", flush=True)
            texts = json.loads(texts_file.read_text(encoding="utf-8"))
            figures["serve"] = {**answers.timed(texts, parses), "ready_seconds": cold,
                                "peak_rss_mb": _tree_peak_mb(process.pid)}
        finally:
            answers.close()
    finally:
        rasa.stop_server(process)
    print(f"Rasa: {in_process_parses} parses in process (rasa.core.agent) …", flush=True)
    python = rasa.rasa_venv() / "bin" / "python"
    result = subprocess.run([str(python), "-c", _RASA_IN_PROCESS, str(model.path), str(texts_file),
                             str(in_process_parses)], capture_output=True, text=True, check=False,
                            env=rasa.rasa_env(), cwd=workdir, timeout=1800)
    if result.returncode == 0:
        figures["in_process"] = json.loads(result.stdout.strip().splitlines()[-1])
    else:
        figures["in_process"] = {"error": result.stderr.strip().splitlines()[-1:]}
    figures.update(train={"seconds": model.seconds, "peak_rss_mb": model.peak_rss_mb, "epochs": model.epochs,
                          "trained_now": model.trained},
                   env_mb=_disk_mb(rasa.rasa_venv()), model_mb=model.path.stat().st_size / 2**20,
                   version=rasa.version_of("rasa"))
    return figures


def _tuned(answers: RasaAnswers, extractor: EntityExtractor, intents: frozenset[str],
           sets: dict[str, Any]) -> dict[str, Any] | None:
    """Rasa with its fallback threshold chosen on the development set (as the built-in engine's
    threshold was), then scored on the held-out sets."""
    if not sets["dev"]:
        return None
    best: tuple[float, float] | None = None
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        parser = RasaParser(answers, extractor, intents, fallback_threshold=threshold)
        accuracy = evaluate(parser, sets["dev"], DEV_DAY).accuracy
        if best is None or accuracy > best[1] + 1e-12:
            best = (threshold, accuracy)
    assert best is not None
    parser = RasaParser(answers, extractor, intents, fallback_threshold=best[0])
    out = evaluate_all(parser, {**sets, "dev": []})
    out["threshold"], out["dev_accuracy"] = best
    return out


def render(f: dict[str, Any]) -> str:
    b, r, m = f["builtin"], f["rasa"], f["machine"]
    bh, rh = b["heldout"], r["heldout"]

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.4f}"

    rows: list[tuple[str, str, str]] = [
        (f"held-out accuracy ({bh['examples']} examples)", pct(bh["accuracy"]), pct(rh["accuracy"])),
        ("held-out macro-F1", pct(bh["macro_f1"]), pct(rh["macro_f1"])),
        (f"held-out entity accuracy ({bh['entities_total']} values), as served",
         pct(bh["entity_accuracy"]), pct(rh["entity_accuracy"]) + " (the project's extractor)"),
        ("  Rasa's own entities, spans normalised by the project's rules", "", pct(r["own_entities"])),
        (f"off-topic → out_of_scope ({b['offtopic']['examples']} sentences)",
         pct(b["offtopic"]["rejected"]), pct(r["offtopic"]["rejected"])),
        ("off-topic read as any request (not greet/thanks)", pct(b["offtopic"]["acting"]),
         pct(r["offtopic"]["acting"])),
        ("in-scope wrongly rejected (held-out)", pct(bh["in_scope_false_rejection"]),
         pct(rh["in_scope_false_rejection"])),
        (f"homophone typos: accuracy (held-out, mean of {b['noisy']['copies']})",
         pct(b["noisy"]["accuracy"]), pct(r["noisy"]["accuracy"])),
        ("homophone typos: macro-F1", pct(b["noisy"]["macro_f1"]), pct(r["noisy"]["macro_f1"])),
        ("homophone typos: in-scope wrongly rejected", pct(b["noisy"]["in_scope_false_rejection"]),
         pct(r["noisy"]["in_scope_false_rejection"])),
    ]
    if "dev" in b:
        rows += [(f"dev accuracy ({b['dev']['examples']} examples, --today 2026-12-02)",
                  pct(b["dev"]["accuracy"]), pct(r["dev"]["accuracy"])),
                 ("dev macro-F1", pct(b["dev"]["macro_f1"]), pct(r["dev"]["macro_f1"])),
                 ("dev off-topic → out_of_scope", pct(b["dev"]["oos_rejection"]), pct(r["dev"]["oos_rejection"]))]
    t = r.get("tuned")
    if t:
        rows += [(f"Rasa, fallback threshold {t['threshold']:.1f} chosen on dev: held-out acc / macro-F1", "",
                  f"{t['heldout']['accuracy']:.4f} / {t['heldout']['macro_f1']:.4f}"),
                 ("  … off-topic → out_of_scope / in-scope wrongly rejected", "",
                  f"{t['offtopic']['rejected']:.4f} / {t['heldout']['in_scope_false_rejection']:.4f}"),
                 ("  … homophone typos accuracy", "", f"{t['noisy']['accuracy']:.4f}")]
    bs, rs, ri = b["serve"], r["serve"], r.get("in_process", {})
    rows += [
        ("parse p50 / p99, serving form (built-in in process; Rasa over HTTP)",
         f"{bs['p50_ms']:.3f} / {bs['p99_ms']:.3f} ms", f"{rs['p50_ms']:.2f} / {rs['p99_ms']:.2f} ms"),
        ("  parses timed", str(bs["parses"]), str(rs["parses"])),
    ]
    if "p50_ms" in ri:
        rows.append(("parse p50 / p99, Rasa in process (Agent.parse_message)", "",
                     f"{ri['p50_ms']:.2f} / {ri['p99_ms']:.2f} ms ({ri['parses']} parses)"))
    bt, rt = b["train"], r["train"]
    rows += [
        ("training time", f"{bt['train_seconds']:.1f} s",
         f"{rt['seconds']:.0f} s ({rt['epochs']} DIET epochs{'' if rt['trained_now'] else ', cached run'})"),
        ("training peak RSS", f"{bt['peak_rss_mb']:.0f} MB", f"{rt['peak_rss_mb']:.0f} MB"),
        ("cold start: start → first parse answered", f"{bs['ready_seconds']:.2f} s",
         f"{rs['ready_seconds']:.1f} s (HTTP server)"
         + (f", {ri['ready_seconds']:.1f} s (in process)" if "ready_seconds" in ri else "")),
        ("peak RSS while serving", f"{bs['peak_rss_mb']:.0f} MB",
         f"{rs['peak_rss_mb']:.0f} MB (HTTP server)"
         + (f", {ri['peak_rss_mb']:.0f} MB (in process)" if "peak_rss_mb" in ri else "")),
        ("model file", f"{b['model_mb']:.1f} MB", f"{r['model_mb']:.1f} MB"),
        ("environment on disk", f"{b['env_mb']:.0f} MB (.venv, the whole bot)" if b["env_mb"] else "—",
         f"{r['env_mb']:.0f} MB (.venv-rasa)" if r["env_mb"] else "—"),
    ]
    width = max(len(row[0]) for row in rows)
    bw = max(len(row[1]) for row in rows + [("", "built-in", "")])
    lines = [f"{'':<{width}}  {'built-in':<{bw}}  Rasa {r['version']} (DIET, {r['train']['epochs']} epochs)",
             *(f"{name:<{width}}  {left:<{bw}}  {right}".rstrip() for name, left, right in rows)]
    header = (f"{f['time']} — {m['arch']}, {m['cpu']} ({m['cores']} cores), Python {m['python']} "
              f"(built-in) / 3.10 (Rasa); load average at start {f['load']}")
    return header + "\n\n" + "\n".join(lines)


def verdict(f: dict[str, Any]) -> list[str]:
    """The issue's question, answered from the figures."""
    b, r = f["builtin"], f["rasa"]
    checks = [("held-out accuracy", b["heldout"]["accuracy"], r["heldout"]["accuracy"]),
              ("held-out macro-F1", b["heldout"]["macro_f1"], r["heldout"]["macro_f1"]),
              ("off-topic rejection", b["offtopic"]["rejected"], r["offtopic"]["rejected"]),
              ("homophone-typo accuracy", b["noisy"]["accuracy"], r["noisy"]["accuracy"])]
    if "dev" in b:
        checks.append(("dev accuracy", b["dev"]["accuracy"], r["dev"]["accuracy"]))
    lines = [f"- {name}: built-in {x:.4f}, Rasa {y:.4f} — {'at least as accurate' if x >= y else 'BEHIND'}"
             for name, x, y in checks]
    speed = r["serve"]["p50_ms"] / b["serve"]["p50_ms"]
    memory = b["serve"]["peak_rss_mb"] / r["serve"]["peak_rss_mb"]
    lines.append(f"- parse p50: Rasa over HTTP is {speed:.0f}× the built-in's "
                 f"({'≥ 10×: met' if speed >= 10 else '< 10×: NOT met'})")
    if "p50_ms" in r.get("in_process", {}):
        lines.append(f"- parse p50: Rasa in process is {r['in_process']['p50_ms'] / b['serve']['p50_ms']:.0f}× "
                     f"the built-in's")
    lines.append(f"- peak RSS: the built-in's is {memory:.2f} of Rasa's server "
                 f"({'≤ 1/3: met' if memory <= 1 / 3 else '> 1/3: NOT met'})")
    return lines


def write_results(f: dict[str, Any], table: str, lines: list[str]) -> None:
    m, epochs = f["machine"], f["rasa"]["train"]["epochs"]
    marker = f"<!-- compare: {f['date']} {m['arch']} {m['cpu']} {epochs} epochs -->"
    confusions = "; ".join(
        f"{name}: " + ", ".join(f"{a} → {p} {n}" for a, p, n in f[key]["heldout"]["confusions"])
        for name, key in (("built-in", "builtin"), ("Rasa", "rasa")))
    full = rasa.diet_epochs(rasa.pipeline_config())
    note = f["note"] or ("" if epochs == full else f"DIET trained {epochs} epochs, not the configured {full}.")
    section = (f"{marker}\n### Built-in engine against Rasa (DIET, {epochs} epochs) — {f['date']}, {m['arch']}, "
               f"{m['cpu']}\n\n" + (f"{note}\n\n" if note else "") + f"```\n{table}\n```\n\n" + "\n".join(lines)
               + f"\n\nMost frequent held-out confusions — {confusions}\n<!-- end compare -->\n")
    text = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(rf"{re.escape(marker)}.*?<!-- end compare -->\n", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_compare", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="DIET epochs (default: nlu/rasa/config.yml's)")
    parser.add_argument("--retrain", action="store_true", help="train Rasa even when a cached model matches")
    parser.add_argument("--parses", type=int, default=20000, help="built-in parses timed (in process)")
    parser.add_argument("--rasa-parses", type=int, default=2000, help="Rasa parses timed over HTTP")
    parser.add_argument("--in-process-parses", type=int, default=1000, help="Rasa parses timed in process")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not touch RESULTS.md")
    parser.add_argument("--json", type=Path, default=None, help="also write all figures to this file")
    parser.add_argument("--note", default="", help="a sentence written above the table (how the run was made)")
    args = parser.parse_args(argv)
    try:
        rasa.rasa_executable()
    except rasa.RasaError as error:
        print(f"python -m bench.nlu_compare: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    figures: dict[str, Any] = {"date": date.today().isoformat(),
                               "time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                               "machine": machine(), "note": args.note,
                               "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    sets = load_sets()
    print(f"sets: held-out {len(sets['heldout'])}, dev {len(sets['dev'])}, off-topic {len(sets['offtopic'])} "
          f"({sets['offtopic_extra']} from {OFFTOPIC_FILE.name}), homophone copies {len(sets['noisy'])}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        workdir = Path(tmp)
        texts = [e.text for e in sets["heldout"]] + [e.text for e in sets["training"]]
        texts_file = workdir / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        figures["builtin"] = measure_builtin(sets, texts_file, args.parses, workdir / "model")
        from nlu.engine import load_engine

        engine = load_engine(model_dir=workdir / "model")
        figures["rasa"] = measure_rasa(sets, texts_file, args.rasa_parses, args.in_process_parses, args.epochs,
                                       args.retrain, engine.extractor, frozenset(engine.intents), workdir)
    table = render(figures)
    lines = verdict(figures)
    print()
    print(table)
    print("\n".join(lines))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if args.write:
        write_results(figures, table, lines)
        print(f"\nwritten to {RESULTS.relative_to(REPO)} ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
