"""Helpers for driving the engine directly: Store -> Transaction -> DatabaseWriter."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from convex_test.engine import DatabaseReader, DatabaseWriter, Store, Transaction
from convex_test.schema.definition import define_schema, define_table
from convex_test.schema.validators import v
from convex_test.values.types import Int64

START = 1_735_689_600_000.0  # 2025-01-01T00:00:00Z


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def now_ms(self) -> float:
        return self.now


class Engine:
    """A store plus helpers that run "functions" as transactions."""

    def __init__(self, schema: Any = None, *, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.store = Store(self.clock)
        self.store.add_namespace("", schema)

    def begin(self, *, read_only: bool = False, namespace: str = "") -> tuple[Transaction, Any]:
        txn = self.store.begin(read_only=read_only)
        db: Any = DatabaseReader(txn, namespace) if read_only else DatabaseWriter(txn, namespace)
        return txn, db

    def mutation(self, fn: Callable[[DatabaseWriter], Any], namespace: str = "") -> Any:
        """Run ``fn(db)`` in a write transaction: commit, or roll back and re-raise."""
        txn, db = self.begin(namespace=namespace)
        try:
            result = fn(db)
        except BaseException:
            txn.rollback()
            raise
        txn.commit()
        return result

    def query(self, fn: Callable[[DatabaseReader], Any], namespace: str = "") -> Any:
        """Run ``fn(db)`` in a read-only transaction (always rolled back)."""
        txn, db = self.begin(read_only=True, namespace=namespace)
        try:
            return fn(db)
        finally:
            txn.rollback()

    def insert_many(self, table: str, docs: list[dict[str, Any]]) -> list[str]:
        return list(self.mutation(lambda db: [db.insert(table, d) for d in docs]))

    def snapshot(self, namespace: str = "") -> dict[str, Any]:
        """Every table's documents and index contents (for exact-state comparisons)."""
        ns = self.store.namespace(namespace)
        out: dict[str, Any] = {}
        for name, table in sorted(ns.tables.items()):
            indexes = {
                iname: list(index.sorted_keys()) if index.keys is not None else None
                for iname, index in table.indexes.items()
            }
            out[name] = {
                "docs": {k: dict(d) for k, d in table.docs.items()},
                "sizes": dict(table.sizes),
                "indexes": indexes,
                "search": {n: repr(i) for n, i in table.search_indexes.items()},
            }
        return out


def messages_schema(**kwargs: Any) -> Any:
    return define_schema(
        {
            "messages": define_table(
                {
                    "author": v.string(),
                    "body": v.string(),
                    "channel": v.optional(v.string()),
                    "n": v.optional(v.float64()),
                    "score": v.optional(v.float64()),
                }
            )
            .index("by_author", ["author"])
            .index("by_author_body", ["author", "body"])
            .index("by_author_n", ["author", "n"])
            .index("by_channel", ["channel"])
            .search_index("search_body", search_field="body", filter_fields=["author"]),
            "users": define_table({"name": v.string(), "age": v.optional(v.int64())}).index(
                "by_name", ["name"]
            ),
        },
        **kwargs,
    )


# The oracle scenario i_mixed_type_index_order: one document per kind of value.
MISSING_VALUE = object()
MIXED: list[tuple[str, Any]] = [
    ("missing", MISSING_VALUE),
    ("null", None),
    ("num:0", 0.0),
    ("num:-0", -0.0),
    ("num:-1", -1.0),
    ("num:1.5", 1.5),
    ("num:1e300", 1e300),
    ("num:NaN", math.nan),
    ("num:+Inf", math.inf),
    ("num:-Inf", -math.inf),
    ("int:2n", Int64(2)),
    ("int:-5n", Int64(-5)),
    ("int:0n", Int64(0)),
    ("bool:true", True),
    ("bool:false", False),
    ("str:empty", ""),
    ("str:a", "a"),
    ("str:B", "B"),
    ("str:Z", "Z"),
    ("str:aa", "aa"),
    ("str:ab", "ab"),
    ("str:e-acute", "\u00e9"),
    ("str:emoji", "\U0001f600"),
    ("str:ufffd", "\ufffd"),
    ("bytes:empty", b""),
    ("bytes:00", b"\x00"),
    ("bytes:0102", b"\x01\x02"),
    ("bytes:ff", b"\xff"),
    ("arr:[]", []),
    ("arr:[1]", [1.0]),
    ("arr:[1,2]", [1.0, 2.0]),
    ("arr:[2]", [2.0]),
    ("arr:[null]", [None]),
    ("arr:['a']", ["a"]),
    ("arr:[1n]", [Int64(1)]),
    ("obj:{}", {}),
    ("obj:{a:1}", {"a": 1.0}),
    ("obj:{a:2}", {"a": 2.0}),
    ("obj:{b:0}", {"b": 0.0}),
    ("obj:{a:1,b:2}", {"a": 1.0, "b": 2.0}),
    ("obj:{b:2,a:1}", {"b": 2.0, "a": 1.0}),
]

# i_mixed_type_index_order "asc", as observed through the real convex-test (whose index
# ordering uses Convex's compareValues, like the backend).
ORACLE_ASC = [
    "missing", "null", "int:-5n", "int:0n", "int:2n", "num:-Inf", "num:-1", "num:-0",
    "num:0", "num:1.5", "num:1e300", "num:+Inf", "num:NaN", "bool:false", "bool:true",
    "str:empty", "str:B", "str:Z", "str:a", "str:aa", "str:ab", "str:e-acute", "str:ufffd",
    "str:emoji", "bytes:empty", "bytes:00", "bytes:0102", "bytes:ff", "arr:[]", "arr:[null]",
    "arr:[1n]", "arr:[1]", "arr:[1,2]", "arr:[2]", "arr:['a']", "obj:{}", "obj:{a:1}",
    "obj:{a:1,b:2}", "obj:{b:2,a:1}", "obj:{a:2}", "obj:{b:0}",
]  # fmt: skip


def items_engine() -> Engine:
    schema = define_schema(
        {
            "items": define_table({"tag": v.string(), "value": v.optional(v.any())}).index(
                "by_value", ["value"]
            )
        }
    )
    eng = Engine(schema)
    eng.insert_many(
        "items",
        [
            {"tag": tag} if value is MISSING_VALUE else {"tag": tag, "value": value}
            for tag, value in MIXED
        ],
    )
    return eng
