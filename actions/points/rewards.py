"""爱心换购 for staff: the catalogue (``/api/rewards``) and the redemptions (``/api/redemptions``);
the demo rewards; what the flow keeps about a resident and forgetting it.

Shapes (SPEC §6): ``POST /api/rewards`` ``{"name","points","stock"}`` → ``{"id"}``;
``GET /api/rewards``; ``GET /api/redemptions`` →
``[{"id","household_id","openid","reward_id","points","code","status"}]``;
``POST /api/redemptions/{id}/collect`` (collecting twice is harmless). Staff may also correct a
reward (``PATCH /api/rewards/{id}``: restock, reprice, take it off) and call a redemption off
(``POST /api/redemptions/{id}/cancel``: the piece back to stock, the points back, the resident told).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Header
from pydantic import BeforeValidator, Field

from actions.points import DEMO_FILE, flow
from actions.points.balance import pickup
from bot.api.deps import NowDep, RuntimeDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import ApiModel, Created, ErrorBody, Text, Timestamp, blank_is_none
from bot.dialogue import Context, Reply
from bot.notify import Template, push
from store import Store
from store.account import anonymous_token
from store.clock import utcnow
from store.points import MAX_DELTA
from store.rewards import Redemption, Reward, RewardRepository

MAX_STOCK = 100_000
_REWARD_404: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no such reward"}}
_REDEMPTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such redemption"},
    409: {"model": ErrorBody, "description": "the redemption was cancelled (or collected, for a cancel)"}}


def _whole(value: Any) -> Any:
    """A number of points or pieces is whole: true/false or 1.5 are not."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("must be a whole number")
    return value


Price = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=MAX_DELTA, description="points it costs")]
Stock = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=MAX_STOCK, description="pieces to hand out")]
Status = Literal["pending", "collected", "cancelled"]
StatusFilter = Annotated[Status | None, BeforeValidator(blank_is_none)]
IdempotencyKey = Annotated[str | None, Header(
    min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$",
    description="repeat a POST with the same key and the reward is created once")]


class RewardIn(ApiModel):
    name: Annotated[Text, Field(max_length=60, description="what residents read, e.g. 纯棉毛巾")]
    points: Price
    stock: Stock
    active: bool = Field(True, description="offered to residents")


class RewardPatch(ApiModel):
    name: Annotated[Text | None, Field(max_length=60)] = None
    points: Price | None = None
    stock: Stock | None = None
    active: bool | None = None


class RewardOut(ApiModel):
    id: int
    name: str
    points: int
    stock: int
    active: bool
    created_at: Timestamp


class RedemptionOut(ApiModel):
    id: int
    household_id: int
    openid: str | None
    reward_id: int
    points: int
    code: str = Field(description="the pickup code the resident shows")
    status: Status


def _reward_out(reward: Reward) -> RewardOut:
    return RewardOut(id=reward.id, name=reward.name, points=reward.points, stock=reward.stock, active=reward.active,
                     created_at=reward.created_at)


def _redemption_out(redemption: Redemption) -> RedemptionOut:
    return RedemptionOut(id=redemption.id, household_id=redemption.household_id, openid=redemption.openid,
                         reward_id=redemption.reward_id, points=redemption.points, code=redemption.code,
                         status=redemption.status)


@flow.api.post("/rewards", status_code=201, tags=["rewards"])
def create_reward(body: RewardIn, store: StoreDep, now: NowDep, idempotency_key: IdempotencyKey = None) -> Created:
    """Add a reward residents can exchange points for."""
    key = f"api:{idempotency_key}" if idempotency_key else None
    reward, _ = store[RewardRepository].create(body.name, body.points, body.stock, now, active=body.active, key=key)
    return Created(id=reward.id)


@flow.api.get("/rewards", tags=["rewards"])
def list_rewards(store: StoreDep) -> list[RewardOut]:
    """Every reward, in the order they were added (those taken off the catalogue too)."""
    return [_reward_out(reward) for reward in store[RewardRepository].all()]


@flow.api.patch("/rewards/{reward_id}", tags=["rewards"], responses=_REWARD_404)
def change_reward(reward_id: int, body: RewardPatch, store: StoreDep, now: NowDep) -> RewardOut:
    """Restock, reprice, rename or take a reward off the catalogue (``active: false``)."""
    repo = store[RewardRepository]
    reward = repo.get(reward_id)
    if reward is None:
        not_found("reward", reward_id)
    return _reward_out(repo.change(reward, now, name=body.name, points=body.points, stock=body.stock,
                                   active=body.active))


@flow.api.get("/redemptions", tags=["rewards"])
def list_redemptions(store: StoreDep, status: StatusFilter = None) -> list[RedemptionOut]:
    """Redemptions in the order they were made (waiting at the desk: ``?status=pending``)."""
    return [_redemption_out(r) for r in store[RewardRepository].redemptions(status)]


@flow.api.post("/redemptions/{redemption_id}/collect", tags=["rewards"], responses=_REDEMPTION_RESPONSES)
def collect(redemption_id: int, store: StoreDep, now: NowDep) -> RedemptionOut:
    """The resident collected it (with its code). Collecting it again changes nothing."""
    redemption, _ = store[RewardRepository].collect(redemption_id, now)
    if redemption is None:
        not_found("redemption", redemption_id)
    if redemption.status == "cancelled":
        conflict("status", f"redemption {redemption_id} was cancelled")
    return _redemption_out(redemption)


@flow.api.post("/redemptions/{redemption_id}/cancel", tags=["rewards"], responses=_REDEMPTION_RESPONSES)
def cancel(redemption_id: int, store: StoreDep, now: NowDep, runtime: RuntimeDep) -> RedemptionOut:
    """Call a redemption off before it is collected: the piece goes back to stock, the points back
    to the household, and the resident is told (once)."""
    repo = store[RewardRepository]
    found = repo.redemption(redemption_id)
    if found is None:
        not_found("redemption", redemption_id)
    reason = runtime.responses.text("points.refund_reason", reward=found.reward_name)
    redemption, cancelled = repo.cancel(redemption_id, now, reason)
    assert redemption is not None
    if redemption.status == "collected":
        conflict("status", f"redemption {redemption_id} was collected already")
    if cancelled and redemption.openid:
        text = runtime.responses.text("points.cancelled_notice", reward=redemption.reward_name, code=redemption.code,
                                      points=redemption.points)
        push(store, redemption.openid, Reply.text(text, footer=True), now, key=f"redemption:{redemption.id}:cancelled",
             template=Template("redemption_cancelled", {"first": text, "keyword1": redemption.reward_name}))
    return _redemption_out(redemption)


# --- demo, privacy ----------------------------------------------------------------------------
@flow.demo
def demo_rewards(store: Store, today: date) -> int:
    """The catalogue, and a few redemptions of demo households that have points (never 3-502 or
    5-1-301, which newcomers try first)."""
    from nlu.yamlio import safe_load

    data: dict[str, Any] = safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    repo = store[RewardRepository]
    now = utcnow()
    added = 0
    rewards: dict[str, Reward] = {}
    for number, entry in enumerate(data["rewards"], start=1):
        made, created = repo.create(str(entry["name"]), int(entry["points"]), int(entry["stock"]), now,
                                      active=bool(entry.get("active", True)), key=f"demo:reward:{number}")
        rewards[made.name] = made
        added += int(created)
    for number, entry in enumerate(data["redemptions"], start=1):
        household = store.households.at_label(str(entry["address"]))
        reward = rewards.get(str(entry["reward"]))
        if household is None or reward is None:
            continue
        result = repo.redeem(household.id, reward.id, openid=None, key=f"demo:redemption:{number}", now=now,
                             reason=str(entry["reason"]))
        if result.created and result.redemption is not None:
            added += 1
            if entry.get("collected"):
                repo.collect(result.redemption.id, now)
    return added


@flow.forget
def forget_redeemer(store: Store, openid: str, now: datetime) -> None:
    """Redemptions stay the household's (with their codes); who made them does not."""
    store[RewardRepository].forget(openid, anonymous_token())


@flow.describe
def describe_redemptions(ctx: Context) -> list[str]:
    household = ctx.household
    if household is None:
        return []
    place, _ = pickup(ctx)
    return [ctx.say("points.describe_waiting", reward=r.reward_name, code=r.code, place=place)
            for r in ctx.store[RewardRepository].pending_for_household(household.id)]
