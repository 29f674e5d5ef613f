"""The Kiwoom wire against the fake Kiwoom: how fast a stalled feed is noticed, and how
closely the pacer keeps an api-id to its rate.

    python bench/wire.py [--pings 0.2 1.0] [--calls 6] [--rate 2.0]

1. Stall: a RealtimeClient logs in to the fake (PINGs every ``--pings`` seconds), learns
   the rhythm, then the fake goes silent with the socket open; printed: seconds from the
   last frame to the stall, against the threshold in force.
2. Pacer: ``--calls`` ka10075 queries at ``--rate`` requests/s (burst 2): the observed
   rate of the requests after the burst, which must not exceed the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.broker.kiwoom import KiwoomRest, KiwoomSettings, RealtimeClient  # noqa: E402
from autotrader.fake_kiwoom import FakeKiwoom  # noqa: E402

KEYS = {"appkey": "bench-appkey-0123456789", "secretkey": "bench-secretkey-0123456789"}


def settings(fake: FakeKiwoom, **kw: object) -> KiwoomSettings:
    return KiwoomSettings(rest_url=fake.rest_url, ws_url=fake.ws_url, **KEYS, **kw)  # type: ignore[arg-type]


async def stall(ping: float) -> None:
    async with FakeKiwoom(ping_interval=ping, ping_timeout=60.0, **KEYS) as fake:
        rest = KiwoomRest(settings(fake))
        learned, stalled = asyncio.Event(), asyncio.Event()

        def on_event(text: str) -> None:
            (learned if text.startswith("server PINGs") else stalled).set()

        client = RealtimeClient(
            fake.ws_url, rest.tokens, on_execution=print, on_balance=print,
            on_market=print, on_event=on_event, silence_timeout=10.0,
        )  # fmt: skip
        task = asyncio.create_task(client.run())
        await learned.wait()
        fake.faults.silence()
        await stalled.wait()
        since = time.monotonic() - (client.watch.last_frame or 0.0)
        print(
            f"stall, PING every {ping:g}s: noticed {since:.2f}s after the last frame "
            f"(threshold {client.watch.threshold():.2f}s; a fixed 60 s timeout before)"
        )
        await client.close()
        task.cancel()
        await rest.aclose()


async def pacer(calls: int, rate: float) -> None:
    async with FakeKiwoom(**KEYS) as fake:
        rest = KiwoomRest(settings(fake, query_rate=rate, query_burst=2))
        times = []
        for _ in range(calls):
            await rest.call("ka10075", {"all_stk_tp": "0", "trde_tp": "0", "stex_tp": "0"})
            times.append(time.monotonic())
        await rest.aclose()
    paced = times[2:]
    observed = (len(paced) - 1) / (paced[-1] - paced[0]) if len(paced) > 1 else 0.0
    print(f"pacer, budget {rate:g}/s burst 2: {calls} calls, {observed:.2f}/s after the burst")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pings", type=float, nargs="+", default=[0.2, 1.0])
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--rate", type=float, default=2.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the client's warnings are expected here
    for ping in args.pings:
        asyncio.run(stall(ping))
    asyncio.run(pacer(args.calls, args.rate))


if __name__ == "__main__":
    main()
