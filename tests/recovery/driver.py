"""Test-only: the crash tests' live engine in a subprocess (``autotrader/drill/child.py``,
which the drill's kill -9 profile also runs), with a 1 s order timeout.

    python tests/recovery/driver.py STRATEGY JOURNAL
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from autotrader.drill.child import main

if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), settings={"order_timeout": 1.0}))
