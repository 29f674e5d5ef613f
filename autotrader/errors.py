"""The exception tree, grouped by what the operator must do.

    AutotraderError
    ├── StrategyError          a strategy file is wrong: path:line:column: message
    │   └── StrategyErrors     several StrategyErrors, reported at once like a compiler
    ├── ConfigError            configuration is missing, unsafe or invalid
    ├── TapeError              a tape file cannot be read
    ├── JournalError           the SQLite journal cannot be written or read
    └── BrokerError            the broker refused or failed; carries Kiwoom's return_code
        ├── RateLimitedError       1700/1701/1702 or HTTP 429: back off and retry later
        ├── TokenInvalidError      8005 and friends: renew the token, retry queries once
        ├── CredentialsRejectedError  appkey/secretkey refused: stop, fix configuration
        │   └── DomainMismatchError   8030/8031: keys or token of the other domain (mock/prod)
        ├── BadRequestError        the request itself is wrong: do not retry
        ├── UnknownInstrumentError 1903: no such stock on that exchange
        ├── OrderRejectedError     the exchange or broker rejected an order
        ├── OrderNotFoundError     modify/cancel of an order the broker does not know
        └── OutcomeUnknownError    transport failed after the request left: reconcile, never resend

Messages are built in ``__str__`` from the fields, and never contain secrets.
"""

from __future__ import annotations

from collections.abc import Iterable

from autotrader.safetext import escape


class AutotraderError(Exception):
    """Base of every error autotrader raises on purpose."""


class StrategyError(AutotraderError):
    """A problem in a strategy file, located at path:line:column (1-based)."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(path, line, column, message)
        self.path = path
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        # The path and the message can quote the file (keys, names): never raw.
        return escape(f"{self.path}:{self.line}:{self.column}: {self.message}")


class StrategyErrors(StrategyError):
    """Every problem found in one or more strategy files."""

    def __init__(self, errors: Iterable[StrategyError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.path, e.line, e.column))
        first = self.errors[0] if self.errors else StrategyError("?", 0, 0, "no errors")
        super().__init__(first.path, first.line, first.column, first.message)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class ConfigError(AutotraderError):
    """Configuration is missing, unsafe or invalid."""


class TapeError(AutotraderError):
    """A tape file cannot be read."""


class JournalError(AutotraderError):
    """The journal cannot be written or read."""


class BrokerError(AutotraderError):
    """The broker answered with an error, or could not be reached.

    ``return_code`` is Kiwoom's code as received (the table's four-digit code where the
    message carries one), ``None`` for failures before any answer.
    """

    def __init__(self, return_code: int | None, message: str, *, api_id: str = "") -> None:
        super().__init__(return_code, message, api_id)
        self.return_code = return_code
        self.message = message
        self.api_id = api_id
        # Kiwoom's raw ``return_code`` and (scrubbed) ``return_msg``, for the journal.
        self.raw_answer = ""

    def __str__(self) -> str:
        where = f"{self.api_id}: " if self.api_id else ""
        code = f"[{self.return_code}] " if self.return_code is not None else ""
        return f"{where}{code}{self.message}"


class RateLimitedError(BrokerError):
    """Over Kiwoom's request limit (1700-1702, HTTP 429)."""


class TokenInvalidError(BrokerError):
    """The access token is invalid or expired (8005 and friends)."""


class CredentialsRejectedError(BrokerError):
    """The app key or secret key was refused."""


class DomainMismatchError(CredentialsRejectedError):
    """Production keys on the mock domain or the reverse (8030/8031): fix the domain setting."""


class BadRequestError(BrokerError):
    """The request is malformed or not allowed; retrying will not help."""


class UnknownInstrumentError(BrokerError):
    """No such stock on that exchange (1903)."""


class OrderRejectedError(BrokerError):
    """The order was rejected by the broker or the exchange."""


class OrderNotFoundError(BrokerError):
    """A modify or cancel named an order the broker does not know: reconcile."""


class OutcomeUnknownError(BrokerError):
    """The request may or may not have reached the broker: reconcile, never resend."""
