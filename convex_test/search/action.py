"""``ctx.vector_search`` of actions: resolve the index, check the query, run it.

Vector search exists only in actions (``ctx.vectorSearch`` in JS), so it reads the
committed data: each call runs in its own read-only transaction of the action's
namespace (the app or a component).  Results are ``[{"_id": id, "_score": cosine}]``,
best first, ties broken by the larger document ID as the backend sorts them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from convex_test import errors
from convex_test._guards import checked_call

if TYPE_CHECKING:
    from convex_test.engine.store import Store

__all__ = ["VECTOR_QUERY_KEYS", "vector_search_for"]

VECTOR_QUERY_KEYS: Final = ("vector", "limit", "filter")

VectorSearch = Callable[[str, str, Mapping[str, Any]], list[dict[str, Any]]]


def _name_arg(value: Any, position: int, name: str) -> str:
    if not isinstance(value, str):
        raise errors.query_arg_error(position, name, "vectorSearch", "a string", value)
    return value


def _check_query(query: Any) -> tuple[Any, Any, Any]:
    if not isinstance(query, Mapping):
        raise errors.query_arg_error(
            3, "query", "vectorSearch", 'a dict like {"vector": [...], "limit": 10}', query
        )
    for key in query:
        if key not in VECTOR_QUERY_KEYS:
            raise errors.ConvexTestError(
                errors.VECTOR_SEARCH_UNKNOWN_OPTION.format(
                    key=key, hint=errors.did_you_mean(str(key), VECTOR_QUERY_KEYS)
                )
            )
    return query.get("vector"), query.get("limit"), query.get("filter")


def vector_search_for(store: Store, namespace: str) -> VectorSearch:
    """The ``ctx.vector_search(table, index, query)`` of an action running in ``namespace``."""

    @checked_call("ctx.vector_search")
    def vector_search(table: str, index: str, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The ``limit`` (default 10, at most 256) documents nearest to ``query["vector"]``.

        ``query`` is ``{"vector": [...], "limit"?: n, "filter"?: lambda q: ...}`` where the
        filter combines ``q.eq(field, value)`` on the index's filter fields with
        ``q.or_(...)``.  Returns ``[{"_id": id, "_score": cosine similarity}]``, best first.
        """
        table = _name_arg(table, 1, "tableName")
        index = _name_arg(index, 2, "indexName")
        vector, limit, filter_fn = _check_query(query)
        txn = store.begin(read_only=True)
        try:
            vector_index = txn.vector_index(namespace, table, index)
            txn.record_index_range()
            hits = vector_index.search(vector, limit=limit, filter=filter_fn)
        finally:
            txn.rollback()
        return [{"_id": doc_id, "_score": score} for doc_id, score in hits]

    return vector_search
