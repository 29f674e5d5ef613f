"""Live trading: the only stage that wires the engine to Kiwoom (``broker.kiwoom``).

``runner`` (the live run, start-up to shutdown), ``account`` (positions, cash and open
orders from the account at start), ``doubt`` (orders whose request outcome is unknown,
reconciled, never resent) and ``recovery`` (what an earlier run left unfinished). Import
the module you need: this package file stays light.
"""
