"""The per-plan tick check (feed/validate.py ``TickChecks.problem``) judges a tick's read
fields exactly as their patterns and the day's band say, whatever text they hold, and
whether the text was seen before (cached) or not."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from autotrader.feed import validate
from autotrader.feed.fastline import GARBLED, Tick

PRICE = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII).fullmatch
SHAPES = {
    "15": re.compile(r"[+-]?[0-9]{1,9}", re.ASCII).fullmatch,
    "12": re.compile(r"[+-]?[0-9]{1,2}(?:\.[0-9]{1,4})?", re.ASCII).fullmatch,
    "228": re.compile(r"[+-]?[0-9]{1,6}(?:\.[0-9]{1,4})?", re.ASCII).fullmatch,
}
LOW, HIGH = 41_300, 76_700

# Text a feed might hold: good numbers, near misses, other scripts, nothing at all.
texts = st.one_of(
    st.none(),
    st.just(""),
    st.just(GARBLED),
    st.from_regex(r"[+-]?[0-9]{1,10}", fullmatch=True),
    st.from_regex(r"[+-]?[0-9]{1,3}\.[0-9]{1,5}", fullmatch=True),
    st.sampled_from(["+60000", "-59900", "+99000", "0", "+٦٠٠٠٠", "1_000", " 12", "1e3"]),
    st.text(max_size=12),
)


def expected(
    values: dict[str, str | None], prices: tuple[str, ...], shaped: set[str] | None = None
) -> str:
    """The reference: the first bad shape (prices, then the others), then the band."""
    for fid in prices:
        raw = values.get(fid)
        if raw is None or PRICE(raw) is None:
            return validate._why(fid, raw)
    for fid, match in SHAPES.items():
        if shaped is not None and fid not in shaped:
            continue
        raw = values.get(fid)
        if raw is None or match(raw) is None:
            return validate._why(fid, raw)
    for fid in prices:
        price = abs(int(values[fid] or 0))
        if price and not LOW <= price <= HIGH:
            return f"field {fid} outside the day's price band"
    return ""


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({f: texts for f in ("27", "28", "15", "12", "228")})))
def test_problem_agrees_with_the_patterns_seen_or_not(ticks: list[dict[str, str | None]]) -> None:
    checks = validate.checks_for({"spread", "volume", "change_rate", "strength"})
    assert checks.prices == ("27", "28")
    for values in ticks * 2:  # the second pass reads every text from the caches
        tick = Tick.of({"20": "090000", "10": "+60000", **values})
        assert checks.problem(tick, LOW, HIGH) == expected(values, checks.prices)


def test_a_plan_reading_no_checked_field_has_no_check() -> None:
    assert not validate.checks_for({"price", "time", "position.qty"})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({f: texts for f in ("27", "28", "15", "12", "228")})))
def test_checks_of_different_fields_sharing_caches_agree_with_the_patterns(
    ticks: list[dict[str, str | None]],
) -> None:
    """Symbols whose rules read different fields (``SymbolChecks``) share one decoder's
    caches: what one symbol's check learnt never changes another's verdict."""
    reads = {"A": {"spread", "volume"}, "B": {"ask", "change_rate", "strength"}, "C": set()}
    checks = validate.SymbolChecks(lambda item: reads[item])
    for values in ticks * 2:
        tick = Tick.of({"20": "090000", "10": "+60000", **values})
        for item in reads:
            of = checks.of(item)
            shaped = {fid for fid, _ in of.shaped}
            want = expected({k: v for k, v in values.items() if k in shaped or k in of.prices},
                            of.prices, shaped)  # fmt: skip
            assert (of.problem(tick, LOW, HIGH) if of else "") == want
