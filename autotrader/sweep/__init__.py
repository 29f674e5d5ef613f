"""Parameter sweeps: a grid (or random points) of a strategy's params, one run each."""

from autotrader.sweep.grid import parse_param_options, points
from autotrader.sweep.runner import SweepOptions, run_sweep

__all__ = ["SweepOptions", "parse_param_options", "points", "run_sweep"]
