"""Fuzzing the tape reader: any bytes after a valid header replay with every bad line
skipped and counted (or refused at its line number), and a gzip cut anywhere is a
``TapeError``, never another exception."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.errors import TapeError
from autotrader.feed.lines import feed_numbered
from autotrader.feed.tape import numbered_frames, open_tape
from tests.frames import header, line, trade
from tests.harness import Harness

SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
STRATEGY = (
    'strategy: t\nsymbols: ["005930"]\nrules:\n'
    "  - name: a\n    when: ask > 0\n    do: [{buy: {qty: 1}}]\n"
)
GOOD = line(trade("005930", "090000", 60_000))
LINES = st.one_of(
    st.just(GOOD),
    st.binary(max_size=120).map(lambda b: b.replace(b"\n", b" ")),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'{"trnm":"REAL"}',
            b'{"trnm":"REAL","data":[1]}',
            GOOD.replace(b"60000", b"6\xc2\xb2"),
            GOOD.replace(b"+60000", b"+" + b"9" * 400),
            b"\xff\xfe",
            b"  \r",
        ]
    ),  # fmt: skip
)


@SETTINGS
@given(st.lists(LINES, max_size=20), st.booleans())
def test_any_tape_lines_replay_with_bad_lines_skipped_or_refused(
    lines: list[bytes], refuse: bool
) -> None:
    """Skip: every non-blank line is a frame or a skip with its number. Refuse: the run
    ends at the first bad line with a TapeError naming it, or completes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        path.write_bytes(b"\n".join([header(), *lines]) + b"\n")
        h = Harness(STRATEGY, Path(tmp))
        skipped: list[int] = []
        try:
            feed_numbered(
                h.decoder,
                numbered_frames(path),
                where=str(path),
                bad_lines="refuse" if refuse else "skip",
                on_skip=lambda n, why, raw: skipped.append(n),
            )
        except TapeError as exc:
            assert refuse and ":" in str(exc)
        else:
            c = h.decoder.counters
            assert c.malformed == len(skipped)
            assert all(2 <= n <= len(lines) + 1 for n in skipped)
            if refuse:
                assert c.malformed == 0
        finally:
            h.journal.close()


@pytest.fixture(scope="module")
def gz_tape() -> bytes:
    body = header() + b"\n" + b"\n".join([GOOD] * 2000) + b"\n"
    return gzip.compress(body)


@SETTINGS
@given(st.data())
def test_gzip_cut_or_flipped_anywhere_is_a_tape_error(gz_tape: bytes, data: st.DataObject) -> None:
    """A gzip tape truncated at any byte, or with one byte changed: frames, then at most a
    TapeError; never another exception."""
    cut = data.draw(st.integers(0, len(gz_tape)))
    flip = data.draw(st.integers(0, len(gz_tape) - 1))
    blob = bytearray(gz_tape[:cut])
    if data.draw(st.booleans()) and flip < len(blob):
        blob[flip] ^= 0xFF
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl.gz"
        path.write_bytes(bytes(blob))
        try:
            open_tape(path)
            numbers = [n for n, _ in numbered_frames(path)]
            assert numbers == sorted(numbers)
        except TapeError:
            pass
