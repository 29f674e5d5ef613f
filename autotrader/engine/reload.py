"""Hot reload: swap an edited strategy into a running engine at a safe point between events.

A reload comes from a replay's schedule (``autotrader run --reload-at
10:30=rules/new.yaml``), done by ``Engine.watch`` inside ``set_time`` before the frame
that moved the clock is dispatched, or from ``autotrader reload`` (the request file,
``engine/reload_files.py``), which a live runner's task answers on its event loop, where
no rule is ever half-way: the file is prepared (read, validated, compiled) in a worker
thread while events go on, and only the swap runs between two events. Steps:

1. the new file is read, validated and compiled; a file with errors, a new strategy
   name, a changed ``risk`` section when the run cannot apply one, or (live) new symbols
   are **refused**: the refusal and its errors are journaled, and the running strategy
   goes on untouched;
2. the rule diff (added / removed / changed, by name) and the new version (hash and
   text) are committed to ``strategy_versions`` (status ``applying``) before anything
   changes, like an order intent;
3. the swap: the new rules take over at the next event. The order ledger keeps every
   working order and position (it is their one owner and is not touched). Rules that
   stay keep their state: cooldowns, once-per-symbol flags and daily counts (``Controls``,
   re-keyed to the rules' new places), last fire times, time rules' next fire times, the
   VI and order-event bookkeeping; a changed rule keeps its controls too, so an edit never
   lets a once-a-day rule fire twice (rename a rule to start it afresh), but a rule held
   for raising is released when it changed (the edit may be the fix). Rolling values and
   indicators are kept per (symbol, value): a window some rule still reads keeps its
   data; a new one starts empty;
4. the strategy's ``on_reload.removed_rule_orders`` policy (``keep``, the default, or
   ``cancel``) is applied to the working orders of removed rules, each journaled as a
   decision (event ``reload``); a cancel goes through the risk guard and the journal like
   any other;
5. the version row becomes ``applied``. Decisions from then on carry the new version.

A kill -9 between 2 and 5 leaves an ``applying`` row: the next live start finishes its
policy on the orders still working (``finish_interrupted``), and a request file still
present is done again (idempotent: the same file is ``unchanged``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from autotrader.clock import seconds_of_day
from autotrader.compile.conditions import ENTRY_NAMES
from autotrader.compile.plan import Plan
from autotrader.engine.reload_diff import (
    Prepared,
    RuleDiff,
    Scheduled,
    parse_reload_at,
    prepare,
    rule_diff,
)
from autotrader.engine.reload_files import Request, finish_request, read_request, result_path
from autotrader.engine.reload_swap import Engine, swap
from autotrader.errors import JournalError
from autotrader.risk.book import TradingLevel
from autotrader.rules.schema import RiskSpec, StrategySpec

if TYPE_CHECKING:
    from autotrader.risk.checks import RiskLimits

__all__ = [
    "Outcome",
    "Prepared",
    "Reloads",
    "RuleDiff",
    "Scheduled",
    "parse_reload_at",
    "prepare",
    "rule_diff",
    "swap",
]

log = logging.getLogger(__name__)

SOURCE = "reload"  # journal errors and decisions of reloads


@dataclass
class Outcome:
    """What one reload did, for the command, the journal and the tests."""

    status: str  # applied | refused | unchanged | failed (a defect: trading halted)
    path: str
    sha256: str = ""
    version: int | None = None
    diff: RuleDiff = field(default_factory=RuleDiff)
    errors: list[str] = field(default_factory=list)
    orders: dict[str, list[int]] = field(default_factory=dict)  # kept / cancelled
    notes: list[str] = field(default_factory=list)  # what the trader should know

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "path": self.path,
            "sha256": self.sha256,
            "version": self.version,
            "diff": self.diff.as_dict(),
            "lines": self.diff.lines() if self.status == "applied" else [],
            "errors": self.errors,
            "orders": self.orders,
            "notes": self.notes,
        }


class Reloads:
    """One engine's reloads: the versions it ran, the request file, the replay schedule."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.version = 0  # 0 until ``record_start`` journals version 1
        self.text = _read_text(engine.plan)  # the running version's text, as validated
        self.schedule: list[Scheduled] = []
        self._by_time: list[Scheduled] = []
        self.schedule_day0 = 0.0  # the day the schedule's times are on
        self.next_due = float("inf")  # the next scheduled reload (one compare per watch)
        self.limits_for: Callable[[RiskSpec], RiskLimits] | None = None  # risk changes
        self.fixed_symbols = False  # live: the websocket registers symbols at log-in
        self.listeners: dict[str, Callable[[Plan], None]] = {}  # e.g. the decoder's checks
        self.outcomes: list[Outcome] = []
        # Test-only crash points (crashpoint.py), set by the live runner: engine/ does not
        # import them, live/ wires them in.
        self.crash: Callable[[str], None] = _no_crash

    # -- set-up --------------------------------------------------------------------------
    def plan_schedule(
        self, items: list[Scheduled], limits_for: Callable[[RiskSpec], RiskLimits] | None = None
    ) -> None:
        """Reloads at times of the first day the engine's clock reads (a replay's);
        ``limits_for`` (the configuration's) lets a new version's risk section apply."""
        self.limits_for = limits_for or self.limits_for
        self._by_time = sorted(items, key=lambda s: s.at)
        self.next_due = float("-inf") if items else float("inf")

    def record_start(self) -> None:
        """Journal version 1: the strategy the run starts with (after ``start_run``)."""
        plan = self.engine.plan
        journal = self.engine.journal
        self.version = 1
        journal.commit_version(
            self.engine.market.now or time.time(),
            version=1,
            sha256=plan.sha256,
            path=plan.source,
            text=self._text_once(plan.sha256, self.text),
            status="running",
            diff_json=orjson.dumps(RuleDiff(added=_rule_names(plan.strategy)).as_dict()).decode(),
            detail="",
        )
        journal.version = 1

    def _text_once(self, sha: str, text: str) -> str:
        """A text the journal already holds under its hash is not stored again (a sweep
        journals thousands of runs of one file)."""
        found = self.engine.journal.conn.execute(
            "SELECT 1 FROM strategy_versions WHERE sha256 = ? AND text != '' LIMIT 1", (sha,)
        ).fetchone()
        return "" if found else text

    # -- the watch -----------------------------------------------------------------------
    def poll(self, now: float) -> None:
        """From ``Engine.watch``: a scheduled reload that is due, then the request file."""
        if self._by_time:  # the first clock reading: the schedule's day
            day0 = self.schedule_day0 = now - seconds_of_day(now)
            self.schedule = [Scheduled(day0 + s.at, s.path) for s in self._by_time]
            self._by_time = []
            self.next_due = self.schedule[0].at
        while self.schedule and self.schedule[0].at <= now:
            item = self.schedule.pop(0)
            self.next_due = self.schedule[0].at if self.schedule else float("inf")
            self.apply(item.path)

    # -- the request channel (``autotrader reload``) -------------------------------------
    def target(self, req: Request) -> str:
        """The file a request names; none: the file the engine runs, re-read."""
        return req.path or self.engine.plan.source

    def answer(self, request: Path, req: Request, prepared: Prepared | None) -> Outcome:
        """Do a request whose file was prepared: the outcome goes to the result file, then
        the request is removed (a kill -9 before that leaves it for the next start)."""
        if req.error or prepared is None:
            outcome = self.refuse(str(request), "", "", [f"reload request: {req.error}"])
        else:
            outcome = self.commit(prepared)
        finish_request(request, result_path(request), req.id, outcome.as_dict())
        return outcome

    def answer_request(self, request: Path) -> Outcome | None:
        """The pending request, if any, prepared and done here (the live runner prepares
        it in a worker thread instead: ``LiveRunner._answer_reloads``)."""
        req = read_request(request)
        if req is None:
            return None
        if req.error:
            return self.answer(request, req, None)
        return self.answer(request, req, prepare(self.target(req), self.engine.plan.strategy))

    # -- one reload ----------------------------------------------------------------------
    def apply(self, path: str) -> Outcome:
        """Validate ``path`` and swap it in, or refuse it; never raises on a bad file."""
        return self.commit(prepare(path, self.engine.plan.strategy))

    def commit(self, prepared: Prepared) -> Outcome:
        """At a safe point: refuse a prepared file, or journal it and swap it in."""
        engine = self.engine
        path, text, sha, plan = prepared.path, prepared.text, prepared.sha256, prepared.plan
        if plan is None:
            return self.refuse(path, sha, text, prepared.errors)
        old = engine.plan
        if sha == old.sha256:
            self.finish_interrupted()
            outcome = Outcome("unchanged", path, sha, self.version)
            self._note(outcome, f"reload {path}: unchanged (version {self.version})")
            return outcome
        problems = self._cannot_apply(old.strategy, plan.strategy)
        if problems:
            return self.refuse(path, sha, text, problems)
        # computed in prepare() unless another version came in between
        same = prepared.base is old.strategy
        diff = prepared.diff if same else rule_diff(old.strategy, plan.strategy)
        removed_orders = [o for o in engine.ledger.new_orders() if o.rule in diff.removed]
        policy = plan.strategy.on_reload.removed_rule_orders
        to_cancel = [o.order_id for o in removed_orders] if policy == "cancel" else []
        version = self.version + 1
        now = engine.market.now
        row = engine.journal.commit_version(
            now,
            version=version,
            sha256=sha,
            path=path,
            text=text,
            status="applying",
            diff_json=orjson.dumps(diff.as_dict()).decode(),
            detail=orjson.dumps({"cancel": to_cancel}).decode(),
        )
        self.crash("reload-journaled")  # tests only: a kill -9 between journal and swap
        try:
            if plan.strategy.risk != old.strategy.risk and self.limits_for is not None:
                engine.limits = self.limits_for(plan.strategy.risk)
            swap(engine, plan, diff)
            for listener in self.listeners.values():
                listener(plan)  # e.g. the decoder checks the fields the new rules read
        except JournalError:
            raise  # fail closed: the run must see it
        except Exception as exc:  # a bug: half a swap must not trade
            return self._failed(row, path, sha, exc)
        self.version, self.text = version, text
        engine.journal.version = version
        kept = [o.order_id for o in removed_orders if o.order_id not in to_cancel]
        for order in removed_orders:
            if order.order_id in kept:
                engine.journal.decision(
                    now, order.rule, order.symbol, SOURCE,
                    {"order": order.order_id, "version": version, "policy": policy},
                    "kept", order.order_id,
                )  # fmt: skip
        cancelled = self._cancel(to_cancel, f"rule removed by reload (version {version})")
        engine.journal.flush()  # the reload's decisions are as durable as its intents
        self.crash("reload-cancelled")  # tests only: after the policy's cancels left
        summary = {"kept": kept, "cancelled": cancelled}
        engine.journal.update_version(row, "applied", orjson.dumps(summary).decode())
        notes = _notes(old, plan, engine)
        outcome = Outcome("applied", path, sha, version, diff, orders=summary, notes=notes)
        said = ", ".join(diff.lines() + notes)
        self._note(outcome, f"reload {path}: version {version}: {said}")
        return outcome

    def _failed(self, row: int, path: str, sha: str, exc: Exception) -> Outcome:
        """The swap itself raised (a defect, never a bad file): the engine may hold half
        of each version, so trading halts (fail closed) until a restart."""
        what = f"{type(exc).__name__}: {str(exc)[:300]}"
        log.error("reload %s failed during the swap: %s", path, what, exc_info=exc)
        self.engine.journal.update_version(row, "failed", what)
        self.engine.set_level(TradingLevel.HALTED, f"reload failed during the swap: {what}")
        outcome = Outcome("failed", path, sha, self.version, errors=[what])
        self._note(outcome, f"reload {path} failed during the swap; trading halted: {what}")
        return outcome

    def refuse(self, path: str, sha: str, text: str, errors: list[str]) -> Outcome:
        """Journal a refused file with its errors; the running strategy goes on."""
        engine = self.engine
        now = engine.market.now
        detail = "\n".join(errors)
        engine.journal.commit_version(
            now, version=None, sha256=sha, path=path, text=text, status="refused",
            diff_json="{}", detail=detail,
        )  # fmt: skip
        outcome = Outcome("refused", path, sha, self.version, errors=errors)
        self._note(outcome, f"reload {path} refused; version {self.version} runs on: {detail}")
        return outcome

    def _note(self, outcome: Outcome, text: str) -> None:
        self.outcomes.append(outcome)
        (log.warning if outcome.status == "refused" else log.info)("%s", text)
        self.engine.journal.error(self.engine.market.now, SOURCE, text)
        self.engine.journal.flush()

    def _cannot_apply(self, old: StrategySpec, new: StrategySpec) -> list[str]:
        problems = []
        if new.strategy != old.strategy:
            problems.append(
                f"the strategy's name changed ({old.strategy!r} -> {new.strategy!r}): its "
                "orders are journaled under its name; a new name is a new strategy (restart)"
            )
        if new.risk != old.risk and self.limits_for is None:
            problems.append("the risk section changed: this run cannot apply new limits (restart)")
        wanted = set(new.symbols) | {s for r in new.rules if r.enabled for s in r.symbols or ()}
        added = sorted(wanted - set(self.engine.states))
        if added and self.fixed_symbols:
            problems.append(
                f"new symbols {', '.join(added)}: a live run registers its symbols at log-in "
                "(restart to trade them)"
            )
        return problems

    def _cancel(self, order_ids: list[int], why: str) -> list[int]:
        """Cancel these working orders (once each); returns those a cancel was sent for."""
        engine = self.engine
        ledger = engine.ledger
        sent = []
        for oid in order_ids:
            order = ledger.get(oid)
            st = engine.states.get(order.symbol) if order is not None else None
            if order is None or st is None or order.remaining <= 0:
                continue
            if oid in ledger.cancelling or oid in ledger.halting:
                continue
            now = engine.market.now
            request = engine.actions.change_whole(order, "cancel", order.rule, now)
            engine.journal.decision(
                now, order.rule, order.symbol, SOURCE,
                {"order": oid, "why": why}, "cancel", request.order_id,
            )  # fmt: skip
            if engine.place(request, st):
                sent.append(oid)
        return sent

    def finish_interrupted(self) -> None:
        """A reload an earlier run journaled but did not finish (kill -9): its policy's
        cancels for orders still working whose rule this plan lacks; the row is closed."""
        engine = self.engine
        journal = engine.journal
        rows = journal.conn.execute(
            "SELECT v.id, v.detail FROM strategy_versions v JOIN runs r ON r.id = v.run_id "
            "WHERE v.status = 'applying' AND r.strategy = ? AND v.run_id != ?",
            (engine.plan.strategy.strategy, journal.run_id),
        ).fetchall()
        rules = {r.name for r in engine.plan.rules}
        for row_id, detail in rows:
            wanted = orjson.loads(detail or "{}").get("cancel", [])
            orphans = [
                oid for oid in wanted if (o := engine.ledger.get(oid)) is not None
                and o.rule not in rules
            ]  # fmt: skip
            cancelled = self._cancel(orphans, "rule removed by an interrupted reload")
            summary = {"cancelled": cancelled, "finished_by_run": journal.run_id}
            journal.update_version(row_id, "interrupted", orjson.dumps(summary).decode())
            journal.error(
                engine.market.now, SOURCE,
                f"reload row {row_id} was interrupted; finished its cancels: {cancelled}",
            )  # fmt: skip


def _notes(old: Plan, new: Plan, engine: Engine) -> list[str]:
    """What a swap cannot carry: the highs and lows since entry, for open positions, when
    the old version did not follow them tick by tick (no rule read them)."""
    if not (new.names & ENTRY_NAMES) or (old.names & ENTRY_NAMES):
        return []
    held = sorted(s for s, st in engine.states.items() if st.pos_qty)
    if not held:
        return []
    return [
        f"position.high/low of {', '.join(held)} count from the entry fills and from now "
        "on: the previous version did not follow them tick by tick"
    ]


def _no_crash(step: str) -> None:
    return None


def _rule_names(spec: StrategySpec) -> tuple[str, ...]:
    return tuple(r.name for r in spec.rules if r.enabled)


def _read_text(plan: Plan) -> str:
    """The running strategy's text, if the file still holds what was compiled."""
    try:
        text = Path(plan.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return text if hashlib.sha256(text.encode()).hexdigest() == plan.sha256 else ""
