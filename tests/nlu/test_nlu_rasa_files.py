"""The Rasa files under nlu/rasa stay true to nlu/data without Rasa installed: the domain is
current, the pipeline is the Chinese one, and the model cache key follows the training data."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nlu import rasa
from nlu.data_io import read_training_data, training_files


def test_domain_lists_exactly_the_intents_and_entities_of_the_training_data() -> None:
    assert rasa.DOMAIN.read_text(encoding="utf-8") == rasa.domain_text(), \
        "nlu/rasa/domain.yml is stale: run `python -m nlu.rasa domain`"
    import yaml

    domain = yaml.safe_load(rasa.DOMAIN.read_text(encoding="utf-8"))
    examples = read_training_data(rasa.DEFAULT_DATA_DIR)
    assert set(domain["intents"]) == {e.intent for e in examples}
    assert {"date", "building", "room", "repair_category", "bill_type", "count"} <= set(domain["entities"])


def test_pipeline_is_the_chinese_one_the_comparison_promises() -> None:
    config = rasa.pipeline_config()
    assert config["language"] == "zh"
    by_name: dict[str, list[dict]] = {}
    for component in config["pipeline"]:
        by_name.setdefault(component["name"], []).append(component)
    assert config["pipeline"][0]["name"] == "JiebaTokenizer"
    assert by_name["RegexFeaturizer"][0]["use_word_boundaries"] is False
    assert by_name["RegexEntityExtractor"][0]["use_word_boundaries"] is False
    analyzers = {(c.get("analyzer", "word"), c.get("min_ngram", 1), c.get("max_ngram", 1))
                 for c in by_name["CountVectorsFeaturizer"]}
    assert analyzers == {("word", 1, 1), ("char_wb", 1, 4)}
    assert {"DIETClassifier", "EntitySynonymMapper", "FallbackClassifier"} <= set(by_name)
    assert rasa.diet_epochs(config) == 100 and rasa.diet_epochs(rasa.pipeline_config(3)) == 3


def test_model_cache_key_follows_the_training_data_and_the_epochs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for path in training_files(rasa.DEFAULT_DATA_DIR):
        shutil.copyfile(path, data / path.name)
    config = rasa.pipeline_config()
    same = rasa.model_digest(data, config)
    assert same == rasa.model_digest(rasa.DEFAULT_DATA_DIR, config)
    assert same != rasa.model_digest(data, rasa.pipeline_config(5))
    control = data / "control.yml"
    control.write_text(control.read_text(encoding="utf-8") + "    - 好滴\n", encoding="utf-8")
    assert rasa.model_digest(data, config) != same


def test_training_without_the_rasa_environment_says_what_to_run(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "nlu.rasa", "--home", str(tmp_path), "train", "--epochs", "small"],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                                                                 "RASA_VENV": str(tmp_path / "absent")},
                            cwd=rasa.REPO, check=False, timeout=120)
    assert result.returncode == 2 and "make rasa-setup" in result.stderr


def test_python_310_finder_names_an_interpreter_that_runs() -> None:
    result = subprocess.run([str(rasa.RASA_DIR / "find-python310.sh")], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip("no Python 3.10 on this machine")
    version = subprocess.run([result.stdout.strip(), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout
    assert version.strip() == "(3, 10)"
