"""Property: the replay scheduler fires exactly what a live one would, when it would."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from autotrader.clock import day_start
from autotrader.compile import compile_strategy
from autotrader.compile.schedule import TIME_TRIGGERS
from autotrader.engine.scheduler import Scheduler
from autotrader.rules import load_strategy_text

DAY0 = day_start(datetime.date(2026, 11, 20))
OPEN = 9 * 3600


def hms(sod: int) -> str:
    return f"{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}"


ats = st.lists(st.integers(OPEN, OPEN + 600), min_size=1, max_size=3, unique=True)
everys = st.tuples(
    st.sampled_from([1, 7, 30, 60]), st.integers(OPEN, OPEN + 300), st.integers(1, 300)
)
frame_times = st.lists(st.integers(OPEN * 1000 - 5_000, (OPEN + 700) * 1000), max_size=60)


@settings(max_examples=60, deadline=None)
@given(
    at_rules=st.lists(ats, max_size=3), every_rules=st.lists(everys, max_size=2), frames=frame_times
)
def test_every_occurrence_fires_once_at_its_time_after_the_frames_of_its_instant(
    at_rules: list[list[int]], every_rules: list[tuple[int, int, int]], frames: list[int]
) -> None:
    """Fires are all occurrences up to the last frame, in (time, file order), each after
    every frame stamped at or before it and before every later frame."""
    rules = []
    for i, times in enumerate(at_rules):
        listed = ", ".join(f'"{hms(t)}"' for t in times)
        rules.append(
            f"  - name: at{i}\n    on: {{at: [{listed}]}}\n    do: [{{buy: {{qty: 1}}}}]\n"
        )
    for i, (step, start, length) in enumerate(every_rules):
        window = f'["{hms(start)}", "{hms(start + length)}"]'
        rules.append(
            f"  - name: ev{i}\n    on: {{every: {step}s, between: {window}}}\n"
            "    do: [{buy: {qty: 1}}]\n"
        )
    if not rules:
        return
    plan = compile_strategy(
        load_strategy_text('strategy: p\nsymbols: ["005930"]\nrules:\n' + "".join(rules))
    )
    timed = sorted(
        (r for k in TIME_TRIGGERS for r in plan.triggered.get(k, ())), key=lambda r: r.order
    )
    log: list[tuple[str, float, int]] = []
    sched = Scheduler(timed, lambda rule, at: log.append(("fire", at, rule.order)))
    sched.run_due(DAY0)  # the first reading, as replay's set_time(day0)
    times = sorted(DAY0 + ms / 1000 for ms in frames)
    last = DAY0
    for ts in times:
        if ts > last:  # the decoder moves the clock only forwards
            if ts >= sched.next_due:
                sched.run_due(ts)
            last = ts
        log.append(("frame", ts, -1))
    sched.run_due(last, inclusive=True)  # end of tape

    expected = []
    for rule, times_of in zip(timed, [*at_rules, *every_rules], strict=True):
        if isinstance(times_of, list):
            occ = [DAY0 + t for t in times_of]
        else:
            step, start, length = times_of
            occ = [DAY0 + t for t in range(start, start + length, step)]
        expected += [(t, rule.order) for t in occ if t <= last]
    fires = [(t, o) for kind, t, o in log if kind == "fire"]
    assert fires == sorted(expected)
    for i, (kind, t, _) in enumerate(log):
        if kind == "fire":
            assert all(ft <= t for k, ft, _ in log[:i] if k == "frame")
            assert all(ft > t for k, ft, _ in log[i + 1 :] if k == "frame")
