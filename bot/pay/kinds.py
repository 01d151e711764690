"""What can be paid through WeChat Pay, by kind: a small registry the flows fill.

A flow whose records can be paid (bills; the party fee later) registers a :class:`PayableKind`
when it is imported::

    register(PayableKind("bill", load=load_bill, settle=settle_bill))

``load(jobs, store, reference_id, openid)`` says what is owed (a :class:`Payable`), or None when the
thing does not exist or is not that person's to pay; ``settle(jobs, store, order)`` records a
confirmed payment and thanks the payer — it returns False when the thing had already been paid
another way (the money is then a double payment staff must refund).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.jobs import JobContext
    from store import Store
    from store.payments import PaymentOrder


@dataclass(frozen=True, slots=True)
class Payable:
    kind: str
    reference_id: int
    amount_fen: int
    #: What the payer sees on the payment page and in WeChat Pay (商品描述).
    description: str
    household_id: int | None
    paid: bool


@dataclass(frozen=True, slots=True)
class PayableKind:
    name: str
    load: Callable[[JobContext, Store, int, str], Payable | None]
    settle: Callable[[JobContext, Store, PaymentOrder], bool]


_KINDS: dict[str, PayableKind] = {}


def register(kind: PayableKind) -> PayableKind:
    """Make ``kind`` payable; registering the same kind again (a module imported twice) is harmless."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"the payable kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> PayableKind | None:
    return _KINDS.get(name)
