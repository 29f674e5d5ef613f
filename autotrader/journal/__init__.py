"""The SQLite journal: the record of every run, decision, check, order and fill."""

from autotrader.journal.schema import SCHEMA_VERSION, open_journal
from autotrader.journal.writer import Journal

__all__ = ["SCHEMA_VERSION", "Journal", "open_journal"]
