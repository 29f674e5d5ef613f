"""Test-only crash points: SIGKILL the process at a named step of an order's life.

The crash tests (``tests/recovery/``) run a live engine in a subprocess with
``AUTOTRADER_CRASH_AT=<step>`` and restart it after it died, to prove that recovery
leaves no duplicate order and no lost fill. Without the variable ``crash_point`` does
nothing (one comparison with None); never set it outside those tests.

Steps (where the call sits):

* ``before-send``: ``KiwoomBroker.submit`` - the intent is committed, the request not sent;
  ``before-send:<action>`` (``before-send:cancel``...) the same for that action only;
* ``after-send``: ``KiwoomBroker`` - Kiwoom answered the request, nobody has read it;
  ``after-send:<action>`` (``after-send:modify``...) the same for that action only;
* ``after-<Event>``: ``LiveRunner`` - a broker event (``OrderAccepted``, ``OrderFilled``,
  ``OrderOutcomeUnknown``...) was handled and the journal flushed.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "AUTOTRADER_CRASH_AT"
_STEP = os.environ.get(CRASH_ENV) or None  # read once: the check costs nothing per call


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL (no cleanup, like a power cut) if ``step`` is the
    one ``AUTOTRADER_CRASH_AT`` names; otherwise return at once."""
    if _STEP is not None and step == _STEP:
        os.kill(os.getpid(), signal.SIGKILL)
