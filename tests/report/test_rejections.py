"""The report groups repeated rejections so one stubborn rule does not flood it."""

from __future__ import annotations

from autotrader.report.rejections import group_rejections


def _row(ts: float, rule: str, reason: str, symbol: str = "005930") -> dict[str, object]:
    return {"created_at": ts, "rule": rule, "symbol": symbol, "side": "buy", "reason": reason}


def test_rejections_group_by_rule_symbol_and_failing_checks() -> None:
    """Same rule and failing check: one group with its count, first/last time, last reason."""
    rows = [
        _row(1.0, "chase", "risk: max_order_value: order value 7,870,000 KRW exceeds ..."),
        _row(2.0, "chase", "risk: max_order_value: order value 7,890,000 KRW exceeds ..."),
        _row(3.0, "chase", "risk: trading_hours: 15:30:00 is outside; max_order_value: x"),
        _row(4.0, "dip", "risk: orderable_cash: buy costs 1 KRW", symbol="000660"),
    ]
    groups = group_rejections(rows)
    assert [(g["rule"], g["count"]) for g in groups] == [("chase", 2), ("chase", 1), ("dip", 1)]
    first = groups[0]
    assert (first["first"], first["last"]) == (1.0, 2.0)
    assert first["reason"].startswith("max_order_value: order value 7,890,000")
