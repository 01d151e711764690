"""A bare echo of the bot's web stack: the ceiling the load benchmark measures the bot against.

The same framework and server as ``python -m bot serve`` — FastAPI on uvicorn with the same
options — and the same WeChat checks: the request's sha1 ``signature``, its timestamp and
nonce, the safe-mode ``msg_signature`` and AES decryption (the bot's own
:mod:`bot.wechat.crypto`, which does its AES through wechatpy). It then answers an encrypted
text reply that echoes the message's ``Content``. No dialogue, no NLU, no database: whatever
the bot does beyond this costs the difference between the two in the same run.

    python -m bench.echo --port 8131        # credentials from WECHAT_TOKEN / WECHAT_APPID / WECHAT_AES_KEY
    python -m bench.echo --canned --port 8132

``--canned`` serves something cheaper still: a bare asyncio server (no HTTP framework, no
crypto) that answers every request with the same bytes. Against it the load generator,
not the server, is what runs out of CPU first: that is how its own ceiling is measured.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from xml.etree import ElementTree

import uvicorn
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.errors import BadRequest
from bot.wechat.crypto import MessageCrypto, check_nonce, check_signature, check_timestamp


def reply_xml(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply, as the bot renders one (CDATA sections, ``]]>`` split)."""
    def cdata(value: str) -> str:
        return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"

    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")


def create_echo_app(token: str, appid: str, aes_key: str, max_skew: int = 300) -> FastAPI:
    """``POST /wechat`` verifies, decrypts and echoes; ``GET /wechat`` verifies; ``GET /healthz``."""
    crypto = MessageCrypto(token, appid, aes_key)
    app = FastAPI(title="echo", openapi_url=None, docs_url=None, redoc_url=None)

    async def verify(request: Request) -> Response:
        params = request.query_params
        try:
            check_timestamp(params.get("timestamp", ""), max_skew)
            check_nonce(params.get("nonce", ""))
            check_signature(token, params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", ""))
        except BadRequest as error:
            return PlainTextResponse(str(error), status_code=error.status_code)
        return PlainTextResponse(params.get("echostr", ""))

    async def receive(request: Request) -> Response:
        params = request.query_params
        timestamp, nonce = params.get("timestamp", ""), params.get("nonce", "")
        try:
            check_timestamp(timestamp, max_skew)
            check_nonce(nonce)
            check_signature(token, params.get("signature", ""), timestamp, nonce)
            body = (await request.body()).decode("utf-8")
            envelope = ElementTree.fromstring(body)
            plain, key_index = crypto.decrypt((envelope.findtext("Encrypt") or "").strip(),
                                              params.get("msg_signature", ""), timestamp, nonce)
            message = ElementTree.fromstring(plain)
        except BadRequest as error:
            return PlainTextResponse(str(error), status_code=error.status_code)
        except (ElementTree.ParseError, UnicodeDecodeError):
            return PlainTextResponse("bad request", status_code=400)
        xml = reply_xml(message.findtext("FromUserName") or "", message.findtext("ToUserName") or "",
                        message.findtext("Content") or "", int(time.time()))
        return Response(crypto.encrypt(xml, nonce, timestamp, key_index), media_type="application/xml")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    app.add_route("/wechat", verify, methods=["GET"], include_in_schema=False)  # as the bot's
    app.add_route("/wechat", receive, methods=["POST"], include_in_schema=False)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    return app


CANNED_RESPONSE = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 7\r\n\r\nsuccess"


def complete_requests(buffer: bytearray) -> int:
    """How many whole requests (head + Content-Length body) ``buffer`` starts with; removes them."""
    count = 0
    while True:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return count
        head = bytes(buffer[:head_end]).lower()
        marker = head.find(b"\r\ncontent-length:")
        length = 0
        if marker >= 0:
            line_end = head.find(b"\r\n", marker + 2)
            length = int(head[marker + 17:line_end if line_end >= 0 else len(head)].strip())
        if len(buffer) < head_end + 4 + length:
            return count
        del buffer[:head_end + 4 + length]
        count += 1


class _Canned(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        answered = complete_requests(self.buffer)
        if answered and self.transport is not None:
            self.transport.write(CANNED_RESPONSE * answered)


async def serve_canned(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Canned, host, port)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--canned", action="store_true", help="answer every request with the same bytes")
    args = parser.parse_args(argv)
    if args.canned:
        asyncio.run(serve_canned(args.host, args.port))
        return 0
    try:
        token, appid, aes_key = (os.environ[name] for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY"))
    except KeyError as missing:
        print(f"echo cannot start: {missing.args[0]} is not set", file=sys.stderr)
        return 2
    app = create_echo_app(token, appid, aes_key, int(os.environ.get("WECHAT_MAX_CLOCK_SKEW", "300") or 0))
    # the options `python -m bot serve` gives uvicorn
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
