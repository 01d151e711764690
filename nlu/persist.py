"""Saving and loading the trained model: a zip of .npy arrays and one JSON document.

No pickle (loading a model file never runs code), fixed timestamps inside the zip (the same
data gives byte-for-byte the same file), and an atomic replace (a temporary file in the same
folder, then ``os.replace``) so a reader never sees half a model, even while another worker
is retraining.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
# Where the trained model and the pinyin table are cached unless told otherwise.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "var" / "nlu"


class ModelFileError(ValueError):
    """A model file that is missing, truncated or of another format."""


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("meta.json", date_time=_FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, json.dumps(meta, ensure_ascii=False, sort_keys=True))
        for name in sorted(arrays):
            raw = io.BytesIO()
            np.lib.format.write_array(raw, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, raw.getvalue())
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("meta.json").decode("utf-8"))
            arrays = {}
            for name in archive.namelist():
                if name.endswith(".npy"):
                    with archive.open(name) as raw:
                        arrays[name[:-4]] = np.lib.format.read_array(io.BytesIO(raw.read()),
                                                                     allow_pickle=False)
    except FileNotFoundError as exc:
        raise ModelFileError(f"{path}: no model file") from exc
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: unreadable model file ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: unreadable model file (bad metadata)")
    return arrays, meta
