"""The two public addresses of paying in WeChat: the payment page and WeChat Pay's notifications.

``GET /pay/{token}`` — the page a payment link opens inside WeChat. It checks the link's
signature and expiry, asks the thing's kind what is owed, places (or reuses) a JSAPI order and
starts the payment at once, so that a resident pays with two taps: the link, then WeChat's
own payment sheet.

``POST /pay/notify`` — 支付通知. Only a notification signed by WeChat Pay is read; its
resource is decrypted, its merchant, AppID, order number, payer and amount are checked against
the order, and the order is recorded as paid once however often WeChat Pay repeats it. A
refusal is a 4xx with ``{"code": "FAIL"}`` and changes nothing.

Neither is behind the staff token: the page is for residents, the notification for WeChat Pay.
"""
from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, Response

from bot.api.deps import RuntimeDep
from bot.jobs import JobContext
from bot.pay import settings as pay_settings
from bot.pay.errors import PayError
from bot.pay.kinds import PayableKind, kind_named
from bot.pay.links import LinkError, read_token
from bot.pay.settings import NOTIFY_PATH, PAGE_PATH, PaySettings
from bot.privacy import mask_openid
from bot.runtime import Runtime
from store import Store
from store.clock import utcnow
from store.db import transaction
from store.payments import PaymentOrder, PaymentRepository

if TYPE_CHECKING:
    from bot.pay.client import PayClient

log = logging.getLogger(__name__)

#: How long an order can be paid; a page opened later places a new one.
ORDER_LIFETIME = timedelta(hours=2)
MAX_NOTIFICATION_BYTES = 64 * 1024
_PAGE = Template((Path(__file__).parent / "page.html").read_text(encoding="utf-8"))

router = APIRouter(include_in_schema=False)


def client_for(settings: PaySettings) -> PayClient:
    """The pay API client, imported on first use: wechatpayv3 takes a while to load, and a
    server that never takes a payment should not start slower for it."""
    from bot.pay.client import client_for as cached

    return cached(settings)


# --- the payment page ------------------------------------------------------------------------

@router.get(PAGE_PATH + "/{token}")
def payment_page(token: str, runtime: RuntimeDep) -> Response:
    """Start a JSAPI payment for exactly what the link names."""
    settings = pay_settings.current()
    if settings is None:
        return _message(runtime, "payment.not_open", 404)
    now = utcnow()
    try:
        link = read_token(settings.link_secret, token, now)
    except LinkError as error:
        return _message(runtime, "payment.expired" if error.reason == "expired" else "payment.forged",
                        410 if error.reason == "expired" else 403)
    kind = kind_named(link.kind)
    if kind is None:
        return _message(runtime, "payment.forged", 403)
    with transaction(runtime.factory) as session:
        store = Store(session)
        payable = kind.load(JobContext(runtime, now), store, link.reference_id, link.openid)
        if payable is None:
            return _message(runtime, "payment.not_found", 404)
        if payable.paid:
            return _message(runtime, "payment.already_paid", 200)
        orders = store[PaymentRepository]
        order = orders.reusable(kind.name, payable.reference_id, link.openid, payable.amount_fen, now) or \
            orders.create(kind.name, payable.reference_id, link.openid, payable.amount_fen, payable.description,
                          now, now + ORDER_LIFETIME, household_id=payable.household_id)
        placed = _Placed(order.id, order.out_trade_no, order.prepay_id, order.expires_at, order.description,
                         order.amount_fen)
    client = client_for(settings)
    try:
        prepay_id = placed.prepay_id or _place(client, placed, link.openid, runtime)
        params = client.jsapi_params(prepay_id)
    except PayError as error:
        log.warning("payment page: order %s not placed: %s", placed.out_trade_no, error)
        return _message(runtime, "payment.unavailable", 503)
    return _ready(runtime, placed, params)


@dataclass(frozen=True, slots=True)
class _Placed:
    """The order as the page needs it once its transaction has ended."""

    id: int
    out_trade_no: str
    prepay_id: str | None
    expires_at: datetime
    description: str
    amount_fen: int


def _place(client: PayClient, placed: _Placed, openid: str, runtime: Runtime) -> str:
    """JSAPI下单 outside any transaction, then the prepay_id kept for a reload of the page."""
    prepay_id = client.place_jsapi_order(placed.out_trade_no, placed.description, placed.amount_fen, openid,
                                         placed.expires_at)
    with transaction(runtime.factory) as session:
        order = Store(session)[PaymentRepository].get(placed.id)
        if order is not None:
            PaymentRepository.record_prepay(order, prepay_id)
    return prepay_id


def _words(runtime: Runtime, key: str, **values: Any) -> str:
    return JobContext(runtime, utcnow()).say(key, **values)


def _ready(runtime: Runtime, placed: _Placed, params: dict[str, str]) -> HTMLResponse:
    amount = f"{placed.amount_fen / 100:.2f}"
    body = (f'<p class="what">{html.escape(placed.description)}</p>'
            f'<p class="amount">¥{amount}</p>'
            f'<button id="pay" type="button">{html.escape(_words(runtime, "payment.pay_button"))}</button>'
            f'<p class="note" id="note"></p>')
    words = {name: _words(runtime, f"payment.{name}") for name in ("paying", "success", "cancelled", "failed",
                                                                    "outside_wechat")}
    script = _SCRIPT.substitute(params=_script_json(params), words=_script_json(words))
    page = _PAGE.substitute(title=html.escape(_words(runtime, "payment.title")),
                            heading=html.escape(_words(runtime, "payment.title")), body=body, script=script)
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _message(runtime: Runtime, key: str, status: int) -> HTMLResponse:
    text = html.escape(_words(runtime, key)).replace("\n", "<br>")
    page = _PAGE.substitute(title=html.escape(_words(runtime, "payment.title")),
                            heading=html.escape(_words(runtime, "payment.title")),
                            body=f'<p class="note">{text}</p>', script="")
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


_SCRIPT = Template("""<script>
(function () {
  var params = $params;
  var words = $words;
  var button = document.getElementById("pay");
  var note = document.getElementById("note");
  function invoke() {
    if (typeof WeixinJSBridge === "undefined") { note.textContent = words.outside_wechat; return; }
    button.disabled = true;
    note.textContent = words.paying;
    WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      button.disabled = false;
      if (res.err_msg === "get_brand_wcpay_request:ok") {
        note.textContent = words.success;
        button.style.display = "none";
      } else if (res.err_msg === "get_brand_wcpay_request:cancel") {
        note.textContent = words.cancelled;
      } else {
        note.textContent = words.failed;
      }
    });
  }
  button.addEventListener("click", invoke);
  if (typeof WeixinJSBridge === "undefined") {
    document.addEventListener("WeixinJSBridgeReady", invoke, false);
  } else {
    invoke();
  }
})();
</script>""")


# --- payment notifications -------------------------------------------------------------------

def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


@router.post(NOTIFY_PATH)
async def payment_notification(request: Request) -> Response:
    """支付通知: record a payment WeChat Pay confirms, once."""
    settings = pay_settings.current()
    if settings is None:
        return _fail(404, "payments are not configured")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_NOTIFICATION_BYTES:
        return _fail(413, "too large")
    body = await request.body()
    if len(body) > MAX_NOTIFICATION_BYTES:
        return _fail(413, "too large")
    runtime: Runtime = request.app.state.runtime
    return await run_in_threadpool(_notification, runtime, settings, dict(request.headers), body)


def _notification(runtime: Runtime, settings: PaySettings, headers: dict[str, str], body: bytes) -> Response:
    try:
        resource = client_for(settings).read_notification(headers, body)
    except PayError as error:  # the platform certificates could not be fetched: WeChat Pay retries
        log.warning("payment notification not checked: %s", error)
        return _fail(503, "try again later")
    if resource is None:
        log.warning("payment notification refused: not signed by WeChat Pay")
        return _fail(401, "signature verification failed")
    if resource.get("trade_state") != "SUCCESS":
        return JSONResponse({"code": "SUCCESS", "message": "ignored"})  # nothing was paid
    out_trade_no = str(resource.get("out_trade_no") or "")
    transaction_id = str(resource.get("transaction_id") or "")
    now = utcnow()
    try:
        with transaction(runtime.factory) as session:
            store = Store(session)
            order = store[PaymentRepository].by_out_trade_no(out_trade_no, for_update=True)
            if order is None:
                log.warning("payment notification for an unknown order %r", out_trade_no[:32])
                return _fail(404, "unknown order")
            problem = _mismatch(order, resource, settings)
            if problem:
                log.error("payment notification for %s refused: %s", out_trade_no, problem)
                return _fail(400, problem)
            if order.status == "paid":
                if order.transaction_id != transaction_id:
                    log.error("order %s was paid by %s; a notification names %s", out_trade_no,
                              order.transaction_id, transaction_id)
                return JSONResponse({"code": "SUCCESS", "message": "already recorded"})
            PaymentRepository.mark_paid(order, transaction_id, now)
            session.flush()
            _settle(runtime, store, order, now)
    except IntegrityError:  # this transaction_id is already another order's
        log.error("payment notification for %s names a transaction already recorded", out_trade_no)
        return _fail(400, "transaction already recorded for another order")
    log.info("order %s paid (%s) by %s", out_trade_no, transaction_id, mask_openid(order.openid or "-"))
    return JSONResponse({"code": "SUCCESS", "message": "成功"})


def _mismatch(order: PaymentOrder, resource: dict[str, Any], settings: PaySettings) -> str:
    """What in a notification does not fit the order it names ("" when everything fits)."""
    amount = resource.get("amount")
    amount = amount if isinstance(amount, dict) else {}
    payer = resource.get("payer")
    payer = payer if isinstance(payer, dict) else {}
    if resource.get("mchid") != settings.mchid:
        return "another merchant"
    if resource.get("appid") != settings.appid:
        return "another AppID"
    if not resource.get("transaction_id"):
        return "no transaction_id"
    if amount.get("total") != order.amount_fen or amount.get("currency", "CNY") != "CNY":
        return f"amount {amount.get('total')} is not the order's {order.amount_fen}"
    if order.openid and payer.get("openid") != order.openid:
        return "another payer"
    return ""


def _settle(runtime: Runtime, store: Store, order: PaymentOrder, now: datetime) -> None:
    """Hand the payment to the thing's kind; a thing already paid another way is staff's to refund,
    and one no installed flow can settle (its flow switched off) is staff's to record by hand."""
    kind: PayableKind | None = kind_named(order.kind)
    if kind is not None and kind.settle(JobContext(runtime, now), store, order):
        return
    key = "payment.double_paid_staff" if kind is not None else "payment.unsettled_staff"
    notice = _words(runtime, key, order=order.out_trade_no, amount=f"{order.amount_fen / 100:.2f}",
                    description=order.description)
    for staff_openid in runtime.settings.config.staff.on_duty_openids:
        store.outbox.enqueue(staff_openid, "staff_notice", {"content": notice}, now,
                             dedup_key=f"staff:paid-twice:{order.out_trade_no}:{staff_openid}")
    log.error("order %s was paid but its %s %s could not be settled", order.out_trade_no, order.kind,
              order.reference_id)
