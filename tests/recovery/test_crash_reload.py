"""kill -9 in the middle of a hot reload (issue 19, item 3): nothing is lost.

The live engine (a subprocess, ``tests/recovery/driver.py``) dies right after the new
version is committed (``reload-journaled``), before the swap and before the policy's
cancel of the removed rule's resting order. The restart (on the edited file) finishes
the interrupted reload from the journal: the order is cancelled once, the version row is
closed, the request still on disk is answered, and the journal agrees with the fake.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autotrader.engine.reload_files import request_path, result_path, write_request
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import Kind
from tests.integration.live_support import APPKEY, MORNING, SECRETKEY
from tests.recovery.test_crash import RESTING, STRATEGY, Rig

pytestmark = pytest.mark.anyio

EDITED = (
    STRATEGY.replace("rules:\n", "on_reload: {removed_rule_orders: cancel}\nrules:\n")
    .replace("buy-once", "watch-only")
    .replace("position.qty == 0 and open_orders == 0", "price < 1")
)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    offset = MORNING - time.time()
    (tmp_path / "crash-test.yaml").write_text(STRATEGY, encoding="utf-8")
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, holdings={"005930": (10, 58_000)},
        clock=lambda: time.time() + offset, max_fill_qty=1,
    ) as fake:  # fmt: skip
        yield Rig(fake, tmp_path, offset)


@pytest.mark.parametrize("step", ["reload-journaled", "reload-cancelled"])
async def test_killed_mid_reload_the_restart_finishes_it_and_loses_nothing(
    rig: Rig, step: str
) -> None:
    """``reload-journaled``: dead before the swap; ``reload-cancelled``: dead after the
    cancel's intent was committed, before its request left (the restart closes that
    intent as never sent and cancels once)."""
    journal = rig.tmp / "journal.db"
    async with rig.engine(step) as engine:
        await engine.ready()
        await rig.push(RESTING)
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        (rig.tmp / "crash-test.yaml").write_text(EDITED, encoding="utf-8")  # edited in place
        rid = write_request(request_path(journal), None)
        assert await engine.died() == -signal.SIGKILL
    assert rig.journal("SELECT version, status FROM strategy_versions") == [
        (1, "running"),
        (2, "applying"),
    ]
    before = rig.journal("SELECT id, action, state FROM orders ORDER BY id")
    if step == "reload-journaled":
        assert before == [(1, "buy", "accepted")]
    else:  # the cancel's intent is durable (handed to the broker); the request never left
        assert before == [(1, "buy", "accepted"), (2, "cancel", "sent")]
    assert not [o for o in rig.fake.orders if o.kind is Kind.CANCEL]
    assert request_path(journal).exists()  # not answered: the restart will
    async with rig.engine() as engine:
        await engine.ready()
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "cancelled")
        for _ in range(100):  # the watch answers the request within about a second
            if result_path(journal).exists():
                break
            await asyncio.sleep(0.05)
        stopped = await engine.stop()
    (order,) = [o for o in rig.fake.orders if o.kind is Kind.NEW]
    assert order.remaining == 0 and order.closed == 2  # cancelled at Kiwoom, once
    assert len([o for o in rig.fake.orders if o.kind is Kind.CANCEL]) == 1
    rows = rig.journal("SELECT id, action, state FROM orders ORDER BY id")
    if step == "reload-journaled":
        assert rows == [(1, "buy", "cancelled"), (2, "cancel", "done")]
        cancel_id = 2
    else:
        assert rows == [(1, "buy", "cancelled"), (2, "cancel", "rejected"), (3, "cancel", "done")]
        cancel_id = 3
    assert rig.journal("SELECT order_id FROM decisions WHERE event = 'reload'")[-1] == (cancel_id,)
    versions = rig.journal("SELECT run_id, version, status, detail FROM strategy_versions")
    assert [v[:3] for v in versions] == [
        (1, 1, "running"),
        (1, 2, "interrupted"),
        (2, 1, "running"),
    ]
    assert json.loads(versions[1][3]) == {"cancelled": [1], "finished_by_run": 2}
    answer = json.loads(result_path(journal).read_text(encoding="utf-8"))
    assert answer["id"] == rid and answer["status"] == "unchanged"
    assert not request_path(journal).exists()
    rig.assert_agree(stopped["positions"])
