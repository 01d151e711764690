"""One engine per test session, from nlu/data, cached in a temporary model folder."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import nlu
from nlu.persist import DEFAULT_MODEL_DIR

REFERENCE_DAY = date(2026, 11, 25)  # a Wednesday, the reference day of the held-out set


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder of this session's own, starting from a copy of the project's cache (which
    ``make test`` brings up to date first); the engine retrains when that copy is not current."""
    folder = tmp_path_factory.mktemp("nlu-model")
    if DEFAULT_MODEL_DIR.is_dir():
        shutil.copytree(DEFAULT_MODEL_DIR, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def engine(model_dir: Path) -> nlu.Engine:
    return nlu.load_engine(model_dir=model_dir)


@pytest.fixture(scope="session")
def today() -> date:
    return REFERENCE_DAY
