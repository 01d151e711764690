"""``/wechat``: the endpoint WeChat's servers call (SPEC §5).

GET verifies the server (sha1 signature, echo ``echostr``). POST checks the signature and
the timestamp window, decrypts in safe/compatible mode (``encrypt_type=aes``, checked with
``msg_signature``), deduplicates WeChat's retries, runs the message, and answers inside the
reply budget: a reply that is not ready in time is delivered later through the outbox and
WeChat gets ``success``.

Requests WeChat would never send get a clean 4xx (403 signature, 400 message, 413 size) and
one log line without a traceback, and the connection stays open for the next request.
Everything up to a parsed message is read from untrusted input; should reading it ever fail
in a way not foreseen, that request still gets a 400 (its traceback logged once), never an
exception that makes the server drop the connection.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from bot import metrics
from bot.assistant import Answer, Assistant, Rendezvous, log_fields, shown_key
from bot.dialogue.turn import Turn
from bot.errors import BadMessage, BadRequest, BodyTooLarge
from bot.privacy import mask_openid
from bot.redelivery import Redelivery, spool_for
from bot.settings import ROOT, Settings
from bot.wechat.crypto import MessageCrypto, check_nonce, check_signature, check_timestamp
from bot.wechat.inbound import Inbound, parse_inbound, parse_xml
from bot.wechat.render import render_xml
from store.db import WriterBusy
from store.repositories.processed import ClaimState

log = logging.getLogger(__name__)

SUCCESS = "success"


class WeChatEndpoint:
    def __init__(self, settings: Settings, assistant: Assistant, executor: ThreadPoolExecutor,
                 writer: ThreadPoolExecutor | None = None) -> None:
        self.settings = settings
        self.assistant = assistant
        self.executor = executor
        self.writer = writer or executor
        #: SQLite: a message whose transaction can start at once is taken right on the event loop
        #: (see :meth:`_take`); ``_queued`` counts those waiting for the writer thread meanwhile,
        #: and ``_waiting`` are the messages waiting for them to be done.
        self.inline = writer is not None and settings.config.server.turns_on_event_loop
        self._queued = 0
        self._waiting: list[asyncio.Future[None]] = []
        secrets_ = settings.wechat
        self.token = secrets_.token
        self.max_skew = secrets_.max_clock_skew
        self.max_body = settings.config.server.max_body_bytes
        self.budget = settings.config.server.reply_budget_seconds
        self.redelivery = Redelivery(lambda inbound: assistant.take(inbound, Rendezvous.for_outbox()),
                                     spool=spool_for(settings.database_url, ROOT))
        self.crypto = (MessageCrypto(secrets_.token, secrets_.appid, secrets_.aes_key, secrets_.aes_key_previous)
                       if secrets_.aes_key else None)

    # --- GET: server verification -----------------------------------------------------------
    async def verify(self, request: Request) -> Response:
        params = request.query_params
        try:
            self._check_request(params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", ""))
        except BadRequest as error:
            return self._refuse(request, error)
        except Exception:  # see the module docstring: answered, never a dropped connection
            return self._unreadable(request)
        return PlainTextResponse(params.get("echostr", ""))

    # --- POST: messages -----------------------------------------------------------------------
    async def receive(self, request: Request) -> Response:
        started = time.monotonic()
        params = request.query_params
        timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
        try:
            self._check_request(params.get("signature", ""), timestamp, nonce)
            body = await self._read_body(request)
            xml, key_index = self._open(body, params)
            inbound = parse_inbound(xml)
        except BadRequest as error:
            metrics.MESSAGES.labels("refused").inc()
            return self._refuse(request, error)
        except ClientDisconnect:
            log.info("client left %s %s before sending its body", request.method, request.url.path)
            return PlainTextResponse("", status_code=400)
        except Exception:  # see the module docstring: answered, never a dropped connection
            metrics.MESSAGES.labels("refused").inc()
            return self._unreadable(request)
        outcome = "answered"
        try:
            answer = await self._answer(inbound, started)
            if answer is None:
                outcome = "later"
        except Exception:  # never a 500: the resident gets an apology, WeChat a valid reply
            log.exception("message %s from %s could not be handled", shown_key(inbound), mask_openid(inbound.openid),
                          extra=log_fields(inbound))
            answer = Answer(self.assistant.error_reply(), int(time.time()))
            outcome = "error"
        response = self._respond(answer, inbound, key_index, timestamp, nonce)
        metrics.MESSAGES.labels(outcome).inc()
        metrics.REPLY_SECONDS.observe(time.monotonic() - started)
        return response

    def _check_request(self, signature: str, timestamp: str, nonce: str) -> None:
        check_timestamp(timestamp, self.max_skew)
        check_nonce(nonce)
        check_signature(self.token, signature, timestamp, nonce)

    async def _read_body(self, request: Request) -> str:
        declared = request.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and (len(declared) > 12 or int(declared) > self.max_body):
            raise BodyTooLarge(f"body of {declared[:20]} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge(f"body over {self.max_body} bytes")
            chunks.append(chunk)
        try:
            return b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError:
            raise BadMessage("body is not UTF-8") from None

    def _open(self, body: str, params: Any) -> tuple[str, int | None]:
        """The plaintext message XML, and which AES key opened it (None in plaintext mode)."""
        if not body.strip():
            raise BadMessage("empty body")
        if params.get("encrypt_type", "raw").lower() != "aes":
            return body, None
        if self.crypto is None:
            raise BadMessage("safe-mode message but WECHAT_AES_KEY is not configured")
        envelope = parse_xml(body)
        ciphertext = envelope.get("Encrypt")
        if not isinstance(ciphertext, str) or not ciphertext.strip():
            raise BadMessage("safe-mode message without <Encrypt>")
        return self.crypto.decrypt(ciphertext.strip(), params.get("msg_signature", ""),
                                   params.get("timestamp", ""), params.get("nonce", ""))

    async def _answer(self, inbound: Inbound, started: float) -> Answer | None:
        """The reply for this delivery, or None for ``success`` (the outbox will carry it).

        The built-in NLU reads the words right here; a call to another NLU server and any slow
        preparation (a forecast) run in a worker thread, the transaction on the event loop when
        it can start at once, else in the writer's thread (see :meth:`_take`); the whole of it
        is held to the reply budget: a retry waiting for the first delivery's lock, or a
        database slow to hand it over, delays nobody's reply past the budget either."""
        deadline = started + self.budget
        rendezvous = Rendezvous()
        job = asyncio.ensure_future(self._take(inbound, rendezvous))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(job), timeout=max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            if rendezvous.give_up():
                log.warning("message %s from %s missed the reply budget; the outbox will carry it",
                            shown_key(inbound), mask_openid(inbound.openid), extra=log_fields(inbound))
                job.add_done_callback(lambda done: self._taken_late(done, inbound))
                return None
            outcome = await job  # it is committing right now
        if isinstance(outcome, Answer):
            return outcome
        return None  # deferred: the first delivery's reply goes through the outbox

    async def _take(self, inbound: Inbound, rendezvous: Rendezvous) -> Answer | ClaimState:
        loop = asyncio.get_running_loop()
        turn: Turn | None = None
        try:
            if self.assistant.reads_in_process:  # a fraction of a millisecond: not worth a thread
                turn = self.assistant.read(inbound)
                if self.assistant.needs_preparing(turn):
                    turn = await loop.run_in_executor(self.executor, self.assistant.prepare, turn)
            else:
                turn = await loop.run_in_executor(self.executor, self.assistant.understand, inbound)
        except Exception:  # taking it reads the words again, and answers a failure as any other
            log.exception("reading message %s failed", shown_key(inbound), extra=log_fields(inbound))
        if self.inline and turn is not None:
            # SQLite, the write lock free, a connection open: the turn is a millisecond of work
            # that cannot wait on anything, so it runs here. Handing it to a thread and back cost
            # a third of the CPU of a message (the two threads passing the interpreter lock back
            # and forth at every statement). Messages already queued for the writer go first;
            # this one waits for them rather than queueing too, or under steady load the queue
            # would never empty and every message would pay for the hand-over from then on.
            while self._queued:
                drained = loop.create_future()
                self._waiting.append(drained)
                await drained
            try:
                return self.assistant.take(inbound, rendezvous, turn, wait=False)
            except WriterBusy:
                pass  # someone is writing: queue behind them, in the writer's thread
        self._queued += 1
        taken = loop.run_in_executor(self.writer, self.assistant.take, inbound, rendezvous, turn)
        taken.add_done_callback(self._dequeued)
        return await taken

    def _dequeued(self, _taken: asyncio.Future[Any]) -> None:
        self._queued -= 1
        if not self._queued:
            waiting, self._waiting = self._waiting, []
            for drained in waiting:
                if not drained.done():
                    drained.set_result(None)

    def _taken_late(self, done: asyncio.Future[Any], inbound: Inbound) -> None:
        """A message WeChat was told ``success`` for, whose database work then failed, is taken
        again once the database is back (see :mod:`bot.redelivery`)."""
        if not done.cancelled() and done.exception() is None and done.result() is ClaimState.UNAVAILABLE:
            self.redelivery.later(inbound)

    def _respond(self, answer: Answer | None, inbound: Inbound, key_index: int | None,
                 timestamp: str, nonce: str) -> Response:
        if answer is None:
            return PlainTextResponse(SUCCESS)
        xml = render_xml(answer.reply, openid=inbound.openid, account=inbound.account,
                         create_time=answer.created or int(time.time()), footer=self.assistant.footer())
        if xml is None:
            return PlainTextResponse(SUCCESS)
        if key_index is not None and self.crypto is not None:
            xml = self.crypto.encrypt(xml, nonce or secrets.token_hex(8), timestamp or str(int(time.time())),
                                      key_index)
        return Response(xml, media_type="application/xml")

    @staticmethod
    def _unreadable(request: Request) -> Response:
        log.exception("refused %s %s: the request could not be read", request.method, request.url.path)
        return PlainTextResponse("bad request", status_code=400)

    @staticmethod
    def _refuse(request: Request, error: BadRequest) -> Response:
        client = request.client.host if request.client else "?"
        log.warning("refused %s %s from %s: %s %s", request.method, request.url.path, client,
                    error.status_code, error)
        return PlainTextResponse(str(error) if error.status_code != 403 else "forbidden",
                                 status_code=error.status_code)
