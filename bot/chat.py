"""`python -m bot chat`: talk to the bot in a terminal exactly as WeChat would.

Same dialogue engine, same store, same replies; numbered options are printed as
"1. 物业报修" and answering with the digit works as it does in WeChat. When stdin is not a
terminal, every non-empty input line gets one reply block, and blocks are separated by a
blank line.
"""
from __future__ import annotations

import itertools
import sys
import time
from typing import TextIO

from bot.runtime import Runtime
from bot.wechat.inbound import Inbound


def chat(runtime: Runtime, openid: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    interactive = stdin.isatty()
    counter = itertools.count(int(time.time() * 1000) * 1000)
    if interactive:
        print(f"邻里助手 — chatting as {openid}. Type 0 for the menu; Ctrl-D to leave.", file=stdout)
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        words = line.rstrip("\r\n")
        if not words.strip():
            continue
        inbound = Inbound(openid=openid, account="terminal", kind="text", create_time=int(time.time()),
                          msg_id=str(next(counter)), text=words, raw_type="text")
        reply = runtime.assistant.handle(inbound)
        text = runtime.assistant.plain_text(reply) if reply is not None and not reply.silent else ""
        print(_one_block(text), file=stdout)
        print(file=stdout)
        stdout.flush()


def _one_block(text: str) -> str:
    """Blank lines would end the block early for a program reading the output."""
    return "\n".join(line for line in text.splitlines() if line.strip())
