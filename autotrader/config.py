"""Application configuration: fees, global risk limits, journal location.

Read from a TOML file (``autotrader.toml`` in the working directory, or ``--config``);
every value has a safe default so a dry-run needs no configuration at all. Secrets are
never read from here or from strategy files: the Kiwoom client takes them from the
environment.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autotrader.errors import ConfigError
from autotrader.market.fees import Fees
from autotrader.risk.checks import RiskLimits
from autotrader.rules.schema import RiskSpec

DEFAULT_CONFIG_FILE = "autotrader.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeesConfig(_Section):
    commission_ppm: int = Field(150, ge=0, le=10_000, description="0.015% = 150 ppm a side")
    sell_tax_ppm: int = Field(2_000, ge=0, le=10_000, description="0.20% = 2,000 ppm")


class RiskConfig(_Section):
    max_order_value: int = Field(10_000_000, gt=0)
    max_position_qty: int = Field(1_000, gt=0)
    trading_hours: tuple[str, str] = ("09:00", "15:20")


class KiwoomConfig(_Section):
    """Live mode: which Kiwoom domain; production must be allowed here, explicitly."""

    domain: Literal["mock", "production"] | None = None  # None: KIWOOM_DOMAIN, else mock
    allow_production: bool = False


class AppConfig(_Section):
    journal: str = "autotrader.db"
    fees: FeesConfig = FeesConfig()
    risk: RiskConfig = RiskConfig()
    kiwoom: KiwoomConfig = KiwoomConfig()

    def fee_model(self) -> Fees:
        return Fees(self.fees.commission_ppm, self.fees.sell_tax_ppm)

    def limits_for(self, override: RiskSpec) -> RiskLimits:
        """Global limits with a strategy's own limits taking precedence."""
        start, end = override.trading_hours or self.risk.trading_hours
        return RiskLimits(
            max_order_value=override.max_order_value or self.risk.max_order_value,
            max_position_qty=override.max_position_qty or self.risk.max_position_qty,
            trading_start=parse_hhmm(start),
            trading_end=parse_hhmm(end),
        )


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
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        return AppConfig.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{p}: {problems}") from None
