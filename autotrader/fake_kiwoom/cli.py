"""``autotrader fake-kiwoom serve``: run the fake Kiwoom until Ctrl-C, for demos."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from autotrader.fake_kiwoom.server import FakeKiwoom
from autotrader.market.screen import condition_option

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
    condition: Annotated[
        list[str] | None,
        typer.Option(help="a saved condition search, SEQ:NAME:SCREEN ('4:surge:change_rate > 3')"),
    ] = None,
) -> None:
    """Serve REST and websocket on 127.0.0.1 until Ctrl-C; ``tape`` is replayed once,
    from the moment the first client registers."""
    conditions = [condition_option(c) for c in condition or ()]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(tape, rest_port, ws_port, speed, appkey, secretkey, conditions))


async def _serve(
    tape: Path | None,
    rest_port: int,
    ws_port: int,
    speed: float | None,
    appkey: str,
    secretkey: str,
    conditions: list[tuple[str, str, str]],
) -> None:
    fake = FakeKiwoom(
        tape,
        appkey=appkey,
        secretkey=secretkey,
        rest_port=rest_port,
        ws_port=ws_port,
        auto_stream=tape is not None,
        wait_for_client=True,
        speed=speed or None,
        conditions=conditions,
    )
    async with fake:
        typer.echo(f"REST      {fake.rest_url}")
        typer.echo(f"websocket {fake.ws_url}")
        typer.echo(
            f"export KIWOOM_REST_URL={fake.rest_url} KIWOOM_WS_URL={fake.ws_url} "
            f"KIWOOM_APPKEY={appkey} KIWOOM_SECRETKEY={secretkey} KIWOOM_ACCOUNT={fake.account}"
        )
        await asyncio.Event().wait()
