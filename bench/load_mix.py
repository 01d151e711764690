"""What the load benchmark's residents say, and the requests WeChat's servers would post for it.

Each simulated resident holds one keep-alive connection and runs one conversation after
another, each under a new openid, so a run reaches thousands of residents. A conversation
is one of the scripts below, picked by weight; every message has a MsgId of its own, and a
few (``retry_share``) are delivered twice with the same MsgId — WeChat's retry — either
while the first delivery is still being answered or right after its answer.

The mix, by share of conversations:

==================  ======  ==========================================================
script              weight  turns
==================  ======  ==========================================================
questions           30 %    three questions in natural language (报修进度, 这个月物业费多少…)
menu                20 %    number-menu digits: 0 → 1 → 2 → 取消, or 0 → 2
repair form         20 %    a repair report step by step: 我要报修 → 1 → what → where → phone → 1
bind and repair     15 %    绑定 3-502 张三 1234 → 报修进度 → a leak in one sentence → 1 → 报修进度
bind form           10 %    绑定 → 3-502 → 张三 → 1234 → 0
handoff              5 %    a complaint → 人工
==================  ======  ==========================================================

Binding uses the demo roster (``python -m bot seed-demo``): flat 3-502, 张三, phone ending 1234.

The costly part of a request — AES-encrypting its body — is done before the clock runs
(:meth:`Signer.seal`); what is left at send time (:meth:`Signer.request`) is two sha1
signatures over a fresh timestamp and nonce, so timestamps stay inside the server's
clock-skew window however long the run.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from wechatpy.crypto import PrpCrypto

ACCOUNT = "gh_bench_account"

#: Message kinds, for latency by kind.
QUESTION, MENU, FORM, BIND, HANDOFF = "question", "menu digit", "form turn", "bind command", "handoff"

QUESTIONS = (
    "报修进度", "我的报修到哪一步了", "这个月物业费多少", "我家欠物业费吗", "明天天气怎么样", "今天会下雨吗",
    "物业几点上班", "快递放在哪里", "小区可以停几辆车", "社区最近有什么活动", "垃圾几点收", "你好",
    "谢谢", "水费怎么交", "周末有义诊吗", "维修师傅什么时候来",
)
REPAIR_DETAILS = (
    "厨房水龙头一直滴水", "卫生间马桶堵了", "客厅灯不亮了", "阳台下水道返水", "门锁坏了打不开",
    "热水器不出热水", "卧室插座没电", "窗户关不严漏风",
)
PLACES = ("3-502", "5-1-301", "7号楼三楼", "12-3-502", "1-101", "5号楼电梯口", "2-301")
ONE_SENTENCE_REPAIRS = (
    "我家厨房水管漏水了", "卫生间下水道堵了", "家里跳闸停电了", "楼道灯坏了好几天了", "门禁刷不开",
)
PHONES = ("13912341234", "13612345678", "18600001102", "13712345502")
COMPLAINTS = ("投诉一下保洁", "楼上装修太吵了我要投诉", "物业服务太差了", "垃圾好几天没人收")


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    kind: str


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    weight: int
    steps: Callable[[random.Random], list[Step]]


def _questions(rng: random.Random) -> list[Step]:
    return [Step(text, QUESTION) for text in rng.sample(QUESTIONS, 3)]


def _menu(rng: random.Random) -> list[Step]:
    if rng.random() < 0.6:
        return [Step("0", MENU), Step("1", MENU), Step("2", MENU), Step("取消", MENU)]
    return [Step("0", MENU), Step("2", MENU)]


def _repair_form(rng: random.Random) -> list[Step]:
    return [Step("我要报修", FORM), Step(str(rng.randint(1, 3)), FORM), Step(rng.choice(REPAIR_DETAILS), FORM),
            Step(rng.choice(PLACES), FORM), Step(rng.choice(PHONES), FORM), Step("1", FORM)]


def _bind_and_repair(rng: random.Random) -> list[Step]:
    return [Step("绑定 3-502 张三 1234", BIND), Step("报修进度", QUESTION),
            Step(rng.choice(ONE_SENTENCE_REPAIRS), FORM), Step("1", FORM), Step("报修进度", QUESTION)]


def _bind_form(rng: random.Random) -> list[Step]:
    return [Step("绑定", FORM), Step("3-502", FORM), Step("张三", FORM), Step("1234", FORM), Step("0", MENU)]


def _handoff(rng: random.Random) -> list[Step]:
    return [Step(rng.choice(COMPLAINTS), HANDOFF), Step("人工", HANDOFF)]


SCRIPTS = (
    Script("questions", 30, _questions),
    Script("menu", 20, _menu),
    Script("repair form", 20, _repair_form),
    Script("bind and repair", 15, _bind_and_repair),
    Script("bind form", 10, _bind_form),
    Script("handoff", 5, _handoff),
)


@dataclass(frozen=True, slots=True)
class Message:
    """One message a resident sends; ``retry`` is "while", "after" or "" (not retried)."""

    openid: str
    msg_id: int
    text: str
    kind: str
    script: str
    retry: str = ""

    def xml(self, create_time: int) -> str:
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{self.openid}]]></FromUserName><CreateTime>{create_time}</CreateTime>"
                f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{self.text}]]></Content>"
                f"<MsgId>{self.msg_id}</MsgId></xml>")


@dataclass(frozen=True, slots=True)
class Sealed:
    """A message with its encrypted body, ready to be signed and sent."""

    message: Message
    body: bytes
    ciphertext: str


class Resident:
    """The endless, reproducible stream of one simulated resident's messages."""

    def __init__(self, index: int, run_tag: str, seed: int, msg_ids: Iterator[int], retry_share: float = 0.03,
                 scripts: tuple[Script, ...] = SCRIPTS) -> None:
        self.index = index
        self.run_tag = run_tag
        self.rng = random.Random(f"{seed}:{index}")
        self.msg_ids = msg_ids
        self.retry_share = retry_share
        self.scripts = scripts
        self.conversations = 0

    def conversation(self) -> list[Message]:
        script = self.rng.choices(self.scripts, weights=[s.weight for s in self.scripts])[0]
        openid = f"o{self.run_tag}_{self.index:03d}_{self.conversations:05d}"
        self.conversations += 1
        messages = []
        for step in script.steps(self.rng):
            retry = ""
            if self.rng.random() < self.retry_share:
                retry = self.rng.choice(("while", "after"))
            messages.append(Message(openid, next(self.msg_ids), step.text, step.kind, script.name, retry))
        return messages

    def __iter__(self) -> Iterator[Message]:
        while True:
            yield from self.conversation()


def residents(count: int, run_tag: str, seed: int = 1, retry_share: float = 0.03) -> list[Resident]:
    """``count`` residents sharing one MsgId sequence (unique across the run)."""
    ids = itertools.count(random.Random(f"{seed}:{run_tag}").randrange(10**17, 9 * 10**17))
    return [Resident(n, run_tag, seed, ids, retry_share) for n in range(count)]


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


class Signer:
    """Plays WeChat's servers for one account: encrypts bodies (safe mode) and signs requests."""

    def __init__(self, token: str, appid: str, aes_key: str, host: str, path: str = "/wechat") -> None:
        self.token = token
        self.appid = appid
        self.host = host
        self.path = path
        self.prp = PrpCrypto(base64.b64decode(aes_key + "="))
        self.nonces = itertools.count(random.randrange(10**8, 9 * 10**8))

    def seal(self, message: Message, create_time: int) -> Sealed:
        """The safe-mode body for ``message``: ``<xml><Encrypt>…`` (the costly part: AES)."""
        ciphertext = self.prp.encrypt(message.xml(create_time), self.appid)
        ciphertext = ciphertext.decode("ascii") if isinstance(ciphertext, bytes) else ciphertext
        body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>").encode("ascii")
        return Sealed(message, body, ciphertext)

    def request(self, sealed: Sealed, timestamp: int) -> bytes:
        """The whole HTTP request, signed now: ``signature`` and ``msg_signature`` over a new nonce."""
        ts, nonce = str(timestamp), str(next(self.nonces))
        query = (f"signature={sign(self.token, ts, nonce)}&timestamp={ts}&nonce={nonce}"
                 f"&openid={sealed.message.openid}&encrypt_type=aes"
                 f"&msg_signature={sign(self.token, ts, nonce, sealed.ciphertext)}")
        head = (f"POST {self.path}?{query} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Content-Type: text/xml\r\nContent-Length: {len(sealed.body)}\r\n\r\n")
        return head.encode("ascii") + sealed.body
