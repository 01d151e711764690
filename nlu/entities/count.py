"""How many people: 两个人, 3位, 一家五口, 我们三个, 两个大人一个小孩, 大人两个小孩一个,
一大两小, 两家头, 我们仨, 我和老伴, 我搭我老伴, 老两口 (→ 2).

The words for family members, the joiners (和, 跟, 带 …) and the phrases that are a head count
on their own (老两口) come from nlu/lexicon.yml.  Who comes and how many, said together
(我跟我老婆两个人, 我和老伴俩), is one mention: the number said is the count.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from nlu.entities._base import Found, Mention
from nlu.lexicon import CountWords
from nlu.numerals import NUM, to_int

_PEOPLE = r"(?:大人|小孩|孩子|老人|成人|儿童|小朋友|学生)"
_MAX = 50
# What may stand between "who" and "how many" when they are said together: 我和老伴(一共)两个人.
_JOIN_RE = re.compile(r"[\s,:;]*(?:一共是|总共是|一共|总共|共|就|是|加起来)?[\s,:;]*")


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


class CountFinder:
    """Head-count mentions; built once from the lexicon, then immutable."""

    def __init__(self, words: CountWords, normalize: object = None) -> None:
        units = _alternation(words.units or ("个人", "位", "名", "人", "口"))
        self._unit_re = re.compile(
            rf"(?<![\d第几每])(?P<n>{NUM})\s*(?:{units})(?!民|工|员|次|份|数|家|口气|气|行|事|生)"
        )
        self._group_re = re.compile(
            rf"(?P<who>我们|咱们|我家|我们家|一共|总共|共|报|带)\s*(?P<n>{NUM})\s*"
            rf"(?:个人|个(?!月|小时|星期|礼拜|活动|号|钟|点|单元|楼))"
        )
        self._family_re = re.compile(rf"(?:一家|全家|家里)\s*(?P<n>{NUM})\s*口|(?P<m>{NUM})\s*家头")
        self._adult_child_re = re.compile(rf"(?P<a>{NUM})\s*大\s*(?P<c>{NUM})\s*小")
        self._headcount_re = re.compile(
            rf"人数\s*(?:是|改成|改为|改到|为|共|一共|:)?\s*(?P<n>{NUM})\s*(?:个人|个|位|人|名)?"
        )
        self._trailing_re = re.compile(rf"(?<![\d第几每])(?P<n>{NUM})\s*个(?=\s*(?:$|[,.!?;。、]))")
        self._pair_re = re.compile(r"(?:我们|咱们|我|咱|他们|她们)?(?P<n>俩|仨)(?:人|个)?")
        self._mixed_re = re.compile(
            rf"(?P<n1>{NUM})\s*个?\s*{_PEOPLE}(?:\s*(?:和|加|、|,|带|还有|跟)?\s*(?P<n2>{NUM})\s*个?\s*{_PEOPLE})+"
        )
        self._mixed_part = re.compile(rf"(?P<n>{NUM})\s*个?\s*{_PEOPLE}")
        # the noun first: 大人两个小孩一个, 大人2位、小孩1位
        self._mixed_rev_re = re.compile(
            rf"{_PEOPLE}\s*(?P<n1>{NUM})\s*(?:个人|个|位|名)?"
            rf"(?:\s*(?:和|加|、|,|带|还有|跟)?\s*{_PEOPLE}\s*(?P<n2>{NUM})\s*(?:个人|个|位|名)?)+"
        )
        self._mixed_rev_part = re.compile(rf"{_PEOPLE}\s*(?P<n>{NUM})")
        members = _alternation(words.members)
        joiners = _alternation(words.joiners)
        selfs = _alternation(words.self_words or ("我",))
        member = rf"(?:我的?|的)?(?:{members})"
        self._company_re = re.compile(
            rf"(?:{selfs})\s*(?:(?:{joiners})\s*{member})+" if members and joiners else r"(?!x)x"
        )
        self._member_re = re.compile(rf"{members}") if members else re.compile(r"(?!x)x")
        self._company_rev_re = re.compile(
            rf"(?:我的?)?(?:{members})\s*(?:和|跟|同|与)\s*我(?![们家的])" if members else r"(?!x)x"
        )
        self._alone_re = re.compile(_alternation(words.alone)) if words.alone else re.compile(r"(?!x)x")
        phrases = {k: v for k, v in words.phrases.items() if k}
        self._phrases = phrases
        self._phrase_re = re.compile(_alternation(tuple(phrases))) if phrases else re.compile(r"(?!x)x")

    def __call__(self, text: str) -> Iterator[Mention]:
        def mention(match: re.Match[str], value: int | None) -> Mention | None:
            if value is None or not 1 <= value <= _MAX:
                return None
            start, end = match.span()
            return Mention(start, end, (Found("count", value, start, end),))

        candidates: list[Mention | None] = []
        for match in self._unit_re.finditer(text):
            candidates.append(mention(match, to_int(match.group("n"))))
        for match in self._group_re.finditer(text):
            candidates.append(mention(match, to_int(match.group("n"))))
        for match in self._family_re.finditer(text):
            candidates.append(mention(match, to_int(match.group("n") or match.group("m"))))
        for match in self._adult_child_re.finditer(text):
            adults, children = to_int(match.group("a")), to_int(match.group("c"))
            candidates.append(mention(match, None if adults is None or children is None else adults + children))
        for pattern in (self._headcount_re, self._trailing_re):
            for match in pattern.finditer(text):
                candidates.append(mention(match, to_int(match.group("n"))))
        for match in self._pair_re.finditer(text):
            candidates.append(mention(match, 2 if match.group("n") == "俩" else 3))
        for match in self._mixed_re.finditer(text):
            parts = [to_int(m.group("n")) for m in self._mixed_part.finditer(match.group())]
            total = sum(p for p in parts if p is not None) if all(p is not None for p in parts) else None
            candidates.append(mention(match, total))
        for match in self._mixed_rev_re.finditer(text):
            parts = [to_int(m.group("n")) for m in self._mixed_rev_part.finditer(match.group())]
            total = sum(p for p in parts if p is not None) if all(p is not None for p in parts) else None
            candidates.append(mention(match, total))
        for match in self._phrase_re.finditer(text):
            candidates.append(mention(match, self._phrases[match.group()]))
        numbers = [c for c in candidates if c is not None]
        people: list[Mention | None] = []
        for match in self._company_re.finditer(text):
            members = len(self._member_re.findall(match.group()))
            people.append(mention(match, 1 + members))
        for match in self._company_rev_re.finditer(text):
            people.append(mention(match, 2))
        for match in self._alone_re.finditer(text):
            people.append(mention(match, 1))
        named = [p for p in people if p is not None]
        yield from numbers
        yield from named
        yield from _said_together(text, named, numbers)


def _said_together(text: str, people: list[Mention], numbers: list[Mention]) -> Iterator[Mention]:
    """One mention for "who" next to "how many" (我跟我老婆两个人, 两个人，我和老伴): the number
    said is the count, and the longer span wins over both parts."""
    for who in people:
        for number in numbers:
            if number.start >= who.end and _JOIN_RE.fullmatch(text, who.end, number.start):
                start, end = who.start, number.end
            elif who.start >= number.end and _JOIN_RE.fullmatch(text, number.end, who.start):
                start, end = number.start, who.end
            else:
                continue
            yield Mention(start, end, (Found("count", number.found[0].value, start, end),))
