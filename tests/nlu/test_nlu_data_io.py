"""Reading Rasa NLU YAML with entity annotations, and TSV."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.data_io import DataError, parse_annotated, read_examples, read_training_data


def test_annotation_forms_become_plain_text_with_offsets() -> None:
    text, annotations = parse_annotated(
        '我要报名[周六](date)的讲座，[两个人](count:2)，[水管漏水]{"entity": "repair_category", "value": "water_leak"}'
    )
    assert text == "我要报名周六的讲座，两个人，水管漏水"
    assert [(a.entity, str(a.value), text[a.start:a.end]) for a in annotations] == [
        ("date", "周六", "周六"), ("count", "2", "两个人"), ("repair_category", "water_leak", "水管漏水"),
    ]


def test_rasa_yaml_and_tsv_are_read(tmp_path: Path) -> None:
    yml = tmp_path / "x.yml"
    yml.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 你好\n    - 在吗\n'
                   "- synonym: 水费\n  examples: |\n    - 自来水费\n", encoding="utf-8")
    tsv = tmp_path / "x.tsv"
    tsv.write_text("text\tintent\n你好\tgreet\n报修\trepair_report\n", encoding="utf-8")
    assert [(e.text, e.intent) for e in read_examples(yml)] == [("你好", "greet"), ("在吗", "greet")]
    assert [(e.text, e.intent) for e in read_examples(tsv)] == [("你好", "greet"), ("报修", "repair_report")]


def test_malformed_input_raises_a_data_error_that_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu: [\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.yml"):
        read_examples(bad)
    with pytest.raises(DataError, match="no such file"):
        read_examples(tmp_path / "missing.tsv")
    tsv = tmp_path / "bad.tsv"
    tsv.write_text("just text\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.tsv:1"):
        read_examples(tsv)


def test_training_data_never_includes_the_test_folder(tmp_path: Path) -> None:
    (tmp_path / "test").mkdir()
    (tmp_path / "a.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - 你好\n", encoding="utf-8")
    (tmp_path / "test" / "test.yml").write_text("nlu:\n- intent: deny\n  examples: |\n    - 不\n",
                                               encoding="utf-8")
    assert {e.intent for e in read_training_data(tmp_path)} == {"greet"}
