"""A local stand-in for Kiwoom's REST and websocket servers, with fault injection.

No machine here reaches Kiwoom, so the live path is tested against this server; it
follows the guide and NOTES.md so that a client passing here would pass against Kiwoom.
"""

from autotrader.fake_kiwoom.faults import Faults
from autotrader.fake_kiwoom.server import FakeKiwoom

__all__ = ["FakeKiwoom", "Faults"]
