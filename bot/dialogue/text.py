"""Reading short answers: reducing a message for comparison, yes and no, corrections, noise.

These read *how* something is said (a correction, a plain yes, punctuation only), never
*what* service is meant — that is the NLU's and the flows' business.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.dialogue.turn import Turn
from nlu.types import OUT_OF_SCOPE, IntentPrediction, Parse

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
#: 不修了, 先不报了, 不用了, 还是不办了吧: "not (doing) it after all".
_LEAVE = re.compile(r"^(?:先|暂时|还是|那就|那|我)*不(?:用|要|需要|想)?"
                    r"(?:修|报|办|弄|填|要|用|需要|绑|绑定|报名|捐|换|去|搞)?(?:了|啦|吧|啊|呀)+$")
#: One or two characters said over and over: 啊啊啊, 巴拉巴拉, 哈哈哈哈.
_REPEATED = re.compile(r"(.{1,2}?)\1+")
#: WeChat's emoticons as they arrive in a text: [微笑], [捂脸], [OK].
_EMOTICON = re.compile(r"\[[\u4e00-\u9fffA-Za-z0-9]{1,4}\]")
#: Half-width punctuation next to a Chinese character, and what a Chinese keyboard gives for it.
_ASCII_PUNCTUATION = re.compile(r"(?<=[\u4e00-\u9fff])[,?!:;]|[,?!:;](?=[\u4e00-\u9fff])")
_FULL_WIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
#: A question (几点开始, 可以吗), but not 没什么问题 or 没啥.
_QUESTION = re.compile(r"[?？]|吗\s*$|吗[啊呀呢]|在哪|哪里|哪儿|哪个|哪天|(?<!不)怎么|(?<!没)什么|几点|几号|多少|谁"
                       r"|(?<!没)啥|咋")
#: A correction: 不对，是马桶堵了 / 改成5号楼 / 应该是 3-502.
_CORRECTION = re.compile(
    r"^\s*(?:刚才)?(?:(?:名字|姓名|房号|门牌号?|地址|电话|手机号?|号码|尾号|时间|日期)(?=[说写搞弄]?错|不对))?"
    r"(?:不对|不是的|不是|错了|说错了|写错了|搞错了|弄错了|刚才说错了|更正一下|更正|改一下|改下)"
    r"[\s,，。.!！、:：]*(?:应该是|是|改成|改为|换成)?\s*(?P<rest>.*)$"
    r"|^\s*(?:\S{1,6}?)?(?:改成|改为|换成|应该是)\s*(?P<rest2>.+)$"
    r"|^\s*(?:(?:其实|实际上|应该|我说的|我的意思)?是|我是说)(?P<rest3>[^，,。]+?)[，,\s]*(?:而)?不是(?P<wrong>.+?)[。.!！]?$")


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """The message simplified, half-width, lower-case and without punctuation or spaces."""
    from nlu import normalize_text

    folded = unicodedata.normalize("NFKC", normalize_text(text)).lower()
    stripped = _PUNCTUATION.sub("", folded)
    return stripped or folded.strip()


def fold(text: str) -> str:
    """Half-width (NFKC) text: what a phone keyboard's full-width digits and spaces mean."""
    return unicodedata.normalize("NFKC", text)


_LEADING = re.compile(r"^(?:那就|那么|那|好吧|哎呀|哎|唉|嗯|你|您)")
_TRAILING = re.compile(r"(?:吧|啊|呀|啦|哦|呢|嘛|哈)+$")


def core_word(reduced: str) -> str:
    """A short message reduced to its word: 算了算了 → 算了, 那算了吧 → 算了, 人工人工 → 人工."""
    word = _TRAILING.sub("", _LEADING.sub("", reduced)) or reduced
    repeated = _REPEATED.fullmatch(word) if len(word) >= 4 else None
    half = re.fullmatch(r"(.{2,4}?)\1+", word)
    if half:
        return half.group(1)
    return repeated.group(1) if repeated else word


def plain_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(plain(word) for word in words)


def mentioned_group(text: str, groups: Mapping[str, Sequence[str]]) -> str | None:
    """The first group (``{"party": [党务, 党建], …}``) one of whose words the message contains,
    compared the way ``plain`` reduces both; None when it mentions none."""
    words = plain(text)
    for name, members in groups.items():
        if any(plain(member) in words for member in members):
            return name
    return None


def two_requests(text: str, connectors: Sequence[str]) -> tuple[str, str] | None:
    """The two parts of 我家水管漏了，顺便问下这个月水费多少 around its connector (顺便问下, 另外;
    ``connectors`` longest first), each at least two characters; None when the message has no
    connector between words."""
    for connector in connectors:
        at = text.find(connector)
        if at <= 0:
            continue
        first = text[:at].rstrip("，,。.！!；;、 ")
        second = text[at + len(connector):].lstrip("，,。.！!；;、：: ")
        if len(plain(first)) >= 2 and len(plain(second)) >= 2:
            return first, second
    return None


def mentions(text: str, words: Iterable[str]) -> bool:
    reduced = plain(text)
    return any(plain(word) in reduced for word in words if word)


def asks(text: str) -> bool:
    """The words are a question (是在哪里来着, 几点开始, 可以吗): never a yes, whatever the NLU reads."""
    return bool(_QUESTION.search(text))


def affirms(turn: Turn, at_least: float = 0.0) -> bool:
    """The NLU reads a yes (at ``at_least`` confidence) and the words are not a question."""
    return turn.intent == "affirm" and turn.confidence >= at_least and not asks(turn.text)


def leaves_form(turn: Turn, extra: frozenset[str] = frozenset()) -> bool:
    """不修了 / 先不报了 / 不用了 / 换一个: the resident does not want to go on with this."""
    return turn.plain in extra or bool(_LEAVE.match(turn.plain))


@dataclass(frozen=True, slots=True)
class Correction:
    """不对，是马桶堵了 → ``turn`` holds 马桶堵了; 是5号楼不是3号楼 → also ``wrong`` = 3号楼."""

    turn: Turn
    wrong: str | None = None


def correction(turn: Turn) -> Correction | None:
    """The corrected part of a correction, as a turn of its own (entities re-based onto the
    shorter text), or None when the message corrects nothing."""
    match = _CORRECTION.match(turn.text)
    if not match:
        return None
    rest = next((match.group(g) for g in ("rest", "rest2", "rest3") if match.group(g) is not None), "").strip()
    offset = turn.text.find(rest) if rest else len(turn.text)
    end = offset + len(rest)
    entities = tuple(replace(e, start=e.start - offset, end=e.end - offset)
                     for e in turn.entities if e.start >= offset and e.end <= end)
    # The corrected words are an answer, not a request: no intent of their own.
    parse = Parse(rest, IntentPrediction(OUT_OF_SCOPE, 0.0), entities) if turn.parse else None
    fixed = replace(turn, text=rest, plain=plain(rest) if rest else "", parse=parse)
    return Correction(fixed, (match.group("wrong") or "").strip() or None)


def chinese_punctuation(text: str) -> str:
    """Words kept for people to read, with the punctuation a Chinese keyboard gave (the message
    was folded to half-width for reading): 出婴儿车,九成新 → 出婴儿车，九成新; 9:30 stays."""
    return _ASCII_PUNCTUATION.sub(lambda m: _FULL_WIDTH[m.group()], text)


def without_emoticons(text: str) -> str:
    """The words without WeChat's emoticons ([捂脸]我家灯坏了 → 我家灯坏了)."""
    return _EMOTICON.sub("", text).strip()


def is_noise(turn: Turn) -> bool:
    """Punctuation, emoji, or a sound said over and over (啊啊啊, 巴拉巴拉): nothing to act on —
    unless it is a yes, a no, a thanks or a greeting (好好好, 👍, 🙏)."""
    text = without_emoticons(turn.text)
    if not text:
        return not (turn.intent in ("affirm", "deny", "thanks", "greet") and turn.confidence >= 0.5)
    letters = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    if letters and (len(letters) < 3 or not _REPEATED.fullmatch(letters)):
        return False
    # 对对对 / 好好好 / 谢谢谢谢, and 👍 / 🙏 (the NLU reads them as words), are answers, not noise
    return not (turn.intent in ("affirm", "deny", "thanks", "greet") and turn.confidence >= 0.5)
