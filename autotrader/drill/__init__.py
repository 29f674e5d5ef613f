"""Rehearse a strategy live against the fake Kiwoom under faults (``autotrader drill``).

One run per fault profile (``profiles.py``), each judged against the fake's own book
(``verdict.py``); see docs/drill.md.
"""

from autotrader.drill.profiles import PROFILES, select
from autotrader.drill.run import DrillReport, run_drill

__all__ = ["PROFILES", "DrillReport", "run_drill", "select"]
