"""Residents' conversations, played through ``POST /wechat`` as WeChat's servers send them.

Every conversation in ``tests/e2e/conversations/*.yml`` is one test (id ``file:name``): a fresh
resident (a fresh openid on a fresh copy of the demo community) sends its turns signed and
encrypted in safe (AES) mode; every reply is decrypted and judged by meaning, not wording,
after every turn, and the records are read back through the store. A failure shows the whole
conversation so far and what the store holds.

The suite is the yardstick of the dialogue and runs with the rest of the tests
(``CONVERSATIONS_SHOW=1`` with ``-s`` prints the transcripts of the passing ones too).

A conversation::

    - name: gas_homophone                 # id in pytest: <file>:<name>
      about: 煤气危很重 is 煤气味很重 misheard   # why this conversation exists
      given:                              # optional
        bound: 3-502                      # bind first with the demo roster (绑定 3-502 张三 1234)
        on_duty: [o_staff_1]              # staff.on_duty_openids in config.yml
        flows_off: [weather]              # flows switched off (enabled: false) for this conversation
        tickets:                          # repair tickets the household already has (needs bound)
          - {category: lighting, description: 楼道灯不亮, status: assigned, days_ago: 1}
      turns:
        - say: 煤气危很重                  # what the resident sends …
          says_any: [962777, 021-6201-1110]
          state: {repairs: {urgent: 1}}

What a turn sends (exactly one):
    say: TEXT          a text message
    tap: N | WORD      taps the N-th clickable choice (weixin://bizmsgmenu link) of the previous reply,
                       or the first whose label has WORD: WeChat sends its msgmenucontent as text,
                       with the bizmsgmenuid
    voice: TEXT        a voice message whose Recognition is TEXT; "" is an empty recognition
                       and null a voice message without a Recognition field
    image: true        a photo
    event: NAME        an event (subscribe …)
    click: KEY         a custom-menu CLICK event with this EventKey

What a reply must mean (every key is optional; all given must hold):
    says_any: [A, B]          the reply contains at least one of these
    says_all: [A, [B, C]]     the reply contains every item; an item that is a list is met by any of its words
    says_none: [A, B]         the reply contains none of these
    offers_choices: BOOL      the reply does (true) / does not (false) carry clickable numbered choices
    offers: [A, B]            one of the offered choices has one of these words in its label
    max_chars: N              the reply, as the resident reads it, is at most N characters long
    state: {…}                the records after the turn (below)

  "Contains" reads the reply as the resident sees it (link markup removed); a phone number
  matches whatever dashes or spaces it is written with (021-6201-1110 = 021-62011110).

  Every reply, always: WeChat gets an encrypted reply (not "success", not an error), it is not
  empty, and it never shows a range like "请回复 1 到 1 之间的数字" nor a template left unfilled
  ("None", "{", "}").

State (read through the store after the turn; counts are a number or ">=N"):
    repairs:                  this resident's repair tickets
      count / urgent / open / cancelled: N     all, urgent, still open (待受理/已派单/处理中), cancelled
      latest: {…}             the newest ticket; each: {…} every ticket. Ticket checks:
        category: CODE | [CODE…]   a category code of config.yml (water_leak, gas, elevator …)
        urgent: BOOL
        status: STATUS | [STATUS…] pending, assigned, in_progress, done, cancelled
        location_has / description_has / phone_has: [A, B]   contains at least one
        location_lacks / description_lacks: [A, B]           contains none
        has_photo: BOOL
    escalations: N            this resident's conversations handed to staff
    staff_notices: N          outbox messages to the on-duty staff openids
    bound: ADDRESS | null     the household this resident is bound to (3-502, 5-1-301), or none

Repeating a turn until something has happened (digits alone must finish a flow):
    - say: "1"
      until: {repairs: {count: 1}}   # state checks; looked at before every send
      within: 6                      # at most this many sends, or the conversation fails
      each: {offers_choices: true}   # every reply that did not finish it (each question asked)
      some: {offers: [跳过]}          # at least one reply of the loop
      says_any: [...]                # plain keys: the reply that finished it (state: afterwards)
  If the condition already holds, nothing is sent (then the turn may carry state checks only).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.runtime import Runtime
from store.clock import utcnow
from store.repairs import NewTicket, RepairRepository
from tests.e2e.conversation_suite import (
    REPLY_KEYS,
    SEND_KEYS,
    Choice,
    Conversation,
    Heard,
    always_failures,
    heard,
    load_all,
    read_records,
    reply_failures,
    roster,
    state_failures,
)
from tests.wechat_client import WeChatServer, event_xml, image_xml, text_xml, voice_xml

SUITE = load_all()


@pytest.fixture
def runtime(conversation: Conversation, make_runtime: Callable[..., Runtime],
            config_with: Callable[..., Any]) -> Runtime:
    """The app's runtime, with the conversation's staff on duty and flows switched off in config.yml."""
    sections: dict[str, dict[str, Any]] = {flow: {"enabled": False} for flow in conversation.flows_off}
    if conversation.on_duty:
        sections["staff"] = {"on_duty_openids": list(conversation.on_duty)}
    return make_runtime(config_with(**sections)) if sections else make_runtime()


class Talk:
    """One resident talking to the webhook, keeping the transcript for the failure message."""

    def __init__(self, conversation: Conversation, wechat: WeChatServer, store_of: Callable[[], Any]) -> None:
        self.conversation = conversation
        self.wechat = wechat
        self.store_of = store_of
        self.openid = "o_" + hashlib.sha1(conversation.id.encode()).hexdigest()[:20]
        self.lines: list[str] = []
        self.last: Heard | None = None
        self._event_times = itertools.count(int(time.time()) - 120)

    # sending ---------------------------------------------------------------------------
    def send(self, turn: dict[str, Any], label: str) -> Heard:
        kind = next(key for key in SEND_KEYS if key in turn)
        value = turn[kind]
        if kind == "say":
            xml, shown = text_xml(self.openid, str(value)), str(value)
        elif kind == "tap":
            choice = self.choice(value, label)
            xml = text_xml(self.openid, choice.content).replace(
                "</xml>", f"<bizmsgmenuid>{choice.menu_id}</bizmsgmenuid></xml>")
            shown = f"[点选 {value}: {choice.label}]"
        elif kind == "voice":
            xml, shown = voice_xml(self.openid, value), f"[语音 识别={value!r}]"
        elif kind == "image":
            xml, shown = image_xml(self.openid), "[图片]"
        elif kind == "event":
            xml, shown = event_xml(self.openid, str(value), create_time=next(self._event_times)), f"[事件 {value}]"
        else:
            xml = event_xml(self.openid, "CLICK", key=str(value), create_time=next(self._event_times))
            shown = f"[菜单 {value}]"
        delivery = self.wechat.post(xml, safe=True)
        reply = heard(delivery.status, delivery.reply)
        self.last = reply
        self.record(label, shown, reply)
        problems = always_failures(reply)
        if problems:
            self.fail(label, problems)
        return reply

    def choice(self, wanted: Any, label: str) -> Choice:
        """The choice of the previous reply a tap means: by position, or by a word of its label."""
        choices = self.last.choices if self.last else ()
        if isinstance(wanted, int):
            if 1 <= wanted <= len(choices):
                return choices[wanted - 1]
        else:
            for choice in choices:
                if str(wanted) in choice.label:
                    return choice
        self.fail(label, [f"tap {wanted}: the previous reply offers {[c.label for c in choices]}"])
        raise AssertionError  # not reached: fail() raises

    def record(self, label: str, said: str, reply: Heard) -> None:
        self.lines.append(f"{label:>6} 居民: {said}")
        body = reply.text.strip().replace("\n", "\n" + " " * 13) if not reply.empty else f"(无回复 {reply.status})"
        self.lines.append(f"{'':>6} 助手: {body}")

    # checking --------------------------------------------------------------------------
    def records(self) -> Any:
        with self.store_of() as store:
            return read_records(store, self.openid, self.conversation.on_duty)

    def check(self, label: str, reply: Heard | None, checks: dict[str, Any]) -> None:
        problems = reply_failures(reply, checks) if reply is not None else []
        if "state" in checks:
            problems += state_failures(self.records(), checks["state"])
        if problems:
            self.fail(label, problems)

    def fail(self, label: str, problems: list[str]) -> None:
        c = self.conversation
        given = f"bound={c.bound} on_duty={list(c.on_duty)} tickets={len(c.tickets)}"
        message = "\n".join([
            f"{c.id} — {c.about}", f"given: {given}", "", *self.lines, "",
            f"failed at {label.strip()}:", *[f"  - {p}" for p in problems], "",
            "records now:", self.records().summary(),
        ])
        pytest.fail(message, pytrace=False)

    # the conversation ------------------------------------------------------------------
    def setup(self) -> None:
        c = self.conversation
        if c.bound:
            name, tail = roster()[c.bound]
            self.send({"say": f"绑定 {c.bound} {name} {tail}"}, "setup")
            if self.records().bound != c.bound:
                self.fail("setup", [f"binding with the canonical 绑定 {c.bound} {name} {tail} did not bind"])
        if c.tickets:
            self.seed_tickets()

    def seed_tickets(self) -> None:
        now = utcnow()
        with self.store_of() as store:
            resident = store.residents.get(self.openid)
            for number, seed in enumerate(self.conversation.tickets):
                ticket, _ = store[RepairRepository].open_ticket(
                    NewTicket(openid=self.openid, category=seed["category"],
                              location=str(seed.get("location", self.conversation.bound)),
                              description=str(seed["description"]), household_id=resident.household_id,
                              urgent=bool(seed.get("urgent", False))),
                    source_key=f"seed:{self.openid}:{number}",
                    now=now - timedelta(days=float(seed.get("days_ago", 0)), minutes=len(self.conversation.tickets)
                                        - number))
                if seed.get("status", "pending") != "pending":
                    store[RepairRepository].set_status(ticket, seed["status"], now)
        summary = "; ".join(f"{s['description']} ({s.get('status', 'pending')})" for s in self.conversation.tickets)
        self.lines.append(f"{'setup':>6} 已有报修: {summary}")

    def play(self, number: int, turn: dict[str, Any]) -> None:
        label = f"turn {number}"
        if "until" not in turn:
            self.check(label, self.send(turn, label), turn)
            return
        replies: list[Heard] = []
        for attempt in range(1, int(turn["within"]) + 1):
            if not state_failures(self.records(), turn["until"]):
                break
            step = f"{number}.{attempt}"
            reply = self.send(turn, step)
            replies.append(reply)
            if state_failures(self.records(), turn["until"]):
                problems = reply_failures(reply, turn.get("each", {}))
                if problems:
                    self.fail(step, [f"while not yet done: {p}" for p in problems])
        unmet = state_failures(self.records(), turn["until"])
        if unmet:
            self.fail(label, [f"not done after {len(replies)} messages: {p}" for p in unmet])
        if not replies and REPLY_KEYS & set(turn):
            self.fail(label, ["done before anything was sent: the reply checks of this turn judge nothing"])
        if "some" in turn and not any(not reply_failures(r, turn["some"]) for r in replies):
            self.fail(label, [f"no reply of the loop met {turn['some']}"])
        self.check(label, replies[-1] if replies else None, turn)


@pytest.mark.parametrize("conversation", SUITE, ids=[c.id for c in SUITE])
def test_conversation(conversation: Conversation, wechat: WeChatServer, store_of: Callable[[], Any]) -> None:
    talk = Talk(conversation, wechat, store_of)
    talk.setup()
    for number, turn in enumerate(conversation.turns, 1):
        talk.play(number, turn)
    if os.environ.get("CONVERSATIONS_SHOW") == "1":
        print(f"\n{conversation.id}\n" + "\n".join(talk.lines))
