"""Scoring the engine on a labelled file: accuracy, macro-F1, per-intent precision/recall/F1,
the most frequent confusions, out-of-scope handling and, where the file annotates normalised
entity values, entity accuracy."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Protocol

from nlu.data_io import Example
from nlu.types import OUT_OF_SCOPE, Parse


class Parser(Protocol):
    def parse(self, text: str, today: date | None = None) -> Parse: ...


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EntityMiss:
    text: str
    entity: str
    expected: str
    found: list[str]


@dataclass
class EvaluationReport:
    examples: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, IntentScore]
    confusions: list[tuple[str, str, int]]
    errors: list[tuple[str, str, str, float]]            # text, expected, predicted, confidence
    out_of_scope_total: int = 0
    out_of_scope_rejected: int = 0                      # off-topic examples answered out_of_scope
    in_scope_total: int = 0
    in_scope_rejected: int = 0                          # in-scope examples wrongly answered out_of_scope
    entities_total: int = 0
    entities_found: int = 0
    entity_misses: list[EntityMiss] = field(default_factory=list)

    @property
    def out_of_scope_rejection_rate(self) -> float | None:
        return self.out_of_scope_rejected / self.out_of_scope_total if self.out_of_scope_total else None

    @property
    def in_scope_false_rejection_rate(self) -> float | None:
        return self.in_scope_rejected / self.in_scope_total if self.in_scope_total else None

    @property
    def entity_accuracy(self) -> float | None:
        return self.entities_found / self.entities_total if self.entities_total else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["out_of_scope_rejection_rate"] = self.out_of_scope_rejection_rate
        data["in_scope_false_rejection_rate"] = self.in_scope_false_rejection_rate
        data["entity_accuracy"] = self.entity_accuracy
        return data


def intent_scores(expected: list[str], predicted: list[str]) -> tuple[float, float, dict[str, IntentScore]]:
    """Accuracy, macro-F1 (over every label seen in either list) and per-label scores."""
    labels = sorted(set(expected) | set(predicted))
    pairs = Counter(zip(expected, predicted, strict=True))
    per: dict[str, IntentScore] = {}
    for label in labels:
        tp = pairs[(label, label)]
        n_pred = sum(n for (_, p), n in pairs.items() if p == label)
        n_true = sum(n for (t, _), n in pairs.items() if t == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = IntentScore(precision, recall, f1, n_true)
    accuracy = sum(n for (t, p), n in pairs.items() if t == p) / len(expected) if expected else 0.0
    macro = sum(s.f1 for s in per.values()) / len(per) if per else 0.0
    return accuracy, macro, per


def evaluate(engine: Parser, examples: list[Example], today: date | None = None) -> EvaluationReport:
    expected: list[str] = []
    predicted: list[str] = []
    errors = []
    misses: list[EntityMiss] = []
    entities_total = entities_found = 0
    for example in examples:
        parse = engine.parse(example.text, today)
        expected.append(example.intent)
        predicted.append(parse.intent.name)
        if parse.intent.name != example.intent:
            errors.append((example.text, example.intent, parse.intent.name, round(parse.intent.confidence, 4)))
        got = Counter((e.entity, str(e.value)) for e in parse.entities)
        for annotation in example.entities:
            entities_total += 1
            key = (annotation.entity, str(annotation.value))
            if got[key] > 0:
                got[key] -= 1
                entities_found += 1
            else:
                misses.append(EntityMiss(example.text, annotation.entity, str(annotation.value),
                                         [str(e.value) for e in parse.entities if e.entity == annotation.entity]))
    accuracy, macro, per = intent_scores(expected, predicted)
    confusions = Counter((t, p) for t, p in zip(expected, predicted, strict=True) if t != p)
    oos = [(t, p) for t, p in zip(expected, predicted, strict=True) if t == OUT_OF_SCOPE]
    ins = [(t, p) for t, p in zip(expected, predicted, strict=True) if t != OUT_OF_SCOPE]
    return EvaluationReport(
        examples=len(examples), accuracy=accuracy, macro_f1=macro, per_intent=per,
        confusions=[(t, p, n) for (t, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))],
        errors=errors,
        out_of_scope_total=len(oos), out_of_scope_rejected=sum(p == OUT_OF_SCOPE for _, p in oos),
        in_scope_total=len(ins), in_scope_rejected=sum(p == OUT_OF_SCOPE for _, p in ins),
        entities_total=entities_total, entities_found=entities_found, entity_misses=misses,
    )


def format_report(report: EvaluationReport, max_confusions: int = 15, max_misses: int = 50) -> str:
    lines = [
        f"examples          {report.examples}",
        f"accuracy          {report.accuracy:.4f}",
        f"macro-F1          {report.macro_f1:.4f}",
    ]
    if report.out_of_scope_rejection_rate is not None:
        lines.append(f"off-topic → out_of_scope   {report.out_of_scope_rejection_rate:.4f} "
                     f"({report.out_of_scope_rejected}/{report.out_of_scope_total})")
    if report.in_scope_false_rejection_rate is not None:
        lines.append(f"in-scope wrongly rejected  {report.in_scope_false_rejection_rate:.4f} "
                     f"({report.in_scope_rejected}/{report.in_scope_total})")
    if report.entity_accuracy is not None:
        lines.append(f"entity accuracy   {report.entity_accuracy:.4f} "
                     f"({report.entities_found}/{report.entities_total})")
    lines += ["", f"{'intent':<18}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>9}"]
    for name, score in report.per_intent.items():
        lines.append(f"{name:<18}{score.precision:>10.3f}{score.recall:>10.3f}{score.f1:>10.3f}{score.support:>9}")
    if report.confusions:
        lines += ["", "most frequent confusions (expected → predicted):"]
        for expected, predicted, count in report.confusions[:max_confusions]:
            lines.append(f"  {count:>3}  {expected} → {predicted}")
    if report.errors:
        lines += ["", "misclassified:"]
        for text, expected, predicted, confidence in report.errors[:max_misses]:
            lines.append(f"  {text!r}: {expected} → {predicted} ({confidence:.2f})")
    if report.entity_misses:
        lines += ["", "entity misses:"]
        for miss in report.entity_misses[:max_misses]:
            found = ", ".join(miss.found) if miss.found else "nothing"
            lines.append(f"  {miss.text!r}: {miss.entity}={miss.expected} (found {found})")
    return "\n".join(lines)
