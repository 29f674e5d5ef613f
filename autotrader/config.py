"""Application configuration: fees, global risk limits, journal location.

Read from a TOML file (``autotrader.toml`` in the working directory, or ``--config``);
every value has a safe default so a dry-run needs no configuration at all. Secrets are
never read from here or from strategy files: the Kiwoom client takes them from the
environment.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autotrader.errors import ConfigError
from autotrader.market.fees import Fees
from autotrader.market.matching import MatchConfig
from autotrader.risk.checks import RiskLimits
from autotrader.rules.schema import RiskSpec, normalize_symbol
from autotrader.settings_check import bad_numbers, read_toml, unknown_toml_keys

DEFAULT_CONFIG_FILE = "autotrader.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeesConfig(_Section):
    commission_ppm: int = Field(150, ge=0, le=10_000, description="0.015% = 150 ppm a side")
    sell_tax_ppm: int = Field(2_000, ge=0, le=10_000, description="0.20% = 2,000 ppm")


class RiskConfig(_Section):
    """Global limits; a strategy's ``risk:`` can only tighten them."""

    max_order_value: int = Field(10_000_000, gt=0, description="KRW per order")
    max_order_qty: int = Field(10_000, gt=0, description="shares per order")
    max_position_qty: int = Field(1_000, gt=0, description="shares per symbol")
    max_position_value: int = Field(100_000_000, gt=0, description="KRW per symbol")
    max_gross_exposure: int = Field(300_000_000, gt=0, description="KRW, all symbols")
    max_open_orders: int = Field(20, gt=0)
    daily_loss_limit: int = Field(1_000_000, gt=0, description="KRW, after fees and tax")
    exits_after_loss_limit: bool = True
    max_orders_per_minute: int = Field(60, gt=0)
    max_orders_per_symbol_per_minute: int = Field(10, gt=0)
    duplicate_window: float = Field(2.0, ge=0, description="seconds")
    max_price_deviation: float = Field(0.05, gt=0, le=0.3, description="vs last trade")
    allowed_sessions: tuple[str, ...] = Field(
        ("open", "nxt_main_start"), description="entries: 0s names (KRX's, Nextrade's)"
    )
    vi_blocks: Literal["market", "all", "none"] = "market"
    trading_hours: tuple[str, str] | Literal["none"] = Field(
        ("09:00", "15:20"), description="entries; 'none' for no hours check"
    )
    exit_hours: tuple[str, str] | None = Field(None, description="exits; None: venue's hours")
    exit_sessions: tuple[str, ...] | None = Field(None, description="exits; None: any")


class Holding(_Section):
    """Shares a dry-run starts with in one symbol."""

    qty: int = Field(gt=0, description="shares")
    avg_price: int = Field(gt=0, description="average cost per share, KRW")


class PaperConfig(_Section):
    cash: int = Field(100_000_000, ge=0, description="orderable KRW a dry-run starts with")
    holdings: dict[str, Holding] = Field(
        default_factory=dict, description='shares a dry-run starts with: "005930" = {...}'
    )

    @field_validator("holdings", mode="before")
    @classmethod
    def _symbols(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {normalize_symbol(k): h for k, h in v.items()}

    queue_ahead: int | Literal["through"] = Field(
        0, description="shares ahead of a resting limit at its price; 'through': trade-through only"
    )

    def matching(self) -> MatchConfig:
        """The paper venue's settings (docs/paper-fills.md)."""
        return MatchConfig(None if self.queue_ahead == "through" else self.queue_ahead)


class KiwoomConfig(_Section):
    """Live mode: which Kiwoom domain; production must be allowed here, explicitly."""

    domain: Literal["mock", "production"] | None = None  # None: KIWOOM_DOMAIN, else mock
    allow_production: bool = False
    # The wire (broker/kiwoom/settings.py): None keeps KiwoomSettings' default.
    query_rate: float | None = Field(None, gt=0, le=100)  # requests/s per api-id
    order_rate: float | None = Field(None, gt=0, le=100)
    api_rates: dict[str, float] = Field(default_factory=dict)  # {"ka10076": 0.5}
    order_budget: float | None = Field(None, gt=0, le=60)  # s an order may wait out 1700s
    ws_silence_timeout: float | None = Field(None, gt=0, le=600)  # stall threshold cap, s
    ws_stall_pings: float | None = Field(None, gt=1, le=100)  # missed PING intervals

    def wire_overrides(self) -> dict[str, object]:
        """The wire settings this section sets, for ``KiwoomSettings.load``."""
        names = ("query_rate", "order_rate", "order_budget", "ws_silence_timeout", "ws_stall_pings")
        values: dict[str, object] = {n: getattr(self, n) for n in names if getattr(self, n)}
        if self.api_rates:
            values["api_rates"] = dict(self.api_rates)
        return values


class CalendarConfig(_Section):
    """KRX closures the XKRX calendar misses (market/calendar.py)."""

    extra_closed: list[datetime.date] = Field(default_factory=list)


class NotifyConfig(_Section):
    """Where and when to notify (report/notify.py). The URLs may hold bot tokens or
    passwords: they are excluded from every dump, so they never reach the journal."""

    urls: tuple[str, ...] = Field((), exclude=True, description="apprise URLs")
    rejection_burst: int = Field(5, ge=1, description="rejections within the window")
    burst_window: float = Field(60.0, gt=0, description="seconds")
    disconnect_after: float = Field(30.0, gt=0, description="seconds without a connection")
    summary_at: str = Field("15:40", pattern=r"^\d{2}:\d{2}$", description="daily summary")


class AppConfig(_Section):
    journal: str = "autotrader.db"
    fees: FeesConfig = FeesConfig()
    risk: RiskConfig = RiskConfig()
    paper: PaperConfig = PaperConfig()
    journal_raw_frames: bool = False
    kiwoom: KiwoomConfig = KiwoomConfig()
    calendar: CalendarConfig = CalendarConfig()
    notify: NotifyConfig = NotifyConfig()

    def fee_model(self) -> Fees:
        return Fees(self.fees.commission_ppm, self.fees.sell_tax_ppm)

    def limits_for(self, override: RiskSpec) -> RiskLimits:
        """The limits in force for a strategy: the tighter of the global and its own for
        each limit; its own session policy (hours, sessions, VI block) where it sets one."""
        g = self.risk
        hours = override.trading_hours if override.trading_hours is not None else g.trading_hours
        start, end = (
            (0, 24 * 3600) if hours == "none" else (parse_hhmm(hours[0]), parse_hhmm(hours[1]))
        )
        exits = override.exit_hours or g.exit_hours

        def tight(name: str) -> Any:
            own = getattr(override, name, None)
            value = getattr(g, name)
            return value if own is None else min(own, value)

        def own(name: str) -> Any:
            value = getattr(override, name, None)
            return getattr(g, name) if value is None else value

        explicit = frozenset(
            name
            for name in SESSION_SETTINGS
            if name in g.model_fields_set or getattr(override, name) is not None
        )
        return RiskLimits(
            max_order_value=tight("max_order_value"),
            max_position_qty=tight("max_position_qty"),
            trading_start=start,
            trading_end=end,
            max_order_qty=tight("max_order_qty"),
            max_position_value=tight("max_position_value"),
            max_gross_exposure=tight("max_gross_exposure"),
            max_open_orders=tight("max_open_orders"),
            daily_loss_limit=tight("daily_loss_limit"),
            exits_after_loss_limit=g.exits_after_loss_limit and own("exits_after_loss_limit"),
            max_orders_per_minute=tight("max_orders_per_minute"),
            max_orders_per_symbol_per_minute=tight("max_orders_per_symbol_per_minute"),
            duplicate_window=max(override.duplicate_window or 0.0, g.duplicate_window),
            max_price_deviation=tight("max_price_deviation"),
            allowed_sessions=own("allowed_sessions"),
            vi_blocks=own("vi_blocks"),
            exit_hours=None if exits is None else (parse_hhmm(exits[0]), parse_hhmm(exits[1])),
            exit_sessions=own("exit_sessions"),
            explicit=explicit,
        )


# The session policy's settings: a default one yields to a closing_notice rule.
SESSION_SETTINGS = ("trading_hours", "allowed_sessions", "exit_hours", "exit_sessions")


def parse_hhmm(text: str) -> int:
    """'09:00' or '15:19:30' -> seconds since midnight."""
    try:
        parts = [int(p) for p in text.split(":")]
        h, m, s = (parts + [0, 0])[:3]
        if len(parts) not in (2, 3) or not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
            raise ValueError
    except ValueError:
        raise ConfigError(f"not a time of day (HH:MM): {text!r}") from None
    return h * 3600 + m * 60 + s


def load_config(path: str | Path | None = None) -> AppConfig:
    """Load configuration; a missing default file means all defaults."""
    p = Path(path) if path is not None else Path(DEFAULT_CONFIG_FILE)
    if not p.exists():
        if path is not None:
            raise ConfigError(f"configuration file not found: {p}")
        return AppConfig()
    data, text = read_toml(p)
    problems = unknown_toml_keys(data, AppConfig, text) + bad_numbers(data)
    if problems:
        raise ConfigError(f"{p}: " + "; ".join(problems))
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        invalid = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{p}: {invalid}") from None
