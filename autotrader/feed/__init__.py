"""Market data in Kiwoom's realtime format: the frame decoder, tapes, synthetic days."""

from autotrader.feed.kiwoom import FeedCounters, FrameDecoder

__all__ = ["FeedCounters", "FrameDecoder"]
