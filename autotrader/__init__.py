"""autotrader: declarative, rule-based auto-trading for Korean stocks on Kiwoom."""

__version__ = "0.1.0"
