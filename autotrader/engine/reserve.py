"""Cash that working buys hold back: their value and commission, until they end.

Two buys must not spend the same won: a working buy reserves its value and commission
in the risk book (``RiskBook.reserved``, which the cash checks read). A fill or a
partial cancel releases the share it no longer needs; the order's end releases
whatever is left, exactly once. Only the order ledger calls this.
"""

from __future__ import annotations

from autotrader.risk.book import RiskBook


class Reserve:
    """Per working buy: the price per share held back, and the KRW still held."""

    def __init__(self, book: RiskBook) -> None:
        self.book = book
        self.price: dict[int, int] = {}  # working buy -> KRW per share held back
        self.left: dict[int, int] = {}  # working buy -> KRW it still holds back

    def hold(self, order_id: int, qty: int, per_share: int) -> int:
        """Hold back ``qty`` shares' value and commission more; returns the KRW held."""
        value = qty * per_share
        amount = value + self.book.fees.commission(value)
        self.price[order_id] = per_share
        self.left[order_id] = self.left.get(order_id, 0) + amount
        self.book.reserved += amount
        return amount

    def release(self, order_id: int, qty: int) -> None:
        """``qty`` shares no longer need cash held back (filled, or cancelled while the
        rest keeps working): release their value and commission."""
        held = qty * self.price.get(order_id, 0)
        left = self.left.get(order_id, 0)
        release = min(held + self.book.fees.commission(held), left)
        if left:
            self.left[order_id] = left - release
        self.book.reserved -= release

    def release_all(self, order_id: int) -> None:
        """Everything the order still holds (it ended, or is re-reserved)."""
        self.book.reserved -= self.left.pop(order_id, 0)

    def end(self, order_id: int) -> None:
        self.price.pop(order_id, None)
        self.release_all(order_id)
