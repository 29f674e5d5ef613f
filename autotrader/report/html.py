"""The report as one self-contained HTML file: inline CSS and SVG, no script, no fetch.

Rendered with Jinja2 with autoescaping on, so rule names, reasons and the strategy text
are escaped wherever they appear; charts are SVG drawn by the template from numbers
(``charts.py``). The file opens offline and can be mailed or archived as is.
"""

from __future__ import annotations

from typing import Any

import jinja2

from autotrader.report import charts
from autotrader.report.text import clock, counts, pct, ratio, run_state_text, won

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("autotrader.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters.update(won=won, pct=pct, ratio=ratio, counts=counts, clock=clock)
ORDER_ROWS = 2_000  # the orders table beyond this is in the JSON report


def _cut_short(run: dict[str, Any]) -> str:
    """The page says so when a run was interrupted or continues one that was."""
    if run.get("state") == "interrupted" or run.get("continues"):
        return run_state_text(run)
    return ""


def render_html(
    data: dict[str, Any], *, refresh: int | None = None, status: dict[str, Any] | None = None
) -> str:
    """The page for ``build_report`` data; the dashboard adds ``status`` (report/status.py)
    and ``refresh`` (seconds between reloads)."""
    data = data | {"runs": [r | {"state_text": _cut_short(r)} for r in data["runs"]]}
    axis = charts.Axis.of(charts.all_times(data))
    multi_day = len({d for r in data["runs"] for d in r["days"]}) > 1
    return _ENV.get_template("report.html.j2").render(
        d=data,
        s=data["summary"],
        equity=charts.equity_chart(data, axis),
        prices=charts.price_charts(data, axis),
        timeline=charts.rejection_timeline(data, axis),
        width=charts.WIDTH,
        left=charts.LEFT,
        orders=data["orders"][:ORDER_ROWS],
        more_orders=max(len(data["orders"]) - ORDER_ROWS, 0),
        multi_day=multi_day,
        refresh=refresh,
        status=status,
    )
