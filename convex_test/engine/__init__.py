"""The in-memory engine: the document store, transactions, ``ctx.db`` and queries.

The runner (``engine/execution.py``) drives it like this::

    store = Store(clock)                       # one per backend
    store.add_namespace("", schema)            # the app; components by path
    txn = store.begin(read_only=False)         # per top-level query/mutation
    db = DatabaseWriter(txn, "")               # ctx.db (DatabaseReader for queries)
    sp = txn.savepoint(); ...; txn.rollback_to(sp)   # nested run_mutation that raised
    txn.commit()  # or txn.rollback()
"""

from __future__ import annotations

from convex_test.engine.database import (
    DatabaseReader,
    DatabaseWriter,
    SystemReader,
    TableReader,
    TableWriter,
)
from convex_test.engine.store import ClockLike, NamespaceData, Store, Table
from convex_test.engine.transaction import (
    Transaction,
    TransactionLimitError,
    TransactionLimits,
)

__all__ = [
    "ClockLike",
    "DatabaseReader",
    "DatabaseWriter",
    "NamespaceData",
    "Store",
    "SystemReader",
    "Table",
    "TableReader",
    "TableWriter",
    "Transaction",
    "TransactionLimitError",
    "TransactionLimits",
]
