"""The insert-time index keys (``DbIndex.put_key``) equal the general ones (``DbIndex.key``)."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test.engine.store import DbIndex
from convex_test.values.order import concat_sort_keys, float_key
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
    ct = float_key(doc["_creationTime"])
    assert index.put_key(doc, ct, doc["_id"]) == index.key(doc)


@pytest.mark.parametrize("fields", FIELDS)
@pytest.mark.parametrize("doc", DOCS)
def test_key_is_the_concatenated_sort_keys(fields: tuple[str, ...], doc: dict[str, Any]) -> None:
    index = DbIndex("by_x", fields)
    assert index.key(doc) == concat_sort_keys(index.values_of(doc))
    assert index.key(doc)[-1] == doc["_id"]


@pytest.mark.parametrize("doc", DOCS)
def test_put_key_by_id(doc: dict[str, Any]) -> None:
    index = DbIndex("by_id", (), by_id=True)
    ct = float_key(doc["_creationTime"])
    assert index.put_key(doc, ct, doc["_id"]) == index.key(doc)
