"""Diagnosis by replay: why a rule did or did not fire (replays the run's tape through the
engine with one rule observed). It sits above the engine, like ``sweep``, not in ``report``."""
