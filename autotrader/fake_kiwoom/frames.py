"""Websocket frames the server writes: ``00``/``04`` from book events, and control frames.

Field numbers and texts follow the guide's ``00`` and ``04`` tables; values are strings,
prices of the quote fields carry a sign as in live traffic.
"""

from __future__ import annotations

from typing import Any

from autotrader.fake_kiwoom.orders import TRDE_TP_NAMES, BalanceEvent, Order, OrderEvent
from autotrader.model.orders import Side

JsonDict = dict[str, Any]


def real(entries: list[JsonDict]) -> JsonDict:
    return {"trnm": "REAL", "data": entries}


def system(code: str, message: str) -> JsonDict:
    return {"trnm": "SYSTEM", "code": code, "message": message}


def order_entry(
    event: OrderEvent, *, account: str, name: str, tm: str, last: int, ask: int, bid: int
) -> JsonDict:
    """One ``00`` (주문체결) entry for ``event``."""
    o: Order = event.order
    values: dict[str, str] = {
        "9201": account,
        "9203": o.ord_no,
        "9205": "",
        "9001": o.stk_cd,
        "912": "JJ" if o.credit else "J",
        "913": str(event.status),
        "302": name,
        "900": str(o.qty),
        "901": str(o.price),
        "902": str(event.remaining),
        "903": str(o.fill_value),
        "904": o.orig_ord_no or "0000000",
        "905": o.io_tp_nm,
        "906": TRDE_TP_NAMES.get(o.trde_tp, ""),
        "907": "2" if o.side is Side.BUY else "1",
        "908": tm,
        "909": f"{o.ord_no}{o.filled:05d}" if event.fill_qty else "",
        "910": str(event.fill_price) if event.fill_qty else "",
        "911": str(event.fill_qty) if event.fill_qty else "",
        "10": _signed(last),
        "27": _signed(ask),
        "28": _signed(bid),
        "914": str(event.fill_price) if event.fill_qty else "",
        "915": str(event.fill_qty) if event.fill_qty else "",
        "938": str(o.commission),
        "939": str(o.tax),
        "919": "0",
        "920": "",
        "921": "",
        "922": (o.crd_deal_tp or "33") if o.credit else "00",
        "923": (o.crd_loan_dt or "00000000") if o.credit else "00000000",
        "10010": "",
        "2134": {"KRX": "1", "NXT": "2"}.get(o.exchange, "0"),
        "2135": {"KRX": "KRX", "NXT": "NXT"}.get(o.exchange, "통합"),
        "2136": "Y" if o.exchange == "SOR" else "N",
    }
    return {"type": "00", "name": "주문체결", "item": o.stk_cd, "values": values}


def balance_entry(
    event: BalanceEvent, *, account: str, name: str, base: int, ask: int = 0, bid: int = 0
) -> JsonDict:
    """One ``04`` (현물잔고) entry for the holding ``event`` reports.

    The guide's table lists 990-993 (today's realized P&L and rate, cash and credit); its
    example carries 980-983 instead: both are sent, with the same values.
    """
    h = event.holding
    realized = str(h.realized)
    rate = f"{h.realized * 100 / h.sold_cost:.2f}" if h.sold_cost else "0.00"
    values = {
        "9201": account,
        "9001": h.stk_cd,
        "917": "00",
        "916": "00000000",
        "302": name,
        "10": _signed(event.last),
        "930": str(max(h.qty, 0)),
        "931": str(h.avg_price),
        "932": str(max(h.qty, 0) * h.avg_price),
        "933": str(event.sellable),
        "945": str(h.today_buy - h.today_sell),
        "946": "2" if h.today_buy >= h.today_sell else "1",
        "950": realized,
        "951": "0",
        "27": _signed(ask),
        "28": _signed(bid),
        "307": str(base),
        "8019": rate,
        "957": "0",
        "958": "0",
        "918": "00000000",
        "980": realized,
        "981": rate,
        "982": "0",
        "983": "0.00",
        "990": realized,
        "991": rate,
        "992": "0",
        "993": "0.00",
        "959": "0",
        "924": "0",
    }
    return {"type": "04", "name": "현물잔고", "item": h.stk_cd, "values": values}


def _signed(price: int) -> str:
    return f"+{price}" if price else ""
