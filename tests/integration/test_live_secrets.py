"""No appkey, secretkey or token in logs, the journal or exception text, even on failures."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.errors import AutotraderError
from autotrader.live.runner import LiveOptions
from autotrader.model import OrderState
from tests.integration.live_support import (
    APPKEY,
    SECRETKEY,
    dump_journal,
    live_run,
    tick,
)

BUY = """\
  - name: buy-while-flat
    symbols: ["000660"]
    when: position.qty == 0
    do:
      - buy: {qty: 1, type: market}
"""


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s[:8] + "..." for s in secrets if s and s in text]


@pytest.mark.anyio
async def test_no_secret_reaches_logs_journal_or_errors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run with expired tokens, a refused LOGIN and a lost order answer leaks nothing."""
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    async with live_run(tmp_path, BUY) as live:
        faults = live.fake.faults
        faults.expire_tokens()
        faults.refuse_login(1)
        await faults.drop_sockets()
        await live.until(lambda: live.runner.realtime.sessions >= 2)
        faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(tick("000660", 200_000))
        await live.until(lambda: any(o.state is OrderState.UNKNOWN for o in live.orders()))
        taken = (OrderState.ACCEPTED, OrderState.FILLED)  # reconciled: working or filled
        await live.until(lambda: all(o.state in taken for o in live.orders()))
        await faults.send_malformed()
        tokens = live.fake.tokens.issued
        for settings in (  # errors whose text could echo what they were given
            {"appkey": APPKEY, "secretkey": SECRETKEY, "rest_url": "ftp://" + tokens[0]},
            {"appkey": APPKEY, "secretkey": SECRETKEY, "domain": "production"},
        ):
            with pytest.raises(AutotraderError) as caught:
                KiwoomSettings.load(env={}, env_file=None, **settings)
            errors.append(f"{caught.value} {caught.value!r}")
        settings = live.runner.settings
        errors += [str(settings), repr(settings), repr(live.runner.broker.rest.tokens)]
    # a wrong secret key: the whole start-up fails, with a clean message
    wrong = {"secretkey": "WRONG-" + SECRETKEY}
    with pytest.raises(AutotraderError) as refused:
        async with live_run(
            tmp_path / "wrong", BUY, settings=wrong, options=LiveOptions(ready_timeout=2.0)
        ):
            pass
    errors.append(f"{refused.value} {refused.value!r}")
    secrets = [APPKEY, SECRETKEY, "WRONG-" + SECRETKEY, *tokens]
    assert len(tokens) >= 2  # the first, and the one renewed after the refused LOGIN
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert "LOGIN refused" in logged  # the failures did happen and were logged
    leaked = [
        f"{r.name}: {r.getMessage()[:300]}"
        for r in caplog.records
        if leaks(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}", secrets)
    ]
    assert leaked == []
    assert leaks(dump_journal(live.journal_path), secrets) == []
    assert leaks("\n".join(errors), secrets) == []
