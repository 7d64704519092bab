"""The insert-time index keys (``DbIndex.put_key``) equal the general ones (``DbIndex.key``)."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test.engine.store import _TAG_FLOAT64, _TAG_STRING, DbIndex
from convex_test.values.order import float_key
from convex_test.values.types import Int64

DOCS: list[dict[str, Any]] = [
    {"_id": "abc", "_creationTime": 1.5, "a": "x", "b": 2.0, "c": {"d": "y"}},
    {"_id": "abd", "_creationTime": 2.5, "a": 3, "b": Int64(4), "c": [1, 2]},
    {"_id": "abe", "_creationTime": 3.5, "a": None, "b": True, "c": {"d": b"z"}},
    {"_id": "abf", "_creationTime": 4.5},
    {"_id": "abg", "_creationTime": 5.5, "a": "long " * 40, "b": "x", "c": {"d": "long " * 40}},
]

FIELDS: list[tuple[str, ...]] = [(), ("a",), ("a", "b"), ("b", "a"), ("c.d",), ("a", "c.d")]
FIELDS += [("a", "b", "c"), ("c",)]


@pytest.mark.parametrize("fields", FIELDS)
@pytest.mark.parametrize("doc", DOCS)
def test_put_key_matches_key(fields: tuple[str, ...], doc: dict[str, Any]) -> None:
    index = DbIndex("by_x", fields)
    ct = (_TAG_FLOAT64, float_key(doc["_creationTime"]))
    id_ = (_TAG_STRING, doc["_id"])
    assert index.put_key(doc, ct, id_) == index.key(doc)


@pytest.mark.parametrize("doc", DOCS)
def test_put_key_by_id(doc: dict[str, Any]) -> None:
    index = DbIndex("by_id", (), by_id=True)
    ct = (_TAG_FLOAT64, float_key(doc["_creationTime"]))
    id_ = (_TAG_STRING, doc["_id"])
    assert index.put_key(doc, ct, id_) == index.key(doc)
