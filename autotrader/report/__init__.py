"""Reports drawn from the journal."""

from autotrader.report.pnl import PnlSummary, realized_pnl
from autotrader.report.summary import print_report, report_data

__all__ = ["PnlSummary", "print_report", "realized_pnl", "report_data"]
