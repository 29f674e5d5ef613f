"""The full report as plain data: what ``--format json`` prints and every view renders.

Figures per rule and per symbol (fires, orders, fills, rejections by check, decisions
that placed no order, round trips), the marked equity curve with its drawdown,
exposure, fees and tax, slippage against the price the rule decided on, time to fill,
and every order with each state it passed through. Several runs are reported one
after another: each run's positions start from its own fills, and the equity curve of
a later run continues from where the earlier one ended.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from autotrader.journal.outcomes import CONTINUATION_EVENTS, HELD_BACK, SENT
from autotrader.journal.runs import state_fields
from autotrader.journal.writer import BUDGET_WAIT
from autotrader.report.conditions import condition_report
from autotrader.report.load import RunRows, load_run
from autotrader.report.trades import Trip, replay_fills, trip_stats
from autotrader.report.versions import journaled_text, versions

NEW_ACTIONS = ("buy", "sell", "credit_buy", "credit_sell")


def _checks(reason: str) -> list[str]:
    text = (reason or "").removeprefix("risk: ")
    return [part.split(":", 1)[0].strip() for part in text.split("; ") if part]


# decision rows that are not a rule firing: a remainder's re-price, a protective order
NOT_FIRES = frozenset({"remainder", "protect"})


def _decision_prices(rows: RunRows) -> dict[int, int]:
    """Order id -> the last trade price when its rule decided (remainder re-prices excluded)."""
    out: dict[int, int] = {}
    for d in rows.decisions:
        if d["order_id"] is None or d["event"] in NOT_FIRES:
            continue
        values = orjson.loads(d["values_json"] or "{}")
        price = values.get("price")
        if isinstance(price, int) and price > 0:
            out[int(d["order_id"])] = price
    return out


def _reason(d: dict[str, Any]) -> str:
    """The reason a decision row keeps for sending no order ('' when none)."""
    try:
        values = orjson.loads(d["values_json"] or "{}")
    except orjson.JSONDecodeError:
        return ""
    reason = values.get("reason") if isinstance(values, dict) else None
    return str(reason)[:300] if reason else ""


def _timing(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0, "mean": None, "median": None, "max": None}
    return {
        "n": len(seconds),
        "mean": round(statistics.fmean(seconds), 3),
        "median": round(statistics.median(seconds), 3),
        "max": round(max(seconds), 3),
    }


class _Acc:
    """Counters for one rule or one symbol, across runs."""

    def __init__(self) -> None:
        self.fired: set[tuple[int, float, str, str]] = set()
        self.orders = 0
        self.fills = 0
        self.rejected = 0
        self.by_check: Counter[str] = Counter()
        self.no_order: Counter[str] = Counter()
        self.sent: set[tuple[int, float, str, str]] = set()  # firings that sent an order
        self.held_back: Counter[str] = Counter()  # condition held, controls held it back
        self.why: dict[str, str] = {}  # outcome -> its latest reason
        self.trips: list[int] = []
        self.slip_krw = 0
        self.slip_base = 0  # decision value of the fills measured
        self.to_fill: list[float] = []
        self.bought = self.sold = self.commission = self.tax = self.realized = self.held = 0
        self.max_value = 0  # the symbol's largest position value at its marks

    def slip(self) -> dict[str, Any]:
        bps = round(self.slip_krw / self.slip_base * 10_000, 2) if self.slip_base else None
        return {"slippage_krw": self.slip_krw, "slippage_bps": bps}


def build_report(db: sqlite_utils.Database, run_ids: list[int]) -> dict[str, Any]:
    """Every figure of the runs ``run_ids``, as JSON-ready data."""
    rules: defaultdict[str, _Acc] = defaultdict(_Acc)
    symbols: defaultdict[str, _Acc] = defaultdict(_Acc)
    total = _Acc()
    runs: list[dict[str, Any]] = []
    equity: list[dict[str, Any]] = []
    prices: defaultdict[str, list[tuple[int, float, int]]] = defaultdict(list)
    markers: list[dict[str, Any]] = []
    rejections: list[dict[str, Any]] = []
    orders_out: list[dict[str, Any]] = []
    trips_out: list[dict[str, Any]] = []
    open_out: list[dict[str, Any]] = []
    offset = peak = max_dd = max_exposure = 0
    exposure_area = market_time = in_market_time = 0.0
    texts: dict[str, dict[str, Any]] = {}
    budget_waits: list[float] = []  # seconds orders waited for the request budget

    for rid in run_ids:
        rows = load_run(db, rid)
        run = rows.run
        runs.append(
            {
                "id": run.id,
                "strategy": run.strategy,
                "mode": run.mode,
                "broker": run.broker,
                "tape": run.tape,
                "strategy_path": run.strategy_path,
                "started_at": run.started_at,
                "ended_at": run.ended_at,
                "days": rows.days,
                "versions": versions(db, rid),  # hot reloads: decisions by version
            }
            | state_fields(db.conn, run.id)
        )
        if run.strategy_path and run.strategy_path not in texts:
            texts[run.strategy_path] = _strategy_text(db, rid, run.strategy_path)
        for name in _rule_names(run.strategy_path):
            rules[name]  # noqa: B018 - a rule that never fired is listed with zeros
        by_id = {int(o["id"]): o for o in rows.orders}
        rule_of = {oid: o["rule"] or "" for oid, o in by_id.items()}
        decided = _decision_prices(rows)
        events: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for e in rows.events:
            if e["state"] == BUDGET_WAIT:  # "1.234s for kt10000 (entry)": journal/writer.py
                budget_waits.append(float(str(e["detail"]).split("s", 1)[0]))
            events[int(e["order_id"])].append(
                {"ts": e["ts"], "state": e["state"], "detail": e["detail"] or ""}
            )

        for d in rows.decisions:
            acc_keys = (rules[d["rule"] or ""], symbols[d["symbol"] or ""], total)
            if d["event"] == "protect":  # the engine's protective orders, not a fire
                continue
            outcome = d["outcome"] or ""
            held = outcome in HELD_BACK
            reason = _reason(d) if outcome not in SENT else ""
            for acc in acc_keys:
                if held:
                    acc.held_back[outcome] += 1
                elif d["event"] not in CONTINUATION_EVENTS:
                    firing = (rid, float(d["ts"]), d["symbol"] or "", d["event"] or "")
                    acc.fired.add(firing)
                    if outcome in SENT:
                        acc.sent.add(firing)
                if outcome not in SENT and not held:
                    acc.no_order[outcome] += 1
                if reason:
                    acc.why[outcome] = reason
        for o in rows.orders:
            accs = (rules[o["rule"] or ""], symbols[o["symbol"]], total)
            for acc in accs:
                acc.orders += 1
            if o["state"] == "rejected":
                checks = _checks(o["reason"]) if (o["reason"] or "").startswith("risk:") else []
                for acc in accs:
                    acc.rejected += 1
                    if not checks:
                        acc.by_check["broker"] += 1
                rejections.append(
                    {
                        "run_id": rid,
                        "ts": o["created_at"],
                        "order_id": o["id"],
                        "rule": o["rule"] or "",
                        "symbol": o["symbol"],
                        "side": o["side"] or "",
                        "checks": checks or ["broker"],
                        "reason": o["reason"] or "",
                        "price": decided.get(int(o["id"])) or int(o["price"] or 0),
                    }
                )
            orders_out.append(
                {
                    "run_id": rid,
                    "id": o["id"],
                    "rule": o["rule"] or "",
                    "symbol": o["symbol"],
                    "action": o["action"],
                    "side": o["side"] or "",
                    "type": o["order_type"],
                    "qty": o["qty"],
                    "price": o["price"],
                    "decision_price": decided.get(int(o["id"])),
                    "target_id": o["target_id"],
                    "state": o["state"],
                    "filled_qty": o["filled_qty"],
                    "reason": o["reason"] or "",
                    "created_at": o["created_at"],
                    "events": events.get(int(o["id"]), []),
                }
            )
        for c in rows.failed_checks:
            checked = by_id.get(int(c["order_id"] or 0))
            if checked is None:
                continue
            for acc in (rules[checked["rule"] or ""], symbols[checked["symbol"]], total):
                acc.by_check[c["check_name"]] += 1

        first_fill: dict[int, float] = {}
        for f in rows.fills:
            oid = int(f["order_id"] or 0)
            filled = by_id.get(oid)
            rule = filled["rule"] if filled else ""
            qty, price = int(f["qty"]), int(f["price"])
            accs = (rules[rule or ""], symbols[f["symbol"]], total)
            for acc in accs:
                acc.fills += 1
                acc.commission += int(f["commission"])
                acc.tax += int(f["tax"])
                if f["side"] == "buy":
                    acc.bought += qty
                else:
                    acc.sold += qty
            ref = decided.get(oid)
            if ref:
                cost = (price - ref) * qty if f["side"] == "buy" else (ref - price) * qty
                for acc in accs:
                    acc.slip_krw += cost
                    acc.slip_base += ref * qty
            if filled is not None and oid not in first_fill:
                first_fill[oid] = float(f["ts"])
                for acc in accs:
                    # Kiwoom's 00 gives fill times to the second, the intent has ms: a fill
                    # in the same second can read as before its order; it took ~0 s
                    acc.to_fill.append(max(float(f["ts"]) - float(filled["created_at"]), 0.0))
            prices[f["symbol"]].append((rid, float(f["ts"]), price))
            markers.append(
                {
                    "run_id": rid,
                    "ts": f["ts"],
                    "symbol": f["symbol"],
                    "kind": "entry" if f["side"] == "buy" else "exit",
                    "price": price,
                    "qty": qty,
                    "rule": rule or "",
                }
            )
        for r in rejections:
            if r["run_id"] == rid and r["price"]:
                markers.append({**r, "kind": "rejected", "qty": 0})
        for ts, marked in rows.marks:
            for sym, px in marked.items():
                prices[sym].append((rid, ts, px))

        ledger = replay_fills(rows.fills, rows.marks, rule_of)
        for trip in ledger.trips:
            rules[trip.rule].trips.append(trip.pnl)
            symbols[trip.symbol].trips.append(trip.pnl)
            total.trips.append(trip.pnl)
            trips_out.append({"run_id": rid, **trip.as_dict()})
        for trip in ledger.open_trips():
            open_out.append({"run_id": rid, **_open(trip, ledger.positions[trip.symbol])})
        for sym, pos in ledger.positions.items():
            symbols[sym].realized += pos.realized
            symbols[sym].held += pos.qty
            symbols[sym].max_value = max(symbols[sym].max_value, pos.max_value)
        total.realized += ledger.realized
        for prev, pt in zip([None, *ledger.points], ledger.points, strict=False):
            eq = offset + pt.equity
            peak = max(peak, eq)
            max_dd = max(max_dd, peak - eq)
            max_exposure = max(max_exposure, pt.exposure)
            equity.append(
                {"run_id": rid, "ts": pt.ts, "equity": eq, "drawdown": peak - eq,
                 "exposure": pt.exposure}
            )  # fmt: skip
            if prev is not None:
                span = pt.ts - prev.ts
                market_time += span
                exposure_area += prev.exposure * span
                if prev.exposure:
                    in_market_time += span
        if ledger.points:
            offset += ledger.points[-1].equity

    end_equity = equity[-1]["equity"] if equity else 0
    summary = {
        "runs": len(runs),
        "fired": len(total.fired),
        "orders": total.orders,
        "fills": total.fills,
        "rejected": total.rejected,
        "rejections_by_check": dict(total.by_check.most_common()),
        "no_order": dict(total.no_order.most_common()),
        "held_back": dict(total.held_back.most_common()),
        "realized": total.realized,
        "unrealized": end_equity - total.realized,
        "end_equity": end_equity,
        "max_drawdown": max_dd,
        "max_exposure": max_exposure,
        "avg_exposure": round(exposure_area / market_time) if market_time else 0,
        "time_in_market": round(in_market_time / market_time, 4) if market_time else 0.0,
        "commission": total.commission,
        "tax": total.tax,
        "fees": total.commission + total.tax,
        **total.slip(),
        "time_to_fill": _timing(total.to_fill),
        "budget_wait": {
            "waits": len(budget_waits),
            "total": round(sum(budget_waits), 3),
            "max": round(max(budget_waits, default=0.0), 3),
        },
        **trip_stats(total.trips),
    }
    return {
        "runs": runs,
        "summary": summary,
        "rules": [_rule_row(name, acc) for name, acc in sorted(rules.items()) if name],
        "symbols": [_symbol_row(name, acc) for name, acc in sorted(symbols.items()) if name],
        "equity": equity,
        "prices": {s: sorted(set(p)) for s, p in sorted(prices.items())},  # [run, ts, price]
        "markers": sorted(markers, key=lambda m: (m["run_id"], m["ts"])),
        "rejections": rejections,
        "trips": trips_out,
        "open_trips": open_out,
        "orders": orders_out,
        "strategies": texts,
        "conditions": condition_report(db, run_ids),  # condition-search hits, if any
    }


def _common(acc: _Acc) -> dict[str, Any]:
    return {
        "fired": len(acc.fired),
        "orders": acc.orders,
        "fills": acc.fills,
        "rejected": acc.rejected,
        "rejections_by_check": dict(acc.by_check.most_common()),
        "no_order": dict(acc.no_order.most_common()),
        "silent": len(acc.fired - acc.sent),  # firings whose steps all sent nothing
        "held_back": dict(acc.held_back.most_common()),
        "why": dict(acc.why),  # outcome -> the latest reason, as the decision words it
        **trip_stats(acc.trips),
        **acc.slip(),
        "time_to_fill": _timing(acc.to_fill),
    }


def _rule_row(name: str, acc: _Acc) -> dict[str, Any]:
    return {"rule": name, **_common(acc), "commission": acc.commission, "tax": acc.tax}


def _symbol_row(name: str, acc: _Acc) -> dict[str, Any]:
    return {
        "symbol": name,
        **_common(acc),
        "bought": acc.bought,
        "sold": acc.sold,
        "held": acc.held,
        "max_exposure": acc.max_value,
        "realized": acc.realized,
        "commission": acc.commission,
        "tax": acc.tax,
    }


def _open(trip: Trip, pos: Any) -> dict[str, Any]:
    return {**trip.as_dict(), "held": pos.qty, "avg_price": pos.avg, "mark": pos.last,
            "unrealized": (pos.last - pos.avg) * pos.qty}  # fmt: skip


def _rule_names(path: str) -> list[str]:
    """The enabled rules of the strategy file, if it can still be read."""
    from autotrader.errors import StrategyErrors
    from autotrader.rules import load_strategy

    if not path:
        return []
    try:
        return [r.name for r in load_strategy(path).spec.rules if r.enabled]
    except (StrategyErrors, OSError):
        return []


def _strategy_text(db: sqlite_utils.Database, run_id: int, path: str) -> dict[str, Any]:
    """The strategy as the run used it (its text journaled in strategy_versions), else the
    file as it is now, and whether it is still the one the run used."""
    row = db.execute("SELECT strategy_sha256 FROM runs WHERE id = ?", [run_id]).fetchone()
    want = row[0] if row else None
    journaled = journaled_text(db, want) if want else None
    if journaled:
        return {"text": journaled, "note": ""}
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {"text": None, "note": f"cannot read {path}: {exc.strerror or exc}"}
    same = not want or hashlib.sha256(data).hexdigest() == want
    note = "" if same else "the file changed since this run (sha256 differs)"
    return {"text": data.decode("utf-8", "replace"), "note": note}
