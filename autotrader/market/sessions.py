"""Market-operation codes of the ``0s`` feed (field 215) and their readable names."""

from __future__ import annotations

SESSION_CODES: dict[str, str] = {
    "0": "pre_open_notice",  # 08:40
    "3": "open",  # 09:00
    "2": "closing_notice",  # 15:20
    "4": "close",  # 15:30
    "8": "regular_close",
    "9": "all_closed",  # 18:00
    "a": "close_price_start",  # 15:40
    "b": "close_price_end",  # 16:00
    "c": "after_hours_single_start",  # 16:00
    "d": "after_hours_single_end",  # 18:00
    "P": "nxt_pre_market_start",
    "Q": "nxt_pre_market_end",
    "R": "nxt_main_start",
    "S": "nxt_main_end",
    "T": "nxt_after_single_start",
    "U": "nxt_after_market_start",
    "V": "nxt_after_market_end",
}
SESSION_NAMES: dict[str, str] = {name: code for code, name in SESSION_CODES.items()}


def session_name(code: str) -> str:
    """The readable name of a ``0s`` code, or ``code:<raw>`` for codes we do not know."""
    return SESSION_CODES.get(code, f"code:{code}")
