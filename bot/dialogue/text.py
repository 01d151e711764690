"""Reducing a message for comparison with configured words."""
from __future__ import annotations

import re
import unicodedata

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def plain(text: str) -> str:
    """The message simplified, half-width, lower-case and without punctuation or spaces."""
    from nlu import normalize_text

    folded = unicodedata.normalize("NFKC", normalize_text(text)).lower()
    stripped = _PUNCTUATION.sub("", folded)
    return stripped or folded.strip()
