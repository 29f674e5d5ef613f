"""What a rule may do with gold spot (``M04020000``, ``M04020100``), checked at load time.

Gold trades through its own order TRs (kt50000-kt50003), which know only limit orders:
``trde_tp`` 00 (limit), 10 (IOC), 20 (FOK), always priced; there is no credit and no
Nextrade. A rule that would send anything else to a gold code is an error at its line,
not an order refused at the broker mid-session.
"""

from __future__ import annotations

from autotrader.errors import StrategyError
from autotrader.market.gold import is_gold
from autotrader.rules.locate import Marks, locate
from autotrader.rules.schema import StrategySpec

GOLD_TYPES = frozenset({"limit", "limit_ioc", "limit_fok"})
_NEW = frozenset({"buy", "sell"})
_CHANGES = frozenset({"modify", "cancel"})


def check_gold_rules(
    spec: StrategySpec, root: Marks, path: str, errors: list[StrategyError]
) -> None:
    for i, rule in enumerate(spec.rules):
        gold = [s for s in (rule.symbols or spec.symbols) if is_gold(s)]
        if not gold:
            continue
        for j, action in enumerate(rule.do):
            kind = action.kind
            where = ("rules", i, "do", j, kind)
            if kind not in _NEW | _CHANGES:
                line, col = locate(root, ("rules", i, "do", j), key=False)
                errors.append(
                    StrategyError(
                        path, line, col,
                        f"{kind} cannot trade gold spot ({', '.join(gold)}): "
                        "gold has buy, sell, modify and cancel only",
                    )
                )  # fmt: skip
            elif kind in _NEW and action.order.type not in GOLD_TYPES:
                line, col = locate(root, (*where, "type"))
                errors.append(
                    StrategyError(
                        path, line, col,
                        f"gold spot ({', '.join(gold)}) takes limit, limit_ioc or limit_fok "
                        f"orders only, not {action.order.type}",
                    )
                )  # fmt: skip
