"""The fault profiles a drill runs: what each injects, when, and how it is noticed.

A profile arms the fake Kiwoom at start (``arm``) and/or acts once the fake has booked
the strategy's first order (``act``: mid-order is where faults hurt). ``fired`` says when
an armed fault actually struck (the first order request met it); ``detected`` is the
first symptom the trader's side shows (a stall counted, a reconnect, an order in doubt,
a 1700 met, a new token); without one (duplicated or reordered ``00``: absorbed without
a symptom) the detection time is not reported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.faults import FailMode

if TYPE_CHECKING:
    from autotrader.drill.rehearsal import Probe, Rehearsal

When = Literal["start", "order"]
STALL_FRAMES = 15  # frames pushed while the feed is silent or down: fills the trader misses

# A stray 00 entry with garbage in its numbers (before the fill's own garbled 00).
GARBLED_00 = (
    '{"trnm":"REAL","data":[{"type":"00","name":"주문체결","item":"005930","values":'
    '{"9203":"0009999","9001":"005930","913":"체결","905":"+매수","907":"2",'
    '"900":"3","901":"60000","902":"²","910":"6000²","911":"' + "9" * 400 + '",'
    '"908":"100000"}}]}'
)


@dataclass(frozen=True)
class Profile:
    name: str
    what: str
    when: When = "start"
    arm: Callable[[FakeKiwoom], None] | None = None
    act: Callable[[Rehearsal], Awaitable[None]] | None = None
    fired: Callable[[Rehearsal], bool] | None = None  # armed faults: when it struck
    detected: Callable[[Rehearsal, Probe], bool] | None = None
    recovered: Callable[[Rehearsal, Probe], bool] | None = None  # besides ``settled``
    fake: dict[str, Any] = field(default_factory=dict)  # extra FakeKiwoom options
    crash: bool = False  # the kill -9 profile: the runner in a child process (crash.py)
    stops_run: bool = False  # the run is expected to end on this fault (R10001)


async def _stall(r: Rehearsal) -> None:
    r.fake.faults.silence()
    await r.push(STALL_FRAMES)  # fills happen; nothing reaches the trader
    await r.until(lambda: r.runner.realtime.stalls > r.probe.stalls, within=8.0)
    r.fake.faults.silence(False)


async def _drop(r: Rehearsal) -> None:
    await r.fake.faults.drop_sockets()
    await r.push(STALL_FRAMES)


async def _reorder(r: Rehearsal) -> None:
    r.fake.faults.reorder_executions(3)


async def _garble(r: Rehearsal) -> None:
    await r.fake.hub.send_raw(GARBLED_00)
    r.fake.faults.garble_next_fill()


async def _expire(r: Rehearsal) -> None:
    r.fake.faults.expire_tokens()
    await r.push(STALL_FRAMES)
    r.fake.faults.expire_tokens()
    await r.fake.faults.drop_sockets()  # the LOGIN with the dead token is refused


async def _evict(r: Rehearsal) -> None:
    await r.fake.faults.send_system("R10001", "동일한 App key로 접속이 되었습니다")
    await r.fake.faults.close_sockets()  # Kiwoom ends the evicted session
    await r.until(r.task.done, within=15.0)  # nothing more is pushed to a stopping run


def _storm(fake: FakeKiwoom) -> None:
    for api_id in ("kt10000", "kt10001", "kt10002", "kt10003"):
        fake.faults.rate_limit(api_id, 6)
    for api_id in ("ka10075", "ka10076", "kt00018"):
        fake.faults.rate_limit(api_id, 3)


def _fail(after_accept: bool, mode: FailMode) -> Callable[[FakeKiwoom], None]:
    def arm(fake: FakeKiwoom) -> None:
        fake.faults.fail_next_order(after_accept=after_accept, mode=mode)

    return arm


def _failure_struck(r: Rehearsal) -> bool:
    return not r.fake.faults.state.order_failures


def _storm_struck(r: Rehearsal) -> bool:
    return r.runner.broker.rest.rate_limited > 0


def _new_session(r: Rehearsal, p: Probe) -> bool:
    return r.runner.realtime.sessions > p.sessions


def _in_doubt(r: Rehearsal, p: Probe) -> bool:
    return bool(r.runner.doubts.in_doubt) or r.doubted


PARTIAL_FILLS = {"max_fill_qty": 1}  # every share its own 00: more events to disturb

PROFILES: tuple[Profile, ...] = (
    Profile("baseline", "no fault: the reference run"),
    Profile(
        "ws-stall",
        "websocket connected but silent (no PING, no data) while fills happen",
        when="order",
        act=_stall,
        detected=lambda r, p: r.runner.realtime.stalls > p.stalls,
        recovered=_new_session,
    ),  # fmt: skip
    Profile(
        "ws-drop",
        "websocket dropped (TCP abort) mid-order; fills happen while down",
        when="order",
        act=_drop,
        detected=lambda r, p: (
            r.runner.realtime.sessions > p.sessions or not r.runner.realtime.connected
        ),
        recovered=_new_session,
    ),  # fmt: skip
    Profile(
        "dup-00",
        "every 00 execution event sent twice",
        arm=lambda f: f.faults.duplicate_executions(),
        fake=PARTIAL_FILLS,
    ),  # fmt: skip
    Profile(
        "reorder-00",
        "three 00 events held and sent in reverse order",
        when="order",
        act=_reorder,
        fake=PARTIAL_FILLS,
    ),  # fmt: skip
    Profile(
        "garbled",
        "a stray 00 with garbage numbers, then a real fill's 00 garbled",
        when="order",
        act=_garble,
        detected=lambda r, p: (
            r.runner.realtime.stats.total > p.malformed
            or r.runner.decoder.counters.malformed > p.decoded_malformed
        ),
    ),  # fmt: skip
    Profile(
        "storm-1700",
        "HTTP 429 / 1700 on the first orders and resync queries",
        arm=_storm,
        fired=_storm_struck,
        detected=lambda r, p: _storm_struck(r),
    ),  # fmt: skip
    Profile(
        "token-expired",
        "every token expired mid-order, then the socket dropped",
        when="order",
        act=_expire,
        detected=lambda r, p: len(r.fake.tokens.issued) > p.tokens,
        recovered=_new_session,
    ),  # fmt: skip
    *(
        Profile(
            f"{mode}-{phase}",
            f"{'HTTP 500' if mode == 'http500' else 'no answer'} to the first order, "
            f"{phase} the venue accepts it",
            arm=_fail(phase == "after", mode),
            fired=_failure_struck,
            detected=_in_doubt,
        )  # fmt: skip
        for mode in ("http500", "timeout")
        for phase in ("before", "after")
    ),
    Profile(
        "r10001",
        "SYSTEM R10001: the same app key logged in elsewhere (the run must stop)",
        when="order",
        act=_evict,
        stops_run=True,
        detected=lambda r, p: r.task.done(),
    ),  # fmt: skip
    Profile(
        "kill-9",
        "the live runner SIGKILLed right after its first order left, then restarted",
        crash=True,
    ),
)
# Not in "all": the venue itself misbehaves, so the drill must fail. ``--faults
# lost-fill`` proves that the drill notices a loss.
SELF_CHECKS: tuple[Profile, ...] = (
    Profile(
        "lost-fill",
        "the venue loses one fill: its 00 and 04 never arrive (a self-check)",
        arm=lambda f: f.faults.lose_next_fill(),
    ),  # fmt: skip
)
BY_NAME = {p.name: p for p in PROFILES + SELF_CHECKS}


def select(names: list[str] | None) -> list[Profile]:
    """Profiles by name; ``None``, ``[]`` or ``["all"]``: every profile."""
    if not names or names == ["all"]:
        return list(PROFILES)
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(
            f"unknown fault profile {', '.join(unknown)}: one of all, {', '.join(BY_NAME)}"
        )
    return [BY_NAME[n] for n in names]
