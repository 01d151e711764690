"""The command line of SPEC §6: train, parse (JSON lines), evaluate; bad input exits 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], model_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nlu", *args, "--model-dir", str(model_dir)],
                          input=stdin, capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def trained(engine: object, model_dir: Path) -> Path:
    return model_dir


def test_parse_prints_one_json_object_per_non_empty_line(trained: Path) -> None:
    result = run(["parse", "--today", "2026-11-25"], trained, "明天天气怎么样\n\n我和老伴报名下周六的讲座\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert set(first) == {"text", "intent", "entities"}
    assert set(first["intent"]) == {"name", "confidence"}
    assert first["text"] == "明天天气怎么样"
    assert first["intent"]["name"] == "weather"
    assert first["entities"] == [{"entity": "date", "value": "2026-11-26", "start": 0, "end": 2}]
    second = json.loads(lines[1])
    assert {"entity": "count", "value": 2, "start": 0, "end": 4} in second["entities"]
    assert "下周六" in lines[1]  # not ASCII-escaped


def test_train_quiet_prints_nothing_when_current(trained: Path) -> None:
    result = run(["train", "--quiet"], trained)
    assert result.returncode == 0 and result.stdout == ""
    result = run(["train"], trained)
    assert result.returncode == 0 and "up to date" in result.stdout


def test_evaluate_tsv_prints_scores_and_confusions(trained: Path, tmp_path: Path) -> None:
    tsv = tmp_path / "eval.tsv"
    tsv.write_text("报修\trepair_report\n明天天气\tweather\n放首歌\tout_of_scope\n你好\tdeny\n", encoding="utf-8")
    result = run(["evaluate", str(tsv)], trained)
    assert result.returncode == 0, result.stderr
    assert "accuracy          0.7500" in result.stdout
    assert "macro-F1" in result.stdout and "precision" in result.stdout
    assert "deny → greet" in result.stdout


def test_evaluate_yaml_reports_entity_accuracy_and_json(trained: Path, tmp_path: Path) -> None:
    yml = tmp_path / "eval.yml"
    yml.write_text(
        'version: "3.1"\nnlu:\n- intent: weather\n  examples: |\n'
        '    - [明天](date:2026-11-26)天气\n    - [后天](date:2026-11-28)会下雨吗\n', encoding="utf-8")
    result = run(["evaluate", str(yml), "--today", "2026-11-25"], trained)
    assert result.returncode == 0, result.stderr
    assert "entity accuracy   0.5000 (1/2)" in result.stdout
    assert "date=2026-11-28 (found 2026-11-27)" in result.stdout
    as_json = json.loads(run(["evaluate", str(yml), "--today", "2026-11-25", "--json"], trained).stdout)
    assert as_json["accuracy"] == 1.0 and as_json["entity_accuracy"] == 0.5


@pytest.mark.parametrize(
    "args",
    [["evaluate", "/nonexistent/file.tsv"], ["parse", "--today", "2026-13-40"], ["evaluate", "BAD_YAML"]],
)
def test_bad_input_is_one_error_line_and_exit_2(trained: Path, tmp_path: Path, args: list[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu: [\n  - intent\n", encoding="utf-8")
    args = [str(bad) if a == "BAD_YAML" else a for a in args]
    result = run(args, trained)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
