"""A payable for the platform's own tests (platform tests never import a product):
"tests.item", an item with a price and a stock kept in memory, bought again and again
(only one payment open at a time, as for every target). Its fulfilment takes one from
the stock (refused when none is left) and counts how often it ran per payment."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass

from teranga.core.errors import NotFound
from teranga.core.registry import thawed
from teranga.platform.payments.payables import (
    FulfilmentRefused,
    PayableBase,
    Quote,
    QuoteLine,
    payables,
)

TARGET_TYPE = "tests.item"


@dataclass
class Item:
    organization: object
    price: int
    currency: str = "XOF"
    stock: int = 1_000_000
    fail_times: int = 0  # the handler raises this many times before working
    # An item is bought again and again (one payment open at a time); ``paid_once``
    # makes it a one-off purchase, as a reservation is.
    paid_once: bool = False


class ItemPayable(PayableBase):
    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.fulfilled: Counter = Counter()
        self.released_ids: list[str] = []
        self.refunded_ids: list[str] = []
        self.lock = threading.Lock()

    def add(self, organization, price: int, **extra) -> str:
        item_id = str(uuid.uuid4())
        self.items[item_id] = Item(organization=organization, price=price, **extra)
        return item_id

    def quote(self, *, target_id: str, payer) -> Quote:
        item = self.items.get(target_id)
        if item is None:
            raise NotFound("No such item.", code="item_not_found")
        return Quote(
            organization=item.organization,
            currency=item.currency,
            description="Test item",
            lines=(QuoteLine(description="Test item", unit_amount=item.price),),
            scopes=(("tests.item", target_id),),
            paid_once=item.paid_once,
        )

    def fulfil(self, *, payment) -> None:
        with self.lock:
            item = self.items[payment.target_id]
            if item.fail_times > 0:
                item.fail_times -= 1
                raise RuntimeError("handler crashed")
            if item.stock <= 0:
                raise FulfilmentRefused("sold out")
            item.stock -= 1
            self.fulfilled[str(payment.pk)] += 1

    def released(self, *, payment) -> None:
        self.released_ids.append(str(payment.pk))

    def refunded(self, *, payment, refund) -> None:
        self.refunded_ids.append(str(refund.pk))


ITEMS = ItemPayable()
with thawed():
    if TARGET_TYPE not in payables:
        payables.register(TARGET_TYPE, ITEMS)
