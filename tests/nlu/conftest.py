"""One engine per test session, trained from nlu/data into a temporary model folder."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import nlu

REFERENCE_DAY = date(2026, 11, 25)  # a Wednesday, the reference day of the held-out set


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-model")


@pytest.fixture(scope="session")
def engine(model_dir: Path) -> nlu.Engine:
    return nlu.load_engine(model_dir=model_dir)


@pytest.fixture(scope="session")
def today() -> date:
    return REFERENCE_DAY
