"""The fake's condition search (조건검색): saved screens evaluated over the tape it plays.

Its configuration names each condition (seq, name, screen), the screen being a formula
over a stock's day so far (``change_rate > 3 and cum_volume > 100000``), parsed by
``market/screen.py`` (no ``eval``). Each ``0B`` the fake pushes updates that stock's day
values; a stock whose screen result flips enters (``I``) or leaves (``D``) the
condition, and the websocket sends a ``REAL`` ``02`` frame to every session running that
condition in realtime. ``CNSRLST`` lists the conditions, ``CNSRREQ`` answers the stocks
matching now in pages of ``page_size`` (``cont_yn``/``next_key``), ``CNSRCLR`` stops a
realtime search. As clients report of the real server, a ``CNSRREQ`` before the
session's ``CNSRLST`` is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autotrader.market.screen import Screen, day_values

RC_NO_LIST = 900001  # CNSRREQ before CNSRLST in the session (the fake's code)
RC_NO_CONDITION = 900002  # no saved condition with that seq


@dataclass(frozen=True)
class FakeCondition:
    seq: str
    name: str
    screen: Screen


def fake_conditions(spec: Iterable[tuple[str, str, str]]) -> list[FakeCondition]:
    """``[(seq, name, screen text), ...]`` -> conditions; a bad screen raises ScreenError."""
    return [FakeCondition(str(seq), name, Screen(text)) for seq, name, text in spec]


@dataclass(frozen=True, slots=True)
class Hit:
    seq: str
    code: str
    entered: bool
    hms: str


class ConditionBook:
    """Every stock's day values and which conditions each matches now."""

    def __init__(self, conditions: Iterable[FakeCondition], page_size: int = 100) -> None:
        self.conditions = {c.seq: c for c in conditions}
        self.page_size = max(1, page_size)
        self.values: dict[str, dict[str, float]] = {}
        self.raw: dict[str, Mapping[str, Any]] = {}  # code -> its last 0B values
        self.matching: dict[str, dict[str, None]] = {seq: {} for seq in self.conditions}

    def on_tick(self, code: str, fields: Mapping[str, Any]) -> list[Hit]:
        """A stock traded: the hits its new day values make."""
        if not self.conditions:
            return []
        values = day_values(fields)
        self.values[code], self.raw[code] = values, fields
        hms = str(fields.get("20", ""))
        hits: list[Hit] = []
        for seq, condition in self.conditions.items():
            now = condition.screen.matches(values)
            matching = self.matching[seq]
            if now and code not in matching:
                matching[code] = None
                hits.append(Hit(seq, code, True, hms))
            elif not now and code in matching:
                del matching[code]
                hits.append(Hit(seq, code, False, hms))
        return hits

    def list_answer(self) -> dict[str, Any]:
        data = [[c.seq, c.name] for c in self.conditions.values()]
        return {"trnm": "CNSRLST", "return_code": 0, "return_msg": "", "data": data}

    def search_answer(self, msg: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        """One page of the stocks matching ``msg['seq']`` now."""
        seq = str(msg.get("seq", ""))
        if seq not in self.conditions:
            return refusal("CNSRREQ", RC_NO_CONDITION, f"조건검색식 없음 ({seq})", seq)
        codes = list(self.matching[seq])
        key = str(msg.get("next_key") or "")
        start = int(key) if key.isdigit() and str(msg.get("cont_yn")) == "Y" else 0
        page = codes[start : start + self.page_size]
        more = start + self.page_size < len(codes)
        rows = [self._row(code, names.get(code, code)) for code in page]
        return {
            "trnm": "CNSRREQ",
            "seq": seq,
            "return_code": 0,
            "return_msg": "",
            "cont_yn": "Y" if more else "N",
            "next_key": str(start + self.page_size) if more else "",
            "data": rows,
        }

    def _row(self, code: str, name: str) -> dict[str, str]:
        raw = self.raw.get(code, {})
        row = {"9001": "A" + code, "302": name}
        for fid in ("10", "25", "11", "12", "13", "16", "17", "18"):
            row[fid] = str(raw.get(fid, ""))
        return row


def refusal(trnm: str, code: int, message: str, seq: str = "") -> dict[str, Any]:
    answer: dict[str, Any] = {"trnm": trnm, "return_code": code, "return_msg": message}
    if seq:
        answer["seq"] = seq
    return answer


def hit_entry(hit: Hit) -> dict[str, Any]:
    """One ``REAL`` ``02`` entry (841 seq, 9001 code, 843 I/D, 20 time, 907 side)."""
    values = {"841": hit.seq, "9001": "A" + hit.code, "843": "I" if hit.entered else "D",
              "20": hit.hms, "907": "2" if hit.entered else "1"}  # fmt: skip
    return {"type": "02", "name": "조건검색", "item": hit.code, "values": values}
