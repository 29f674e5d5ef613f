"""The request budget in ``validate`` and ``explain``: the worst second of each order
api-id (``compile/budget.py``) against Kiwoom's limits as the pacer will apply them.

The limits are the ``[kiwoom]`` settings (``order_rate``, ``api_rates``, ``order_burst``
by default, about 1 a second per api-id on the mock domain and 4 on production, from
NOTES.md); a strategy whose worst second exceeds one gets a warning naming the rule
that drives it and how long the pacer could keep an order waiting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from autotrader.broker.kiwoom.orders import api_id_for
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.compile.budget import DEFAULT_TICK_RATE, request_budget
from autotrader.config import AppConfig
from autotrader.market.gold import GOLD_PRODUCTS
from autotrader.rules.schema import StrategySpec

ACCOUNT_QUERIES = ("ka10075", "ka10076", "kt00018")


@dataclass(frozen=True, slots=True)
class BudgetLine:
    api_id: str
    action: str
    peak: float  # requests in the worst second
    limit: float  # requests a second the pacer allows (Kiwoom's figure, settable)
    burst: int
    driver: str  # the rule sending the most of them

    @property
    def exceeds(self) -> bool:
        return self.peak > self.limit + self.burst - 1

    @property
    def queue_s(self) -> float:
        """How long the last request of the worst second could wait for its turn."""
        return max(0.0, (self.peak - self.burst) / self.limit)


def limits(cfg: AppConfig) -> KiwoomSettings:
    """The pacing settings of the configured domain (no credentials needed)."""
    domain = cfg.kiwoom.domain or os.environ.get("KIWOOM_DOMAIN") or "mock"
    values: dict[str, Any] = {"domain": domain if domain in ("mock", "production") else "mock"}
    return KiwoomSettings.model_construct(**(values | cfg.kiwoom.wire_overrides()))


def budget(
    spec: StrategySpec, cfg: AppConfig, tick_rate: float = DEFAULT_TICK_RATE
) -> list[BudgetLine]:
    settings = limits(cfg)
    lines = []
    for d in request_budget(spec, tick_rate):
        if d.peak <= 0:
            continue
        api_id = api_id_for(d.action, next(iter(GOLD_PRODUCTS)) if d.gold else "")
        rate = settings.rate_for(api_id, order=True)
        lines.append(
            BudgetLine(api_id, d.action.value, d.peak, rate, settings.order_burst, d.driver)
        )
    return lines


def warnings(spec: StrategySpec, cfg: AppConfig) -> list[str]:
    """One line per api-id whose worst second exceeds its limit, naming the rule."""
    out = []
    for b in budget(spec, cfg):
        if b.exceeds:
            out.append(
                f"warning: {b.api_id} ({b.action}) can reach {b.peak:g} requests in one second, "
                f"over the limit of {b.limit:g}/s (burst {b.burst}); driven by rule "
                f"'{b.driver}'; the pacer would hold the last one about {b.queue_s:.0f} s "
                "(exits and cancels first; entries wait or are refused): a cooldown, "
                "max_orders_per_minute or fewer symbols bound it"
            )
    return out


def explain_lines(spec: StrategySpec, cfg: AppConfig) -> list[str]:
    """The budget as ``explain`` shows it: every api-id, then the warnings."""
    settings = limits(cfg)
    lines = [
        f"Request budget: the worst second by triggers and controls (conditions not "
        f"evaluated), against Kiwoom {settings.domain} limits:"
    ]
    for b in budget(spec, cfg):
        mark = "OVER" if b.exceeds else "ok"
        lines.append(
            f"  {b.api_id} {b.action}: up to {b.peak:g}/s (limit {b.limit:g}/s, burst "
            f"{b.burst}) {mark}; mostly rule '{b.driver}'"
        )
    query = settings.rate_for(ACCOUNT_QUERIES[0], order=False)
    lines.append(
        f"  {', '.join(ACCOUNT_QUERIES)}: one each per resync (reconnect, order in doubt, "
        f"04 mismatch), not driven by rules (limit {query:g}/s each)"
    )
    return lines + [f"  {w}" for w in warnings(spec, cfg)]


def load_cfg() -> AppConfig | str:
    """The resolved configuration (file, .env, environment), or why it could not be read."""
    from autotrader.errors import AutotraderError
    from autotrader.settings import resolve_settings

    try:
        return resolve_settings().config
    except AutotraderError as exc:
        return f"request budget not checked: {exc}"


def validate_lines(spec: StrategySpec, cfg: AppConfig | None) -> list[str]:
    """``validate``'s warnings; ``cfg`` None: the settings were refused (already said)."""
    return (
        ["request budget not checked: the settings are invalid"]
        if cfg is None
        else (warnings(spec, cfg))
    )


def explain_budget(spec: StrategySpec) -> list[str]:
    cfg = load_cfg()
    return [cfg] if isinstance(cfg, str) else explain_lines(spec, cfg)
