"""The worst second of a strategy: how many order requests of each kind its rules can
send within one second, and which rule drives each count.

Kiwoom limits requests per api-id (NOTES.md: about 1 a second per TR on the mock domain,
about 5 on production), so a rule that fires on every tick of 40 symbols can exceed the
limit long before the day starts; the pacer then queues it. This module counts, from
the rules and their symbols alone (no market data), an upper bound for one second:

* ``on: tick`` fires per symbol at most ``tick_rate`` times a second (busy KRX stocks
  print several trades a second), or once a second under a cooldown of a second or
  more; ``at``, ``cron``, ``session``, ``vi``, ``start`` and ``stop`` can fire for every
  symbol in the same second; ``every: E`` as well, ``1/E`` times a second when E < 1 s;
* ``on: order`` fires once per order event of the rules it listens to (one event per
  order counted: partial fills can add more, a cooldown bounds them);
* ``max_per_day`` caps a rule's fires; the risk section's ``max_orders_per_minute``
  caps the new orders of all rules together; each action is one request, and a
  ``remainder`` policy adds one cancel (or modify, to re-price) per new order.

Account queries are not driven by rules: the live runner sends ``ka10075``, ``ka10076``
and ``kt00018`` once per resync (a reconnect, an order in doubt, a ``04`` that
disagrees), paced by their own budget. The mapping from actions to Kiwoom api-ids and
the limits live with the Kiwoom client (``broker/kiwoom``); the CLI puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autotrader.market.gold import is_gold
from autotrader.model import OrderAction
from autotrader.rules.remainder import RepriceAfter
from autotrader.rules.schema import RuleSpec, StrategySpec

DEFAULT_TICK_RATE = 10.0  # trades a second per symbol, at the busiest moments of the day
_EVERY_SYMBOL_AT_ONCE = ("at", "cron", "session", "vi", "start", "stop", "every")


@dataclass
class Demand:
    """Requests of one action kind in the worst second, and who sends them. Gold's
    orders are a demand of their own: Kiwoom sends them as other api-ids (kt5000x)."""

    action: OrderAction
    gold: bool = False
    peak: float = 0.0
    by_rule: dict[str, float] = field(default_factory=dict)

    def add(self, rule: str, n: float) -> None:
        self.peak += n
        self.by_rule[rule] = self.by_rule.get(rule, 0.0) + n

    @property
    def driver(self) -> str:
        """The rule that sends the most of them."""
        return max(self.by_rule, key=lambda r: self.by_rule[r])


def _symbols(rule: RuleSpec, spec: StrategySpec) -> int:
    return len(rule.symbols or spec.symbols)


def _fires(rule: RuleSpec, spec: StrategySpec, tick_rate: float) -> float:
    """Fires of ``rule`` in its worst second, not counting ``on: order`` upstreams."""
    kind = rule.on.kind
    n = _symbols(rule, spec)
    if kind == "tick":
        once_a_second = max(1.0, 1 / rule.cooldown) if rule.cooldown > 0 else tick_rate
        per_symbol = min(tick_rate, once_a_second)
    elif kind == "every" and rule.on.every is not None and rule.on.every < 1:
        per_symbol = 1 / rule.on.every
    elif kind in _EVERY_SYMBOL_AT_ONCE:
        per_symbol = 1.0
    else:
        per_symbol = 0.0  # 'order': counted from its upstream rules
    fires = n * per_symbol
    if rule.once_per_symbol:
        fires = min(fires, n)
    return min(fires, rule.max_per_day) if rule.max_per_day else fires


def _tags(rule: RuleSpec) -> set[str]:
    tags: set[str] = set()
    for a in rule.do:
        if a.is_flatten:
            if a.flatten is not None and a.flatten.tag:
                tags.add(a.flatten.tag)
        elif a.action.is_new and a.order.tag:
            tags.add(a.order.tag)
    return tags


def _new_orders(rule: RuleSpec) -> int:
    return sum(1 for a in rule.do if a.action.is_new)


def request_budget(spec: StrategySpec, tick_rate: float = DEFAULT_TICK_RATE) -> list[Demand]:
    """Per action kind, the most requests the strategy's rules can send in one second."""
    rules = [r for r in spec.rules if r.enabled]
    fires = {r.name: _fires(r, spec, tick_rate) for r in rules}
    # 'on: order' rules fire per order of the rules they listen to (by tag, or all)
    for r in rules:
        if r.on.kind != "order":
            continue
        upstream = [
            u for u in rules
            if u is not r and u.on.kind != "order" and (r.on.tag is None or r.on.tag in _tags(u))
        ]  # fmt: skip
        events = sum(fires[u.name] * _new_orders(u) for u in upstream)
        if r.cooldown > 0:
            events = min(events, _symbols(r, spec) * max(1.0, 1 / r.cooldown))
        fires[r.name] = min(events, r.max_per_day) if r.max_per_day else events
    demands: dict[tuple[OrderAction, bool], Demand] = {}

    def add(action: OrderAction, gold: bool, rule: str, n: float) -> None:
        demands.setdefault((action, gold), Demand(action, gold)).add(rule, n)

    for r in rules:
        symbols = r.symbols or spec.symbols
        n_gold = sum(1 for s in symbols if is_gold(s))
        # The rule's fires split over its symbols' markets, in proportion.
        shares = [
            (g, k / len(symbols)) for g, k in ((True, n_gold), (False, len(symbols) - n_gold)) if k
        ]
        for gold, share in shares:
            n = fires[r.name] * share
            for a in r.do:
                add(a.action, gold, r.name, n)
                if a.is_flatten:  # it cancels the working sells first
                    add(OrderAction.CANCEL, gold, r.name, n)
                if a.action.is_new and r.remainder != "keep":
                    follow = OrderAction.MODIFY if _reprices(r) else OrderAction.CANCEL
                    if a.action in (OrderAction.CREDIT_BUY, OrderAction.CREDIT_SELL):
                        follow = (
                            OrderAction.CREDIT_MODIFY if _reprices(r) else OrderAction.CREDIT_CANCEL
                        )
                    add(follow, gold, r.name, n)
    cap = spec.risk.max_orders_per_minute  # all new orders together, whichever rule
    new = [d for (a, _), d in demands.items() if a.is_new]
    total = sum(d.peak for d in new)
    if cap and total > cap:
        for d in new:
            d.peak *= cap / total
            d.by_rule = {k: v * cap / total for k, v in d.by_rule.items()}
    order = list(OrderAction)
    return sorted(demands.values(), key=lambda d: (d.gold, order.index(d.action)))


def _reprices(rule: RuleSpec) -> bool:
    return isinstance(rule.remainder, RepriceAfter)
