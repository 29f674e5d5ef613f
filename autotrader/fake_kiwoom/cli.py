"""``autotrader fake-kiwoom serve``: run the fake Kiwoom until Ctrl-C, for demos."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from autotrader.clock import day_start, to_seoul
from autotrader.fake_kiwoom.server import FakeKiwoom

app = typer.Typer(help="A local fake of Kiwoom's REST and websocket servers.")


@app.callback()
def main() -> None:
    """A local fake of Kiwoom's REST and websocket servers."""


@app.command()
def serve(
    tape: Annotated[Path | None, typer.Option(help="Tape to replay (.jsonl or .jsonl.gz)")] = None,
    rest_port: Annotated[int, typer.Option(help="REST port, 0 = any free port")] = 0,
    ws_port: Annotated[int, typer.Option(help="Websocket port, 0 = any free port")] = 0,
    speed: Annotated[float, typer.Option(help="Replay speed x real time; 0 = no waits")] = 1.0,
    appkey: Annotated[str, typer.Option(help="App key the server accepts")] = "test-appkey",
    secretkey: Annotated[
        str, typer.Option(help="Secret key the server accepts")
    ] = "test-secretkey",
    page_size: Annotated[
        int, typer.Option(min=1, help="Rows per page before cont-yn: Y / next-key")
    ] = 100,
    ping_interval: Annotated[
        float, typer.Option(min=0.01, help="Seconds between the server's websocket PINGs")
    ] = 60.0,
    ping_timeout: Annotated[
        float, typer.Option(min=0.01, help="Seconds a client has to echo a PING")
    ] = 10.0,
    start_at: Annotated[
        str | None,
        typer.Option(
            help="HH:MM: the venue's clock starts at this Seoul time today (try at night)"
        ),
    ] = None,
) -> None:
    """Serve REST and websocket on 127.0.0.1 until Ctrl-C; ``tape`` is replayed once,
    from the moment the first client registers. The venue keeps KRX's hours on its own
    clock (the wall clock unless ``--start-at``): at night it refuses orders, as Kiwoom does."""
    settings: dict[str, Any] = dict(
        tape=tape,
        appkey=appkey,
        secretkey=secretkey,
        rest_port=rest_port,
        ws_port=ws_port,
        auto_stream=tape is not None,
        wait_for_client=True,
        speed=speed or None,
        page_size=page_size,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
    )
    if start_at is not None:
        settings["clock"] = _clock_from(start_at)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_until_interrupted(settings))


def _clock_from(start_at: str) -> Callable[[], float]:
    """Epoch seconds that read ``start_at`` (Seoul, today) now and then run with real time."""
    try:
        hh, mm = (int(part) for part in start_at.split(":"))
        if not (0 <= hh < 24 and 0 <= mm < 60):
            raise ValueError
    except ValueError:
        raise typer.BadParameter(f"--start-at {start_at!r}: HH:MM") from None
    start = day_start(to_seoul(time.time()).date()) + hh * 3600 + mm * 60
    began = time.monotonic()
    return lambda: start + (time.monotonic() - began)


async def serve_until_interrupted(settings: dict[str, Any]) -> None:
    """Build the fake inside the event loop from the CLI's ``settings`` and serve forever."""
    fake = FakeKiwoom(**settings)
    appkey, secretkey = settings["appkey"], settings["secretkey"]
    async with fake:
        typer.echo(f"REST      {fake.rest_url}")
        typer.echo(f"websocket {fake.ws_url}")
        typer.echo(
            f"export KIWOOM_REST_URL={fake.rest_url} KIWOOM_WS_URL={fake.ws_url} "
            f"KIWOOM_APPKEY={appkey} KIWOOM_SECRETKEY={secretkey} KIWOOM_ACCOUNT={fake.account}"
        )
        await asyncio.Event().wait()
