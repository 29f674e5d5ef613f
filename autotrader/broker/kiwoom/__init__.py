"""The Kiwoom REST/websocket client: settings, REST calls, realtime feed and the broker."""

from autotrader.broker.kiwoom.account import AccountQueries, Balance, OpenOrder
from autotrader.broker.kiwoom.auth import TokenManager
from autotrader.broker.kiwoom.broker import AccountSnapshot, KiwoomBroker
from autotrader.broker.kiwoom.codes import error_from_answer
from autotrader.broker.kiwoom.realtime import RealtimeClient, RealtimeError
from autotrader.broker.kiwoom.reconcile import Resolution
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.broker.kiwoom.settings import KiwoomSettings

__all__ = [
    "AccountQueries",
    "AccountSnapshot",
    "Balance",
    "KiwoomBroker",
    "KiwoomRest",
    "KiwoomSettings",
    "OpenOrder",
    "RealtimeClient",
    "RealtimeError",
    "Resolution",
    "TokenManager",
    "error_from_answer",
]
