"""``autotrader credit-list``: save Kiwoom's credit-loan list (kt20016) for ``validate``.

Validation works offline, so it cannot ask Kiwoom which stocks a credit loan is given on;
this command asks once (credentials from the environment, as for ``run --live``) and
writes the list as JSON, which ``validate``/``explain --credit-list FILE`` then read.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autotrader.errors import AutotraderError


def credit_list(
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON file to write")] = Path(
        "credit-list.json"
    ),
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
    grade: Annotated[str, typer.Option(help="credit grade: % (all) or A-E")] = "%",
    market: Annotated[str, typer.Option(help="% (all), 1 KOSPI, 0 KOSDAQ")] = "%",
) -> None:
    """Save Kiwoom's credit-loan list (kt20016) for 'validate --credit-list'."""
    try:
        day, stocks = asyncio.run(fetch_credit_list(config, grade, market))
    except AutotraderError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from None
    data = {"day": day, "source": "kt20016", "stocks": dict(sorted(stocks.items()))}
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"wrote {out}: {len(stocks)} stocks with a credit loan on {day}")


async def fetch_credit_list(
    config: Path | None, grade: str, market: str
) -> tuple[str, dict[str, str]]:
    from autotrader.broker.kiwoom.credit import CreditQueries
    from autotrader.broker.kiwoom.rest import KiwoomRest
    from autotrader.cli_live import kiwoom_settings
    from autotrader.clock import to_seoul
    from autotrader.config import load_config

    rest = KiwoomRest(kiwoom_settings(load_config(config)))
    try:
        queries = CreditQueries(rest)
        stocks = await queries.eligible_stocks(grade, market)
        return to_seoul(queries.clock()).strftime("%Y%m%d"), stocks
    finally:
        await rest.tokens.revoke()
        await rest.aclose()
