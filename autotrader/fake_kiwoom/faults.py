"""Fault injection: the failures a live Kiwoom session shows, on demand and deterministic.

``FaultState`` is the plain state the REST and websocket layers consult; ``Faults`` is
the public face (``fake.faults``) whose methods set that state or act on the sockets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from autotrader.fake_kiwoom import codes

if TYPE_CHECKING:
    from autotrader.fake_kiwoom.auth import TokenStore

FailMode = Literal["timeout", "drop", "http500", "no_return_code"]


@dataclass(slots=True)
class OrderFailure:
    after_accept: bool  # True: the order is booked (and 00 pushed), only the answer is lost
    # "timeout": never answer; "drop": close the connection; "http500": a bare HTTP 500;
    # "no_return_code": HTTP 200 with the answer's fields but no return_code
    mode: FailMode


@dataclass(slots=True)
class FaultState:
    silenced: bool = False
    duplicate_executions: bool = False
    reorder_batch: int = 0  # hold this many 00 frames, then send them reversed
    rate_limits: list[list[object]] = field(default_factory=list)  # [api_id | None, count]
    order_failures: list[OrderFailure] = field(default_factory=list)
    login_refusals: list[int] = field(default_factory=list)  # table codes, one per LOGIN
    query_no_return_code: int = 0  # the next n account queries answer without return_code
    system_in_handshake: list[str] = field(default_factory=list)  # SYSTEM codes after LOGIN ok
    reg_refusals: list[int] = field(default_factory=list)  # return_codes, one per REG
    domain_mismatch: int | None = None  # 8030 on /oauth2/token, 8031 on every TR
    clock_offset: float = 0.0  # the venue's clock minus the fake's clock, in seconds
    garble_executions: int = 0  # the next n fill 00 entries carry garbled numbers
    lose_fills: int = 0  # the next n fills send neither their 00 nor the 04 after them
    lost_fills: list[str] = field(default_factory=list)  # order numbers whose fill was lost

    def take_query_no_return_code(self) -> bool:
        if self.query_no_return_code > 0:
            self.query_no_return_code -= 1
            return True
        return False

    def take_reg_refusal(self) -> int | None:
        return self.reg_refusals.pop(0) if self.reg_refusals else None

    def take_rate_limit(self, api_id: str) -> bool:
        """Consume one injected 429 for ``api_id``; True if this request must get it."""
        for entry in self.rate_limits:
            target, left = entry
            if (target is None or target == api_id) and isinstance(left, int) and left > 0:
                entry[1] = left - 1
                if left == 1:
                    self.rate_limits.remove(entry)
                return True
        return False

    def take_order_failure(self) -> OrderFailure | None:
        return self.order_failures.pop(0) if self.order_failures else None

    def take_login_refusal(self) -> int | None:
        return self.login_refusals.pop(0) if self.login_refusals else None


class Sockets(Protocol):
    """What faults need of the websocket hub (ws.py imports this module, not back)."""

    async def drop_all(self) -> None: ...
    async def close_all(self) -> None: ...
    async def send_raw(self, text: str) -> None: ...
    async def send_system(self, code: str, message: str) -> None: ...
    async def release_held(self) -> None: ...


class Faults:
    """``fake.faults``: every method affects the running server immediately."""

    def __init__(self, state: FaultState, hub: Sockets, tokens: TokenStore) -> None:
        self.state = state
        self._hub = hub
        self._tokens = tokens

    async def drop_sockets(self) -> None:
        """Abort every websocket's TCP connection, without a close frame."""
        await self._hub.drop_all()

    async def close_sockets(self) -> None:
        """Close every websocket cleanly (close frame 1001, as a server going away)."""
        await self._hub.close_all()

    def silence(self, on: bool = True) -> None:
        """Stop sending anything (PINGs, data, answers) and stop enforcing heartbeats."""
        self.state.silenced = on

    def rate_limit(self, api_id: str | None = None, n: int = 1) -> None:
        """Answer the next ``n`` REST calls (of ``api_id``, or any) with HTTP 429 / 1700."""
        self.state.rate_limits.append([api_id, n])

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired: 8005 on REST calls and on LOGIN."""
        self._tokens.expire_all()

    def fail_next_order(self, after_accept: bool, mode: FailMode = "timeout") -> None:
        """Lose the answer to the next order request (kt10000-kt10003, kt10006-kt10009).

        ``after_accept`` books the order (its ``00`` frame is pushed) before the failure,
        the case a client must reconcile rather than resend. ``mode``: never answer, close
        the connection, answer a bare HTTP 500, or answer HTTP 200 without ``return_code``.
        """
        self.state.order_failures.append(OrderFailure(after_accept, mode))

    def duplicate_executions(self, on: bool = True) -> None:
        """Send every ``00`` frame twice."""
        self.state.duplicate_executions = on

    def reorder_executions(self, n: int = 2) -> None:
        """Hold the next ``n`` ``00`` frames and send them in reverse order."""
        self.state.reorder_batch = n

    async def release_held(self) -> None:
        """Send now, reversed, the ``00`` frames a ``reorder_executions`` still holds (a
        real venue delivers late, never never)."""
        await self._hub.release_held()

    def lose_next_fill(self, n: int = 1) -> None:
        """The next ``n`` fills happen in the book but their ``00`` entry, and the ``04``
        of the same symbol sent with it, never leave: a silently lost execution. The
        queries (ka10075, ka10076, kt00018) still show it, as Kiwoom's would."""
        self.state.lose_fills += n

    async def send_malformed(self, data: bytes | str = b"{not json") -> None:
        """Send raw, unparseable text to every logged-in socket."""
        await self._hub.send_raw(data if isinstance(data, str) else data.decode("utf-8", "replace"))

    async def send_system(self, code: str = "R10003", message: str = "서버 점검") -> None:
        """Send a ``SYSTEM`` frame to every logged-in socket (it does not close them)."""
        await self._hub.send_system(code, message)

    def refuse_login(self, n: int = 1, code: int = codes.TOKEN_INVALID) -> None:
        """Refuse the next ``n`` LOGINs with a six-digit return_code and ``[CODE=code, ...]``."""
        self.state.login_refusals.extend([code] * n)

    def omit_return_code(self, queries: int = 1) -> None:
        """The next ``queries`` account TRs answer HTTP 200 with data but no return_code
        (orders: ``fail_next_order(after_accept, "no_return_code")``)."""
        self.state.query_no_return_code += queries

    def system_mid_handshake(self, code: str = "R10004", n: int = 1) -> None:
        """Send SYSTEM ``code`` right after the next ``n`` LOGIN answers, before any REG
        (the socket stays open, as Kiwoom's do)."""
        self.state.system_in_handshake.extend([code] * n)

    def refuse_reg(self, n: int = 1, code: int = codes.REG_TOO_MANY) -> None:
        """Refuse the next ``n`` REG requests with ``code`` (105115: too many items)."""
        self.state.reg_refusals.extend([code] * n)

    def mismatch_domain(self, code: int = codes.DOMAIN_TOKEN) -> None:
        """Keys of the other domain: 8030 from /oauth2/token, 8031 on TRs and LOGIN."""
        self.state.domain_mismatch = code

    def garble_next_fill(self, n: int = 1) -> None:
        """The next ``n`` fill ``00`` entries carry garbled numbers ('²' in the fill price,
        a 400-digit fill quantity), as a corrupted frame would: the fill itself happened."""
        self.state.garble_executions += n

    def offset_clock(self, seconds: float) -> None:
        """Run the venue's clock ``seconds`` ahead (negative: behind) of the fake's own:
        order times, ``00`` times, ``expires_dt`` and the token answer's Date header."""
        self.state.clock_offset = seconds
