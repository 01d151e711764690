"""爱心银行 and 爱心换购 (the love bank): points, and the rewards they buy.

Points belong to a household and change only by appended entries (store/points.py): staff
add or correct them here (``POST /api/points``), an event check-in adds them (actions/events),
a confirmed donation adds them (actions/donations), and a redemption takes them through the
same ledger, which never lets a balance go below zero nor one source count twice.

- :mod:`actions.points.balance` — ``points_balance``: the balance and the last entries in plain words;
- :mod:`actions.points.redeem` — ``points_redeem``: the catalogue, a reward by name or number,
  a confirmation, and the pickup code;
- :mod:`actions.points.rewards` — the catalogue and redemptions for staff (``/api/rewards``,
  ``/api/redemptions``) and the demo rewards.

The flow's words are the ``points`` section of responses.yml; its settings the ``points``
section of config.yml; its data store/points.py and store/rewards.py.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from fastapi import Header, Query
from pydantic import AfterValidator, BeforeValidator, Field

from bot.api.deps import NowDep, StoreDep, not_found
from bot.api.errors import ApiError
from bot.api.schemas import ApiModel, ErrorBody, Text, Timestamp
from bot.dialogue import Context, Flow, FlowSettings, MenuEntry
from nlu.yamlio import safe_load
from store import Store
from store.points import KINDS, MAX_DELTA, InsufficientPoints, KeyReused, PointsRepository


class PointsSettings(FlowSettings):
    #: How many of the latest entries a balance shows.
    recent_entries: int = Field(5, ge=1, le=20)
    #: How many entries "看全部记录" shows at most (the newest).
    all_entries: int = Field(30, ge=5, le=100)
    #: Where and when residents collect what they exchanged (empty: the property office and its hours).
    pickup_place: str = ""
    pickup_hours: str = ""
    #: How many rewards a catalogue lists.
    catalogue_size: int = Field(8, ge=1, le=9)
    #: Words that ask for every entry, not only the latest.
    history_words: list[str] = Field(default_factory=lambda: ["全部", "所有", "明细", "记录", "历史", "清单"])
    #: The names of a pickup code: a message with one asks for the rewards waiting, whatever else it says.
    code_words: list[str] = Field(default_factory=lambda: ["取货码", "领取码", "提货码", "兑换码"])
    #: Words about the household's own exchanges (我的换购, 换购记录): likewise the rewards waiting.
    mine_words: list[str] = Field(default_factory=lambda: [
        "我的换购", "我的兑换", "换购记录", "兑换记录", "我换的东西", "我换了什么", "我换了哪些", "我换过什么",
        "换购的东西", "兑换的东西"])
    #: Words that ask where or when an exchanged reward is collected (换的东西在哪领).
    pickup_words: list[str] = Field(default_factory=lambda: [
        "在哪领", "哪里领", "去哪领", "怎么领", "什么时候领", "在哪拿", "哪里拿", "去哪拿", "怎么拿", "什么时候拿",
        "领了没", "领取地点", "在哪里领", "去哪里领", "去哪里拿"])
    #: Words that ask how points are earned (积分怎么赚): the answer says it too.
    earn_words: list[str] = Field(default_factory=lambda: ["怎么赚", "怎么攒", "怎么挣", "怎么得", "怎么加", "怎样才能",
                                                           "如何获得", "怎么获得", "哪里来"])


flow: Flow[PointsSettings] = Flow("points", settings=PointsSettings, menu=[
    MenuEntry("points_balance", order=60), MenuEntry("points_redeem", order=61)])

DEMO_FILE = Path(__file__).with_name("demo.yml")


# --- staff API --------------------------------------------------------------------------------
def _whole_number(value: Any) -> Any:
    """Points are whole numbers: true/false or 1.5 are not points."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("must be a whole number of points")
    return value


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be 0: a positive number adds points, a negative one takes them")
    return value


Delta = Annotated[int, BeforeValidator(_whole_number), Field(ge=-MAX_DELTA, le=MAX_DELTA), AfterValidator(_not_zero)]
Kind = Literal["donation", "volunteer", "checkin", "redemption", "correction", "other"]
assert set(get_args(Kind)) == set(KINDS), "the API's kinds are the ledger's"
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
    description="repeat a POST with the same key and the points are added once")]


class PointsIn(ApiModel):
    household_id: Annotated[int, BeforeValidator(_whole_number), Field(ge=1)]
    delta: Annotated[Delta, Field(description="points added (positive) or taken (negative)")]
    reason: Annotated[Text, Field(max_length=200, description="what residents read, e.g. 捐赠旧衣物")]
    kind: Kind = Field("correction", description="donation, volunteer, checkin, redemption, correction, other")


class PointsPosted(ApiModel):
    id: int
    household_id: int
    delta: int
    reason: str
    kind: str
    created_at: Timestamp
    balance: int = Field(description="the household's balance after this entry")


class EntryOut(ApiModel):
    delta: int
    reason: str
    created_at: Timestamp


class LedgerOut(ApiModel):
    balance: int
    entries: list[EntryOut] = Field(description="every entry, oldest first")


@flow.api.post("/points", status_code=201, tags=["points"], responses={
    404: {"model": ErrorBody, "description": "no such household"},
    409: {"model": ErrorBody, "description": "a debit beyond the balance (nothing is written)"}})
def add_points(body: PointsIn, store: StoreDep, now: NowDep,
               idempotency_key: IdempotencyKey = None) -> PointsPosted:
    """Append one entry to a household's ledger: points for a donation or volunteering, or a
    correction. A debit beyond the balance is refused whole; with an ``Idempotency-Key`` a
    repeated request adds the points once."""
    if store.households.get(body.household_id) is None:
        not_found("household", body.household_id)
    key = f"api:{idempotency_key}" if idempotency_key else f"api:{uuid.uuid4().hex}"
    try:
        posted = store[PointsRepository].post(body.household_id, body.delta, body.reason, kind=body.kind,
                                              key=key, now=now)
    except InsufficientPoints as error:
        raise ApiError(409, {"error": "conflict", "field": "delta", "balance": error.balance,
                             "message": f"household {body.household_id} has {error.balance} points; "
                                        f"{-body.delta} cannot be taken"}) from None
    except KeyReused:
        raise ApiError(409, {"error": "conflict", "field": "idempotency_key",
                             "message": "this Idempotency-Key was already used for a different entry"}) from None
    entry = posted.entry
    return PointsPosted(id=entry.id, household_id=entry.household_id, delta=entry.delta, reason=entry.reason,
                        kind=entry.kind, created_at=entry.created_at, balance=posted.balance)


@flow.api.get("/points", tags=["points"], responses={404: {"model": ErrorBody, "description": "no such household"}})
def household_points(store: StoreDep, household_id: Annotated[int, Query(ge=1)]) -> LedgerOut:
    """A household's balance and every entry of its ledger, oldest first."""
    if store.households.get(household_id) is None:
        not_found("household", household_id)
    ledger = store[PointsRepository]
    entries = [EntryOut(delta=e.delta, reason=e.reason, created_at=e.created_at) for e in ledger.entries(household_id)]
    return LedgerOut(balance=ledger.balance(household_id), entries=entries)


# --- demo, privacy ----------------------------------------------------------------------------
@flow.demo
def demo_points(store: Store, today: date) -> int:
    """Points of a few demo households (not 3-502 nor 5-1-301, which newcomers try first)."""
    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    from store.clock import utcnow

    now = utcnow()
    added = 0
    for number, entry in enumerate(data["points"], start=1):
        building, unit, room = str(entry["building"]), str(entry.get("unit", "")), str(entry["room"])
        household = store.households.at_address(building, room, unit)
        if household is None:
            continue
        posted = store[PointsRepository].post(household.id, int(entry["delta"]), str(entry["reason"]),
                                              kind=str(entry["kind"]), key=f"demo:points:{number}", now=now)
        added += int(posted.created)
    return added


@flow.forget
def forget_points(store: Store, openid: str, now: datetime) -> None:
    """The household keeps its points; entries no longer say which person made them."""
    store[PointsRepository].forget(openid)


@flow.describe
def describe_points(ctx: Context) -> list[str]:
    household = ctx.household
    if household is None:
        return []
    return [ctx.say("points.describe", balance=ctx.store[PointsRepository].balance(household.id))]


from actions.points import balance, redeem, rewards  # noqa: E402,F401  (they register on the flow)
