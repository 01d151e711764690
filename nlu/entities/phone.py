"""Mobile phone numbers: 11 digits starting 13–19, spaces or dashes allowed between groups,
or dictated as Chinese digits (幺三九…, also in groups: 幺三九 一二三四 五六七八)."""
from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.entities._base import Found, Mention
from nlu.numerals import to_digits

_ARABIC_RE = re.compile(r"(?<![\d\-])1[3-9]\d(?:[ \-]?\d){8}(?![\d\-]?\d)")
_CN = "零〇一二三四五六七八九幺"
_CHINESE_RE = re.compile(rf"(?<![{_CN}])[一幺][ \-]?[三四五六七八九](?:[ \-]?[{_CN}]){{9}}(?![ \-]?[{_CN}])")


def find_phones(text: str) -> Iterator[Mention]:
    """Phone mentions of normalised ``text``; values are the 11 digits."""
    for pattern in (_ARABIC_RE, _CHINESE_RE):
        for match in pattern.finditer(text):
            digits = to_digits(re.sub(r"[ \-]", "", match.group()))
            if digits and len(digits) == 11:
                start, end = match.span()
                yield Mention(start, end, (Found("phone", digits, start, end),))
