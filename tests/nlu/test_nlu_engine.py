"""The engine: caching, retraining, determinism, thresholds, thread safety, import cost."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import numpy as np

import nlu
from nlu.engine import MODEL_FILE
from nlu.lexicon import DEFAULT_DATA_DIR

REPO = Path(__file__).resolve().parents[2]
#: Enough of the training data to train on in a second: what caching, retraining and determinism
#: do does not depend on how much data there is.
SMALL = ("control.yml", "bills.yml", "merchants.yml", "property_services.yml", "community_life.yml",
         "out_of_scope.yml", "entities.yml")


def small_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SMALL:
        shutil.copy(DEFAULT_DATA_DIR / name, folder / name)
    return folder


def test_public_surface() -> None:
    for name in ("Engine", "Parse", "Entity", "IntentPrediction", "load_engine", "extract_entities",
                 "normalize_text", "OUT_OF_SCOPE", "spelled_digits", "detect_emergency"):
        assert hasattr(nlu, name)
    assert nlu.OUT_OF_SCOPE == "out_of_scope"


def test_engine_reports_intents_and_threshold(engine: nlu.Engine) -> None:
    assert "repair_report" in engine.intents and "out_of_scope" in engine.intents
    assert list(engine.intents) == sorted(engine.intents)
    assert 0.0 < engine.threshold < 1.0


def test_parse_shape(engine: nlu.Engine, today: date) -> None:
    parse = engine.parse("明天天气怎么样", today)
    assert parse.to_dict() == {
        "text": "明天天气怎么样",
        "intent": {"name": "weather", "confidence": parse.to_dict()["intent"]["confidence"]},
        "entities": [{"entity": "date", "value": "2026-11-26", "start": 0, "end": 2}],
    }
    assert 0.0 <= parse.intent.confidence <= 1.0
    assert parse.ranking[0].name == "weather"
    assert len(parse.ranking) == 5
    assert all(r.name != nlu.OUT_OF_SCOPE for r in parse.ranking)
    assert [r.confidence for r in parse.ranking] == sorted((r.confidence for r in parse.ranking), reverse=True)


def test_binding_typed_on_a_phone_keyboard(engine: nlu.Engine, today: date) -> None:
    """Full-width digits and ideographic spaces: the same binding, offsets into what was typed."""
    for text in ("绑定　３－５０２　张三　１２３４", "绑定 3-502 张三 1234", "绑定３－５０２ 张三 １２３４"):
        parse = engine.parse(text, today)
        assert parse.intent.name == "bind_household", text
        spans = {e.entity: (e.value, text[e.start:e.end]) for e in parse.entities}
        assert spans["building"][0] == "3" and spans["room"][0] == "502", text
        assert spans["building"][1] in ("3", "３") and spans["room"][1] in ("502", "５０２"), text


def test_low_confidence_becomes_out_of_scope_but_keeps_the_ranking(model_dir: Path, today: date) -> None:
    strict = nlu.load_engine(model_dir=model_dir, threshold=0.999999)
    assert strict.report is not None and not strict.report.retrained  # the threshold is not trained
    parse = strict.parse("物业那个事情怎么弄", today)
    assert parse.intent.name == nlu.OUT_OF_SCOPE
    assert len(parse.ranking) == 5 and parse.ranking[0].name != nlu.OUT_OF_SCOPE


def test_off_topic_too_close_to_the_top_intent_becomes_out_of_scope(model_dir: Path, today: date) -> None:
    """The out_of_scope class is a one-vs-rest off-topic detector: when its probability reaches
    ``oos_ratio`` times the top intent's, the parse says out_of_scope (parse time only)."""
    never = nlu.load_engine(model_dir=model_dir, threshold=0.0, oos_ratio=2.0)
    always = nlu.load_engine(model_dir=model_dir, threshold=0.0, oos_ratio=1e-12)
    assert not never.report.retrained and not always.report.retrained  # type: ignore[union-attr]
    assert 0.0 < nlu.load_engine(model_dir=model_dir).oos_ratio < 1.0
    text = "物业费怎么交"
    assert never.parse(text, today).intent.name == "bill_pay"
    rejected = always.parse(text, today)
    assert rejected.intent.name == nlu.OUT_OF_SCOPE
    assert rejected.ranking[0].name == "bill_pay"
    assert rejected.intent.confidence == 1.0 - rejected.ranking[0].confidence


def test_empty_text_is_out_of_scope(engine: nlu.Engine) -> None:
    for text in ("", "   ", "，。！"):
        assert engine.parse(text).intent.name == nlu.OUT_OF_SCOPE


def test_today_defaults_to_the_real_date(engine: nlu.Engine) -> None:
    assert engine.parse("今天天气").entity("date") == date.today().isoformat()


def test_cached_model_is_reused(engine: nlu.Engine, model_dir: Path) -> None:
    assert (model_dir / MODEL_FILE).exists()
    again = nlu.load_engine(model_dir=model_dir)
    assert again.report is not None and not again.report.retrained


def test_changed_training_data_retrains(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    first = nlu.load_engine(data, tmp_path / "model")
    assert first.report is not None and first.report.retrained
    assert not nlu.load_engine(data, tmp_path / "model").report.retrained  # type: ignore[union-attr]
    extra = data / "zz_extra.yml"
    extra.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 侬早呀阿姐\n',
                     encoding="utf-8")
    second = nlu.load_engine(data, tmp_path / "model")
    assert second.report is not None and second.report.retrained
    assert second.report.examples == first.report.examples + 1


def test_corrupt_cache_is_replaced(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    (tmp_path / MODEL_FILE).write_bytes(b"not a zip")
    engine = nlu.load_engine(data, model_dir=tmp_path)
    assert engine.report is not None and engine.report.retrained
    assert nlu.load_engine(data, model_dir=tmp_path).report.retrained is False  # type: ignore[union-attr]


def test_same_data_gives_the_same_model_file(tmp_path: Path) -> None:
    """Deterministic training, even in another process with another hash seed."""
    data = small_data(tmp_path / "data")
    nlu.load_engine(data, tmp_path / "here", force_train=True, warm_up=False)
    code = ("import sys, nlu; from pathlib import Path; "
            "nlu.load_engine(Path(sys.argv[1]), Path(sys.argv[2]), force_train=True, warm_up=False)")
    for seed in ("1", "12345"):
        out = tmp_path / seed
        subprocess.run([sys.executable, "-c", code, str(data), str(out)], check=True, cwd=REPO,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
    reference = (tmp_path / "here" / MODEL_FILE).read_bytes()
    assert (tmp_path / "1" / MODEL_FILE).read_bytes() == reference
    assert (tmp_path / "12345" / MODEL_FILE).read_bytes() == reference


def test_numpy_scoring_equals_scikit_learn(engine: nlu.Engine) -> None:
    """Parsing reimplements TF-IDF + the linear scores in numpy; it must agree with scikit-learn."""
    from nlu.data_io import read_training_data
    from nlu.engine import example_tokens
    from nlu.train import _fit_raw, with_novelty

    examples = read_training_data(DEFAULT_DATA_DIR)
    tokens = example_tokens(examples, engine.extractor, engine.featurizer)
    labels = [e.intent for e in examples]
    train_tokens, _ = with_novelty(tokens, labels, [], engine.config)
    vectorizer, classifier = _fit_raw(train_tokens, labels, engine.config)
    probes = ["明天天气怎么样", "报修 3号楼 电梯坏了", "放首歌", "积份多少", "我和老伴报名", "机分还剩几分 👌 ok"]
    for text in probes:
        probe = engine.model.corrected(engine.tokens(text))  # the homophone back-off comes first
        _, [probe] = with_novelty(tokens, labels, [probe], engine.config)
        expected = classifier.decision_function(vectorizer.transform([probe]))[0]
        got = engine.model.scores(engine.tokens(text))
        order = [list(classifier.classes_).index(c) for c in engine.model.classes]
        np.testing.assert_allclose(got, expected[order], rtol=1e-9, atol=1e-9)


def test_parse_is_thread_safe(engine: nlu.Engine, today: date) -> None:
    texts = ["明天天气怎么样", "下周三的讲座我和老伴报名", "3号楼502马桶堵了", "这个月物业费多少", "放首歌"] * 20
    expected = [engine.parse(t, today).to_dict() for t in texts]
    results: list[list[dict]] = []

    def worker() -> None:
        results.append([engine.parse(t, today).to_dict() for t in texts])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r == expected for r in results)


def test_import_is_cheap_and_parsing_needs_no_scikit_learn(model_dir: Path) -> None:
    code = (
        "import sys, nlu; heavy = {'numpy', 'sklearn', 'jionlp', 'jieba', 'scipy'};"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules);"
        "from pathlib import Path; e = nlu.load_engine(model_dir=Path(sys.argv[1]));"
        "e.parse('明天天气怎么样');"
        "assert 'sklearn' not in sys.modules and 'jieba' not in sys.modules and 'scipy' not in sys.modules;"
        "assert 'pypinyin' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code, str(model_dir)], check=True, cwd=REPO)
