"""Positions from fills: average cost, realized P&L after commission and tax."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autotrader.model import Fill, Side

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState


def apply_fill(st: SymbolState, fill: Fill) -> None:
    """Average-cost position accounting; realized P&L is after commission and tax."""
    fees = fill.commission + fill.tax
    if fill.side is Side.BUY:
        total = st.pos_avg * st.pos_qty + fill.price * fill.qty
        st.pos_qty += fill.qty
        st.pos_avg = total // st.pos_qty if st.pos_qty else 0
        st.realized -= fees
    else:
        qty = min(fill.qty, st.pos_qty)
        st.realized += (fill.price - st.pos_avg) * qty - fees
        st.pos_qty -= qty
        if st.pos_qty == 0:
            st.pos_avg = 0
    st.position_changed(fill.price, fill.ts)  # high, low and age since entry
