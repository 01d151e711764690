"""Reducing a message for comparison with configured words, and finding those words in it."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def plain(text: str) -> str:
    """The message simplified, half-width, lower-case and without punctuation or spaces."""
    from nlu import normalize_text

    folded = unicodedata.normalize("NFKC", normalize_text(text)).lower()
    stripped = _PUNCTUATION.sub("", folded)
    return stripped or folded.strip()


def mentioned_group(text: str, groups: Mapping[str, Sequence[str]]) -> str | None:
    """The first group (``{"gas": [煤气味, 漏气], …}``) one of whose words the message contains,
    compared the way ``plain`` reduces both; None when it mentions none."""
    words = plain(text)
    for name, members in groups.items():
        if any(plain(member) in words for member in members):
            return name
    return None
