"""Hot reload against the fake Kiwoom (issue 19, item 3): ``autotrader reload`` (the real
command, in a thread) asks the live runner for an edited strategy; the runner's watch
swaps it in between events, and the journal, the engine and the fake's book agree."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from autotrader.cli import app
from autotrader.live.runner import LiveOptions
from tests.faults.fault_support import RESTING_BUY, assert_books_agree
from tests.integration.live_support import HEADER, Live, live_run, rows, tick

HELD_BACK_SQL = "('cooldown', 'once_per_symbol', 'max_per_day', 'held')"  # not firings

pytestmark = pytest.mark.anyio


def sent(live: Live) -> bool:
    """Some order of the run reached the fake (a market order fills there on arrival)."""
    return any(o.broker_order_no for o in live.orders())


HYNIX = "000660"
DIP = """\
  - name: dip-buy
    symbols: ["000660"]
    when: position.qty == 0 and open_orders == 0 and price <= {limit}
    do:
      - buy: {{qty: 1, type: market}}
"""


async def reload(live: Live, strategy: Path | None) -> Result:
    """``autotrader reload`` as a user runs it, while the runner's loop goes on."""
    args = ["reload", "--journal", str(live.journal_path), "--wait", "10"]
    args += [str(strategy)] if strategy is not None else []
    return await asyncio.to_thread(CliRunner().invoke, app, args)


def write(tmp: Path, name: str, rules: str, head: str = "") -> Path:
    path = tmp / name
    path.write_text(HEADER.replace("rules:\n", head + "rules:\n") + rules, encoding="utf-8")
    return path


async def test_a_threshold_edited_in_place_takes_effect_at_the_next_tick(tmp_path: Path) -> None:
    """200,000 does not fire 'price <= 199000'; the file is edited in place and
    ``autotrader reload`` (no argument: the running file) prints the diff; the next tick
    at 200,000 buys, under version 2; a bad edit after that is refused, printed, and the
    running version goes on."""
    async with live_run(tmp_path, DIP.format(limit=199_000)) as live:
        await live.push(tick(HYNIX, 200_000))
        await live.until(lambda: live.runner.engine.states[HYNIX].ticks == 1)
        assert live.orders() == []
        write(tmp_path, "live-test.yaml", DIP.format(limit=200_000))
        done = await reload(live, None)
        assert done.exit_code == 0, done.output
        assert "version 2" in done.output and "~ dip-buy" in done.output
        await live.push(tick(HYNIX, 200_000))
        await live.until(lambda: sent(live))  # the new threshold fired: filled on arrival
        await live.until(lambda: live.runner.engine.states[HYNIX].pos_qty == 1)
        bad = write(tmp_path, "bad.yaml", DIP.format(limit="20O000"))
        refused = await reload(live, bad)
        assert refused.exit_code == 1
        assert "reload refused" in refused.output and "bad.yaml" in refused.output
        assert live.runner.engine.reloads.version == 2
    assert_books_agree(live)
    decisions = rows(
        live.journal_path,
        "SELECT rule, outcome, version FROM decisions WHERE outcome NOT IN " + HELD_BACK_SQL + "",
    )
    assert [tuple(r) for r in decisions] == [("dip-buy", "order", 2)]
    versions = rows(live.journal_path, "SELECT version, status FROM strategy_versions")
    assert [tuple(r) for r in versions] == [(1, "running"), (2, "applied"), (None, "refused")]


@pytest.mark.parametrize("policy", ["keep", "cancel"])
async def test_a_removed_rules_resting_order_is_kept_or_cancelled_at_kiwoom(
    tmp_path: Path, policy: str
) -> None:
    """resting-buy's limit buy rests at the fake; the new version drops the rule. keep:
    the order still works at Kiwoom and in the ledger; cancel: the fake cancels it."""
    async with live_run(tmp_path, RESTING_BUY + DIP.format(limit=1)) as live:
        await live.push(tick("005930", 60_500))
        await live.until(lambda: len(live.runner.engine.ledger.new_orders()) == 1)
        await live.until(lambda: bool(live.fake.orders))
        head = f"on_reload: {{removed_rule_orders: {policy}}}\n"
        new = write(tmp_path, "new.yaml", DIP.format(limit=1), head)
        done = await reload(live, new)
        assert done.exit_code == 0, done.output
        assert "- resting-buy" in done.output
        ledger = live.runner.engine.ledger
        if policy == "cancel":
            await live.until(lambda: not ledger.new_orders())
            assert live.fake.orders[0].remaining == 0
        else:
            await asyncio.sleep(0.3)
            assert [o.rule for o in ledger.new_orders()] == ["resting-buy"]
            assert live.fake.orders[0].remaining == 3
    assert_books_agree(live)


async def test_with_watch_a_save_of_the_strategy_file_reloads_it(tmp_path: Path) -> None:
    """``run --live --watch`` (off by default): saving the file is enough; a save with an
    error is refused like a command's request, and the last good version runs on."""
    pytest.importorskip("watchfiles")
    options = LiveOptions(watch_strategy=True, clock_interval=0.05)
    async with live_run(tmp_path, DIP.format(limit=199_000), options=options) as live:
        reloads = live.runner.engine.reloads
        await asyncio.sleep(0.3)  # the watcher is up
        write(tmp_path, "live-test.yaml", DIP.format(limit=200_000))
        await live.until(lambda: reloads.version == 2, within=10)
        write(tmp_path, "live-test.yaml", DIP.format(limit="20O000"))
        await live.until(lambda: any(o.status == "refused" for o in reloads.outcomes), 10)
        assert reloads.version == 2
        await live.push(tick(HYNIX, 200_000))
        await live.until(lambda: sent(live))  # version 2's threshold
    assert [o.status for o in reloads.outcomes] == ["applied", "refused"]


async def test_without_watch_a_save_changes_nothing(tmp_path: Path) -> None:
    async with live_run(tmp_path, DIP.format(limit=199_000)) as live:
        write(tmp_path, "live-test.yaml", DIP.format(limit=200_000))
        await asyncio.sleep(1.5)  # past the watch's once-a-second look
        await live.push(tick(HYNIX, 200_000))
        await live.until(lambda: live.runner.engine.states[HYNIX].ticks == 1)
        assert live.orders() == [] and live.runner.engine.reloads.outcomes == []
