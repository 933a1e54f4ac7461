"""The validator's durable state in SQLite: balance list, deny list, fare
tables and the hash-chained tap journal, behind one locked writer connection.
"""

from offline_store.card_import import CardRow, parse_cards_csv
from offline_store.db import wal_reset_bug
from offline_store.errors import CardImportError, StoreUnavailable
from offline_store.hashing import GENESIS_HASH, row_hash
from offline_store.journal import JournalCheck, JournalRow, TapRecord, TokenUse
from offline_store.store import OfflineStore, StoreHealth

__all__ = [
    "GENESIS_HASH",
    "CardImportError",
    "CardRow",
    "JournalCheck",
    "JournalRow",
    "OfflineStore",
    "StoreHealth",
    "StoreUnavailable",
    "TapRecord",
    "TokenUse",
    "parse_cards_csv",
    "row_hash",
    "wal_reset_bug",
]
