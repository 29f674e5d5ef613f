"""validate warns when a rule can only fire where the venue refuses its order type."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.rules import load_strategy_text
from autotrader.rules.venue_check import venue_warnings

HEAD = 'strategy: t\nsymbols: ["005930"]\nrules:\n'


def warnings(rules: str, symbols: str = '["005930"]') -> list[str]:
    text = HEAD.replace('["005930"]', symbols) + rules
    return venue_warnings(load_strategy_text(text, "t.yaml").spec)


def test_a_best_limit_in_the_closing_auction_is_warned_about() -> None:
    """at: 15:25 is the closing auction: best_limit is refused there, every time."""
    (w,) = warnings(
        "  - name: late\n    on: {at: '15:25'}\n    do: [{buy: {qty: 1, type: best_limit}}]\n"
    )
    assert "rule 'late'" in w and "krx_closing_auction" in w and "best_limit" in w


def test_close_price_session_and_vi_auction_rules_are_judged_by_their_phase() -> None:
    """The post-close session takes only 81 (a market sell is warned about); a VI auction
    takes a market buy (no warning) but not a limit IOC (warned about)."""
    got = warnings(
        "  - name: a\n    on: {session: close_price_start}\n"
        "    do: [{sell: {qty: 1, type: market}}]\n"
        "  - name: b\n    on: {vi: triggered}\n    do: [{buy: {qty: 1, type: market}}]\n"
        "  - name: c\n    on: {vi: triggered}\n"
        "    do: [{buy: {qty: 1, type: limit_ioc, price: last}}]\n"
    )
    assert len(got) == 2
    assert "rule 'a'" in got[0] and "krx_post_close" in got[0] and "market" in got[0]
    assert "rule 'c'" in got[1] and "krx_vi_auction" in got[1] and "limit_ioc" in got[1]


def test_rules_the_venue_accepts_or_that_fire_any_time_are_not_warned_about() -> None:
    """A closing-notice market sell, an 81 at 15:45, a tick rule: no warning."""
    assert (
        warnings(
            "  - name: flat\n    on: {session: closing_notice}\n"
            "    do: [{sell: {qty: all, type: market}}]\n"
            "  - name: close\n    on: {at: '15:45'}\n"
            "    do: [{buy: {qty: 1, type: after_hours_close}}]\n"
            "  - name: tick\n    do: [{buy: {qty: 1, type: after_hours_close}}]\n"
        )
        == []
    )
    assert (
        warnings(
            "  - name: nx\n    on: {at: '17:00'}\n"
            "    do: [{buy: {qty: 1, type: limit, price: last}}]\n",
            '["005930_NX"]',
        )
        == []
    )


def test_validate_prints_the_warning_and_still_passes(tmp_path: Path) -> None:
    """The file is valid: exit 0, with the warning on its own line."""
    f = tmp_path / "late.yaml"
    f.write_text(
        HEAD
        + "  - name: late\n    on: {at: '15:25'}\n    do: [{buy: {qty: 1, type: best_limit}}]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(f)])
    assert result.exit_code == 0
    assert f"{f}: warning: rule 'late'" in result.output and f"{f}: ok" in result.output
