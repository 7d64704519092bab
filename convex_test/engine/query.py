"""The query builder: ``ctx.db.query(table)...`` and how queries run.

A query is a source (full table scan, index range, or search) followed by operators
(filters and a limit), like the backend's ``Query``.  The builder objects follow the JS
client's state machine (a query can be chained once; iteration starts once) and its
errors; index ranges follow the backend's rules (``IndexRange::compile``).

An index range becomes a pair of bounds on the index's sorted key list
(:func:`~convex_test.engine.store.key_range`): ``take(10)`` reads ten keys whatever the
table size.  Iterating a query reads lazily, in growing chunks, so writes made while
iterating are seen from the next chunk on (as the backend reads batches); ``collect``,
``take``, ``first``, ``unique`` and ``paginate`` run no user code until they return, so
they read in one pass.  Filters run after the index scan and the documents they reject
still count as read.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from convex_test import errors
from convex_test._guards import call_callback, checked_arity
from convex_test.engine.filters import compile_filter
from convex_test.engine.store import (
    BY_CREATION_TIME,
    DbIndex,
    Table,
    copy_doc,
    key_range,
    split_path,
)
from convex_test.values.display import display_value
from convex_test.values.order import MAX_TAG, concat_sort_keys, sort_key
from convex_test.values.types import UNDEFINED, Int64, convert

if TYPE_CHECKING:
    from convex_test.engine.database import DatabaseReader
    from convex_test.engine.transaction import Transaction

__all__ = [
    "IndexRangeBuilder",
    "Query",
    "QueryInitializer",
    "SearchFilterBuilder",
]

MAX_QUERY_OPERATORS: Final = 256
_FIRST_CHUNK: Final = 64
_MAX_CHUNK: Final = 4096

# Range expression operators.
EQ: Final = "Eq"
GT: Final = "Gt"
GTE: Final = "Gte"
LT: Final = "Lt"
LTE: Final = "Lte"
_COMPARATORS: Final = {GT: ">", GTE: ">=", LT: "<", LTE: "<="}

RangeExpr = tuple[str, str, Any]  # (operator, field path, value)


def _field_arg(value: Any, method: str) -> str:
    if not isinstance(value, str):
        raise errors.query_arg_error(1, "fieldName", method, "a field path string", value)
    return value


def _range_value(value: Any) -> Any:
    cls = type(value)
    # Canonical immutable scalars are their own conversion (ASCII text cannot hold a
    # lone surrogate); anything else takes the checked path.
    if cls is str:
        if value.isascii():
            return value
    elif cls is float or cls is bool or cls is Int64 or value is None:
        return value
    return UNDEFINED if value is UNDEFINED else convert(value)


@checked_arity("q")
class IndexRangeBuilder:
    """The ``q`` of ``.with_index(name, lambda q: q.eq(...).gt(...))``.

    Each method returns a new builder; a builder can be used once.
    """

    __slots__ = ("_consumed", "_exprs")

    def __init__(self, exprs: tuple[RangeExpr, ...] = ()) -> None:
        self._exprs = exprs
        self._consumed = False

    def _consume(self) -> None:
        if self._consumed:
            raise errors.ConvexTestError(errors.RANGE_BUILDER_REUSED)
        self._consumed = True

    def _add(self, op: str, method: str, field: Any, value: Any) -> IndexRangeBuilder:
        self._consume()
        path = _field_arg(field, method)
        return IndexRangeBuilder((*self._exprs, (op, path, _range_value(value))))

    def eq(self, field: str, value: Any) -> IndexRangeBuilder:
        """``field == value`` (``UNDEFINED`` matches a missing field)."""
        return self._add(EQ, "eq", field, value)

    def gt(self, field: str, value: Any) -> IndexRangeBuilder:
        """Lower bound ``field > value``."""
        return self._add(GT, "gt", field, value)

    def gte(self, field: str, value: Any) -> IndexRangeBuilder:
        """Lower bound ``field >= value``."""
        return self._add(GTE, "gte", field, value)

    def lt(self, field: str, value: Any) -> IndexRangeBuilder:
        """Upper bound ``field < value``."""
        return self._add(LT, "lt", field, value)

    def lte(self, field: str, value: Any) -> IndexRangeBuilder:
        """Upper bound ``field <= value``."""
        return self._add(LTE, "lte", field, value)

    def export(self) -> tuple[RangeExpr, ...]:
        """The recorded range expressions (consumes the builder)."""
        self._consume()
        return self._exprs

    _export = export  # unchecked, for the engine (see Query._collect)

    def __repr__(self) -> str:
        return f"IndexRangeBuilder({list(self._exprs)!r})"


@checked_arity("q")
class SearchFilterBuilder:
    """The ``q`` of ``.with_search_index(name, lambda q: q.search(f, text).eq(g, v))``."""

    __slots__ = ("_consumed", "_filters")

    def __init__(self, filters: tuple[RangeExpr, ...] = ()) -> None:
        self._filters = filters
        self._consumed = False

    def _consume(self) -> None:
        if self._consumed:
            raise errors.ConvexTestError(errors.SEARCH_BUILDER_REUSED)
        self._consumed = True

    def search(self, field: str, query: str) -> SearchFilterBuilder:
        """Full-text search ``query`` in the index's search field."""
        path = _field_arg(field, "search")
        if not isinstance(query, str):
            raise errors.query_arg_error(2, "query", "search", "a string", query)
        self._consume()
        return SearchFilterBuilder((*self._filters, ("Search", path, query)))

    def eq(self, field: str, value: Any) -> SearchFilterBuilder:
        """Equality on a filter field (``UNDEFINED`` matches a missing field)."""
        path = _field_arg(field, "eq")
        converted = _range_value(value)
        self._consume()
        return SearchFilterBuilder((*self._filters, (EQ, path, converted)))

    def export(self) -> tuple[RangeExpr, ...]:
        """The recorded filters (consumes the builder)."""
        self._consume()
        return self._filters

    _export = export  # unchecked, for the engine (see Query._collect)

    def __repr__(self) -> str:
        return f"SearchFilterBuilder({list(self._filters)!r})"


# ---------------------------------------------------------------------------------
# Plans and sources
# ---------------------------------------------------------------------------------


class Plan:
    """What a query reads: the source plus its operators (the serialized query)."""

    __slots__ = ("index_name", "operators", "order", "range", "reader", "search", "table_name")

    def __init__(self, reader: DatabaseReader, table_name: str) -> None:
        self.reader = reader
        self.table_name = table_name
        self.index_name: str | None = None  # None: full table scan
        self.range: tuple[RangeExpr, ...] = ()
        self.search: tuple[RangeExpr, ...] | None = None
        self.order: str | None = None
        # ("filter", test, fingerprint) or ("limit", n, "")
        self.operators: list[tuple[str, Any, str]] = []

    def fingerprint(self, index_fields: tuple[str, ...]) -> str:
        """A hash of the query (not of page options): cursors are bound to it."""
        parts = [
            self.reader.namespace.path,
            self.table_name,
            self.index_name or "",
            "search" if self.search is not None else (self.order or "asc"),
            repr(index_fields),
            repr([(op, f, sort_key(v)) for op, f, v in self.range]),
            repr(
                [(op, f, v if op == "Search" else sort_key(v)) for op, f, v in (self.search or ())]
            ),
            repr([(kind, fp if kind == "filter" else arg) for kind, arg, fp in self.operators]),
        ]
        text = "\x1f".join(parts)
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()

    def open(self, *, search_limit: int | None = None) -> Source:
        """Resolve the table and index, validate the range; return the source.

        ``search_limit``: the caller reads at most that many search results.
        """
        reader = self.reader
        table = reader.namespace.tables.get(self.table_name)
        if self.search is not None:
            return _search_source(self, table, search_limit)
        if self.index_name is None:
            if table is None:
                return EmptySource()
            index = table.indexes[BY_CREATION_TIME]
            return IndexSource(reader.txn, table, index, (), self.order == "desc")
        index = _find_db_index(table, self.table_name, self.index_name)
        assert table is not None
        return IndexSource(reader.txn, table, index, self.range, self.order == "desc")


def _find_db_index(table: Table | None, table_name: str, index_name: str) -> DbIndex:
    if table is None:
        raise errors.ConvexTestError(
            errors.INDEX_NOT_FOUND.format(table=table_name, index=index_name, hint="")
        )
    index = table.db_index(index_name)
    if index is not None:
        return index
    if index_name in table.search_indexes or index_name in table.vector_indexes:
        raise errors.ConvexTestError(
            errors.INDEX_NOT_DATABASE.format(table=table_name, index=index_name)
        )
    raise errors.ConvexTestError(
        errors.INDEX_NOT_FOUND.format(
            table=table_name,
            index=index_name,
            hint=errors.did_you_mean(index_name, table.index_names()),
        )
    )


class Source:
    """Where a query's rows come from, in query order.

    ``rows(after, until)`` yields ``(position key, document)`` strictly after the
    position ``after`` and up to ``until`` inclusive (``None``: unbounded), recording
    each read document on the transaction.  Positions are comparable tuples;
    ``position_values``/``position_key`` convert them to and from cursor values.
    """

    index_fields: tuple[str, ...] = ()

    def rows(
        self, after: tuple[Any, ...] | None = None, until: tuple[Any, ...] | None = None
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        raise NotImplementedError  # pragma: no cover

    def position_values(self, key: tuple[Any, ...], doc: dict[str, Any]) -> list[Any]:
        raise NotImplementedError  # pragma: no cover

    def position_key(self, values: list[Any]) -> tuple[Any, ...]:
        raise NotImplementedError  # pragma: no cover

    @property
    def max_candidates(self) -> int | None:
        return None


class EmptySource(Source):
    """A full scan of a table that does not exist."""

    # The fields of the table's by_creation_time once it exists: a cursor from this
    # (empty) query stays valid for the same query after the first insert.
    index_fields = DbIndex(BY_CREATION_TIME, ()).fields

    def rows(
        self, after: tuple[Any, ...] | None = None, until: tuple[Any, ...] | None = None
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        return iter(())

    def position_values(self, key: tuple[Any, ...], doc: dict[str, Any]) -> list[Any]:
        return [doc["_creationTime"], doc["_id"]]  # pragma: no cover - no rows

    def position_key(self, values: list[Any]) -> tuple[Any, ...]:
        return concat_sort_keys(values)


def _plain_path(path: str) -> bool:
    # split_path trims leading/trailing dots: without them a path is its own normal form.
    return path[:1] != "." and path[-1:] != "."


def _fast_range(
    fields: tuple[str, ...], exprs: tuple[RangeExpr, ...]
) -> tuple[tuple[Any, ...], bool, tuple[Any, ...], bool] | None:
    """The bounds of the usual range (equalities on the leading index fields in order,
    then at most one lower and one upper bound on the next field), or ``None`` for
    anything else, which :func:`_compile_range_checked` checks and reports in full."""
    count = len(fields)
    values: list[Any] = []
    i = 0
    for op, path, value in exprs:
        if op != EQ:
            break
        if i >= count or path != fields[i] or not _plain_path(path) or path in fields[:i]:
            return None
        values.append(value)
        i += 1
    lower: tuple[str, Any] | None = None
    upper: tuple[str, Any] | None = None
    if i < len(exprs):
        if i >= count:
            return None
        field = fields[i]
        if not _plain_path(field) or field in fields[:i]:
            return None
        for op, path, value in exprs[i:]:
            if path != field:
                return None
            if op in (LT, LTE):
                if upper is not None:
                    return None
                upper = (op, value)
            elif op in (GT, GTE):
                if lower is not None:
                    return None
                lower = (op, value)
            else:
                return None
    return _range_bounds(values, lower, upper)


def _range_bounds(
    prefix_values: Iterable[Any],
    lower: tuple[str, Any] | None,
    upper: tuple[str, Any] | None,
) -> tuple[tuple[Any, ...], bool, tuple[Any, ...], bool]:
    """``(lo, lo_inclusive, hi, hi_inclusive)`` bounds on index keys for equalities on
    the leading index fields (``prefix_values``, in index order), then an optional
    ``lower`` (GT/GTE) and ``upper`` (LT/LTE) ``(op, value)`` bound on the next field."""
    prefix = concat_sort_keys(prefix_values)
    lo: tuple[Any, ...] = prefix
    hi: tuple[Any, ...] = (*prefix, MAX_TAG)
    if lower is not None:
        op, value = lower
        # gte: every key starting with prefix+value; gt: after all of them.
        lo = (*prefix, *sort_key(value)) if op == GTE else (*prefix, *sort_key(value), MAX_TAG)
    if upper is not None:
        op, value = upper
        hi = (*prefix, *sort_key(value)) if op == LT else (*prefix, *sort_key(value), MAX_TAG)
    return lo, True, hi, False


_FULL_RANGE: Final = _range_bounds((), None, None)
"""The bounds of an index read with no range: ``(), True, (MAX_TAG,), False``."""


def _compile_range(
    index: DbIndex, table_name: str, exprs: tuple[RangeExpr, ...]
) -> tuple[tuple[Any, ...], bool, tuple[Any, ...], bool]:
    """Index range -> ``(lo, lo_inclusive, hi, hi_inclusive)`` bounds on index keys."""
    fast = _fast_range(index.fields, exprs)
    if fast is not None:
        return fast
    return _compile_range_checked(index, table_name, exprs)


def _compile_range_checked(
    index: DbIndex, table_name: str, exprs: tuple[RangeExpr, ...]
) -> tuple[tuple[Any, ...], bool, tuple[Any, ...], bool]:
    """:func:`_compile_range` with every rule checked and reported."""
    label = f"{table_name}.{index.name}"
    equalities: dict[str, Any] = {}
    inequality_field: str | None = None
    lower: tuple[str, Any] | None = None
    upper: tuple[str, Any] | None = None
    for op, raw_path, value in exprs:
        path = ".".join(split_path(raw_path))
        if op == EQ:
            if path in equalities:
                raise errors.ConvexTestError(
                    errors.RANGE_ALREADY_DEFINED.format(
                        bound="equality",
                        field=path,
                        comparator="==",
                        value=display_value(equalities[path]),
                    )
                )
            equalities[path] = value
            continue
        is_upper = op in (LT, LTE)
        current = upper if is_upper else lower
        if current is not None:
            raise errors.ConvexTestError(
                errors.RANGE_ALREADY_DEFINED.format(
                    bound="upper" if is_upper else "lower",
                    field=path,
                    comparator=_COMPARATORS[op],
                    value=display_value(value),
                )
            )
        if inequality_field is not None and inequality_field != path:
            raise errors.ConvexTestError(
                errors.RANGE_MULTIPLE_FIELDS.format(
                    index=label, first=inequality_field, second=path
                )
            )
        inequality_field = path
        if is_upper:
            upper = (op, value)
        else:
            lower = (op, value)
    if inequality_field is not None and inequality_field in equalities:
        raise errors.ConvexTestError(
            errors.RANGE_ALREADY_DEFINED.format(
                bound="inequality",
                field=inequality_field,
                comparator="==",
                value=display_value(equalities[inequality_field]),
            )
        )
    fields = index.fields
    rank = {f: i for i, f in enumerate(fields)}
    shown_fields = "[" + ", ".join(f'"{f}"' for f in index.display_fields) + "]"
    for path in (*equalities, *([inequality_field] if inequality_field else [])):
        if path not in rank:
            raise errors.ConvexTestError(
                errors.RANGE_FIELD_NOT_IN_INDEX.format(field=path, index=label, fields=shown_fields)
            )
    equality_paths = sorted(equalities, key=rank.__getitem__)
    used = list(equality_paths)
    if inequality_field is not None:
        used.append(inequality_field)
    for position, path in enumerate(used):
        if position >= len(fields) or fields[position] != path:
            query_fields = "[" + ", ".join(f'"{f}"' for f in used) + "]"
            raise errors.ConvexTestError(
                errors.RANGE_FIELDS_OUT_OF_ORDER.format(
                    index=label, fields=shown_fields, query_fields=query_fields, field=path
                )
            )
    return _range_bounds((equalities[p] for p in equality_paths), lower, upper)


class IndexSource(Source):
    """Rows of a database index range, read lazily in growing chunks."""

    __slots__ = ("desc", "hi", "hi_inclusive", "index", "lo", "lo_inclusive", "table", "txn")

    def __init__(
        self,
        txn: Transaction,
        table: Table,
        index: DbIndex,
        exprs: tuple[RangeExpr, ...],
        desc: bool,
    ) -> None:
        self.txn = txn
        self.table = table
        self.index = index
        self.desc = desc
        self.index_fields = index.fields
        if exprs:
            self.lo, self.lo_inclusive, self.hi, self.hi_inclusive = _compile_range(
                index, table.name, exprs
            )
        else:
            self.lo, self.lo_inclusive, self.hi, self.hi_inclusive = _FULL_RANGE

    def _bounds(
        self, after: tuple[Any, ...] | None, until: tuple[Any, ...] | None
    ) -> tuple[tuple[Any, ...], bool, tuple[Any, ...], bool]:
        lo, lo_inc, hi, hi_inc = self.lo, self.lo_inclusive, self.hi, self.hi_inclusive
        desc = self.desc
        if after is not None:
            if desc:
                if after < hi or (after == hi and hi_inc):
                    hi, hi_inc = after, False
            elif after > lo or (after == lo and lo_inc):
                lo, lo_inc = after, False
        if until is not None:
            if desc:
                if until > lo:
                    lo, lo_inc = until, True
            elif until < hi:
                hi, hi_inc = until, True
        return lo, lo_inc, hi, hi_inc

    def rows(
        self,
        after: tuple[Any, ...] | None = None,
        until: tuple[Any, ...] | None = None,
        *,
        chunk: int = _FIRST_CHUNK,
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        lo, lo_inc, hi, hi_inc = self._bounds(after, until)
        return self._scan(lo, lo_inc, hi, hi_inc, chunk)

    # Eager reads, for callers that run no user code until they are done (collect,
    # take, first, unique, paginate): no write can happen in between, so one pass over
    # the index equals the chunked lazy scan, without its per-row generator layers.

    def read_block(
        self,
        count: int | None,
        after: tuple[Any, ...] | None = None,
        until: tuple[Any, ...] | None = None,
    ) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]], int] | None:
        """The next ``count`` (``None``: all) rows as ``(keys, documents, total size)``,
        recorded as read in one step; ``None`` (nothing recorded) when they would cross
        a read limit of the transaction, which the row-by-row scan then reports at the
        exact row."""
        txn = self.txn
        limits = txn.limits
        room = limits.documents_read - txn.documents_read
        if room < 0:
            return None
        take = room + 1 if count is None or count > room else count
        lo, lo_inc, hi, hi_inc = self._bounds(after, until)
        batch = key_range(self.index.sorted_keys(), lo, lo_inc, hi, hi_inc, self.desc, take)
        ids = [key[-1] for key in batch]
        table = self.table
        try:
            docs = list(map(table.docs.__getitem__, ids))
        except KeyError:  # pragma: no cover - the indexes follow the documents
            return None
        size = sum(map(table.sizes.__getitem__, ids))
        if len(ids) > room or txn.bytes_read + size > limits.bytes_read:
            return None
        txn.documents_read += len(ids)
        txn.bytes_read += size
        return batch, docs, size

    def read_filtered(
        self, limit: int | None, test: Callable[[dict[str, Any]], bool]
    ) -> list[dict[str, Any]]:
        """The first ``limit`` (``None``: all) documents passing ``test``; every document
        looked at counts as read."""
        keys = self.index.sorted_keys()
        docs = self.table.docs
        sizes = self.table.sizes
        txn = self.txn
        max_docs = txn.limits.documents_read
        max_bytes = txn.limits.bytes_read
        out: list[dict[str, Any]] = []
        for key in keys.irange(self.lo, self.hi, (self.lo_inclusive, self.hi_inclusive), self.desc):
            doc_id = key[-1]
            doc = docs.get(doc_id)
            if doc is None:  # pragma: no cover - the indexes follow the documents
                continue
            size = sizes[doc_id]
            # Inlined Transaction.record_read, as in _scan.
            txn.documents_read += 1
            txn.bytes_read += size
            if txn.documents_read > max_docs or txn.bytes_read > max_bytes:
                txn.documents_read -= 1
                txn.bytes_read -= size
                txn.record_read(size)
            if test(doc):
                out.append(doc)
                if len(out) == limit:
                    break
        return out

    def _scan(
        self,
        lo: tuple[Any, ...],
        lo_inc: bool,
        hi: tuple[Any, ...],
        hi_inc: bool,
        chunk: int,
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        sorted_keys = self.index.sorted_keys
        docs = self.table.docs
        sizes = self.table.sizes
        txn = self.txn
        limits = txn.limits
        max_docs = limits.documents_read
        max_bytes = limits.bytes_read
        desc = self.desc
        while True:
            # Writes made between chunks (pending keys merged in) show from the next one.
            batch = key_range(sorted_keys(), lo, lo_inc, hi, hi_inc, desc, chunk)
            # Resolve documents now: later writes show up from the next chunk on.
            pairs = [(key, docs.get(key[-1])) for key in batch]
            for key, doc in pairs:
                if doc is None:
                    continue
                # Inlined Transaction.record_read (the hot loop of every query).
                txn.documents_read += 1
                txn.bytes_read += sizes[key[-1]]
                if txn.documents_read > max_docs or txn.bytes_read > max_bytes:
                    txn.documents_read -= 1
                    txn.bytes_read -= sizes[key[-1]]
                    txn.record_read(sizes[key[-1]])
                yield key, doc
            if len(batch) < chunk:
                return
            if desc:
                hi, hi_inc = batch[-1], False
            else:
                lo, lo_inc = batch[-1], False
            if chunk < _MAX_CHUNK:
                chunk = min(chunk * 4, _MAX_CHUNK)

    def position_values(self, key: tuple[Any, ...], doc: dict[str, Any]) -> list[Any]:
        return self.index.values_of(doc)

    def position_key(self, values: list[Any]) -> tuple[Any, ...]:
        if len(values) != len(self.index.fields):
            raise ValueError("cursor position does not fit the index")
        return concat_sort_keys(values)


class SearchSource(Source):
    """Search results in relevance order (at most 1024 may be read)."""

    __slots__ = ("results", "table", "txn")

    index_fields = ()

    def __init__(self, txn: Transaction, table: Table, results: list[tuple[str, float]]) -> None:
        self.txn = txn
        self.table = table
        self.results = results

    @property
    def max_candidates(self) -> int | None:
        from convex_test.search.text import MAX_CANDIDATE_REVISIONS

        return int(MAX_CANDIDATE_REVISIONS)

    def rows(
        self, after: tuple[Any, ...] | None = None, until: tuple[Any, ...] | None = None
    ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        from convex_test.search.text import MAX_CANDIDATE_REVISIONS, scanned_too_many

        docs = self.table.docs
        sizes = self.table.sizes
        record = self.txn.record_read
        fetched = 0
        # The backend loads the best 1024 candidates only (a later page never reaches
        # past them) and fails when asked for another row after reading 1024 of them,
        # even when no more match.
        for doc_id, score in self.results[:MAX_CANDIDATE_REVISIONS]:
            doc = docs.get(doc_id)
            if doc is None:
                continue
            key = (-score, -doc["_creationTime"], doc_id)
            if after is not None and key <= after:
                continue
            if until is not None and key > until:
                return
            fetched += 1
            record(sizes.get(doc_id, 0))
            yield key, doc
        if fetched == MAX_CANDIDATE_REVISIONS:
            raise scanned_too_many()

    def position_values(self, key: tuple[Any, ...], doc: dict[str, Any]) -> list[Any]:
        return [-key[0], doc["_creationTime"], doc["_id"]]

    def position_key(self, values: list[Any]) -> tuple[Any, ...]:
        score, creation_time, doc_id = values
        if not isinstance(doc_id, str):
            raise ValueError("bad search cursor")
        return (-float(score), -float(creation_time), doc_id)


def _search_source(plan: Plan, table: Table | None, limit: int | None = None) -> Source:
    from convex_test.search import text

    name = plan.index_name or ""
    if table is None:
        raise errors.ConvexTestError(
            errors.INDEX_NOT_FOUND.format(table=plan.table_name, index=name, hint="")
        )
    index = table.search_indexes.get(name)
    if index is None:
        if name in table.indexes or name in table.vector_indexes:
            raise errors.ConvexTestError(
                errors.INDEX_NOT_SEARCH.format(table=plan.table_name, index=name)
            )
        raise errors.ConvexTestError(
            errors.INDEX_NOT_FOUND.format(
                table=plan.table_name,
                index=name,
                hint=errors.did_you_mean(name, table.index_names()),
            )
        )
    filters = plan.search or ()
    search_text: str | None = None
    for op, _field, value in filters:
        if op == "Search":
            search_text = value
            break
    if search_text is None:
        raise text.missing_search_filter(name, plan.table_name, index.search_field)
    if not search_text:
        return SearchSource(plan.reader.txn, table, [])
    eqs: list[tuple[str, Any]] = []
    searches = 0
    for op, field, value in filters:
        path = ".".join(split_path(field))
        if op == "Search":
            text.check_search_field(name, plan.table_name, index.search_field, path)
            searches += 1
            text.check_single_search_filter(name, plan.table_name, path, searches)
        else:
            text.check_filter_field(name, plan.table_name, index.filter_fields, path)
            eqs.append((path, value))
    text.check_filter_count(name, plan.table_name, len(eqs))
    # The backend ranks at most 1024 candidates; a caller reading fewer rows (take(n) with
    # n <= 1024) only needs the best n of them: the ranking is a total order.
    top = (
        text.MAX_CANDIDATE_REVISIONS if limit is None else min(limit, text.MAX_CANDIDATE_REVISIONS)
    )
    results = index.search_with_scores(search_text, eqs, limit=top)
    return SearchSource(plan.reader.txn, table, results)


# ---------------------------------------------------------------------------------
# Running a plan
# ---------------------------------------------------------------------------------


def _operators(
    plan: Plan,
) -> tuple[list[Callable[[dict[str, Any]], bool]], int | None, bool] | None:
    """``(filters, limit, simple)`` of a plan (simple: filters, then at most one limit
    at the end), or ``None`` when a limit of 0 means nothing is read at all."""
    operators = plan.operators
    filters: list[Callable[[dict[str, Any]], bool]] = []
    limit: int | None = None
    simple = True
    last = len(operators) - 1
    for i, (kind, arg, _) in enumerate(operators):
        if kind == "limit":
            if arg == 0:
                # A limit of 0 never pulls from its input: nothing is read.
                return None
            if i != last:
                simple = False
            limit = arg if limit is None else min(limit, arg)
        else:
            filters.append(arg)
    return filters, limit, simple


def combine_filters(
    filters: list[Callable[[dict[str, Any]], bool]],
) -> Callable[[dict[str, Any]], bool]:
    """One test for chained ``.filter()`` calls: all of them, in order."""
    if len(filters) == 1:
        return filters[0]
    tests = tuple(filters)

    def all_pass(doc: dict[str, Any]) -> bool:
        # In order, stopping at the first failure (a later filter may raise); a plain
        # loop costs less per document than all() over a generator.
        for test in tests:  # noqa: SIM110
            if not test(doc):
                return False
        return True

    return all_pass


def run_plan(plan: Plan) -> Iterator[dict[str, Any]]:
    """The stored documents a plan returns, lazily (callers copy them)."""
    parsed = _operators(plan)
    if parsed is None:
        return iter(())
    filters, limit, simple = parsed
    source = plan.open()
    plan.reader.txn.record_index_range()
    if isinstance(source, IndexSource):
        chunk = _FIRST_CHUNK
        if limit is not None and not filters:
            chunk = min(limit, _MAX_CHUNK)
        rows = source.rows(chunk=chunk)
    else:
        rows = source.rows()
    if not simple:
        return _apply_operators(rows, plan.operators)
    docs: Iterator[dict[str, Any]]
    if not filters:
        docs = (doc for _, doc in rows)
    else:
        test = combine_filters(filters)
        docs = (doc for _, doc in rows if test(doc))
    return docs if limit is None else islice(docs, limit)


def collect_plan(plan: Plan) -> list[dict[str, Any]]:
    """Copies of the documents a plan returns, read eagerly.

    Same reads, results and errors as iterating :func:`run_plan`: filters are compiled
    expressions, so no user code runs (and nothing writes) before the result is built.
    """
    parsed = _operators(plan)
    if parsed is None:
        return []
    filters, limit, simple = parsed
    search_limit = None
    if simple and not filters and limit is not None:
        # The best `limit` search results are the first `limit` of the best 1024.
        search_limit = limit
    source = plan.open(search_limit=search_limit)
    plan.reader.txn.record_index_range()
    docs: list[dict[str, Any]]
    if not simple:
        docs = list(_apply_operators(source.rows(), plan.operators))
    elif isinstance(source, IndexSource):
        if filters:
            docs = source.read_filtered(limit, combine_filters(filters))
        else:
            block = source.read_block(limit)
            if block is not None:
                docs = block[1]
            else:
                rows = source.rows(chunk=_FIRST_CHUNK if limit is None else min(limit, _MAX_CHUNK))
                docs = [doc for _, doc in islice(rows, limit)]
    else:
        rows = source.rows()
        if filters:
            test = combine_filters(filters)
            docs = list(islice((doc for _, doc in rows if test(doc)), limit))
        else:
            docs = [doc for _, doc in islice(rows, limit)]
    if isinstance(source, (IndexSource, SearchSource)):
        return source.table.copy_docs(docs)
    return [copy_doc(doc) for doc in docs]


def _apply_operators(
    rows: Iterator[tuple[tuple[Any, ...], dict[str, Any]]],
    operators: list[tuple[str, Any, str]],
) -> Iterator[dict[str, Any]]:
    counts = [0] * len(operators)
    for _, doc in rows:
        done = False
        passed = True
        for i, (kind, arg, _) in enumerate(operators):
            if kind == "filter":
                if not arg(doc):
                    passed = False
                    break
            else:
                counts[i] += 1
                if counts[i] >= arg:
                    # A limit that is full never pulls again: the stream ends here.
                    done = True
        if passed:
            yield doc
        if done:
            return


# ---------------------------------------------------------------------------------
# The public builder objects
# ---------------------------------------------------------------------------------

_PREPARING: Final = 0
_CLOSED_STATE: Final = 1
_EXECUTING: Final = 2
_CONSUMED_STATE: Final = 3


def _check_order(order: Any) -> str:
    if order not in ("asc", "desc") or not isinstance(order, str):
        raise errors.query_arg_error(1, "order", "order", '"asc" or "desc"', order)
    return str(order)


_MAX_COUNT: Final = sys.maxsize


def _check_take(n: Any) -> int:
    if (
        isinstance(n, bool)
        or not isinstance(n, (int, float))
        or (isinstance(n, float) and not n.is_integer())
        or n < 0
    ):
        raise errors.ConvexTestError(errors.QUERY_TAKE)
    # A count beyond any possible result is "all of them" (islice wants <= sys.maxsize).
    return min(int(n), _MAX_COUNT)


@checked_arity("query")
class Query:
    """A query being built or run (``ctx.db.query(t).with_index(...)...``).

    Chaining (``order``, ``filter``, ``take``, ``paginate``) consumes the query and
    returns a new one; iteration can begin once.
    """

    __slots__ = ("_plan", "_state")

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self._state = _PREPARING

    def _take_plan(self) -> Plan:
        if self._state != _PREPARING:
            raise errors.ConvexTestError(errors.QUERY_CHAINED_ONCE)
        self._state = _CLOSED_STATE
        return self._plan

    def _begin(self) -> Plan:
        state = self._state
        if state != _PREPARING:
            if state == _EXECUTING:
                raise errors.ConvexTestError(errors.QUERY_ITERATION_ONCE)
            raise errors.ConvexTestError(
                errors.QUERY_CLOSED if state == _CLOSED_STATE else errors.QUERY_CONSUMED
            )
        self._state = _EXECUTING
        return self._plan

    def _start(self) -> Iterator[dict[str, Any]]:
        return run_plan(self._begin())

    def order(self, order: str) -> Query:
        """Scan in ``"asc"`` (default) or ``"desc"`` index order; at most once."""
        order = _check_order(order)
        plan = self._take_plan()
        if plan.search is not None:
            raise errors.ConvexTestError(errors.SEARCH_ORDER)
        if plan.order is not None:
            raise errors.ConvexTestError(errors.QUERY_ORDER_TWICE)
        plan.order = order
        return Query(plan)

    def filter(self, predicate: Callable[[Any], Any]) -> Query:
        """Keep documents for which ``predicate(q)`` evaluates to true (ANDed if chained)."""
        if predicate is None:
            raise errors.ConvexTestError(errors.FILTER_PREDICATE.format(value="None"))
        plan = self._take_plan()
        if len(plan.operators) >= MAX_QUERY_OPERATORS:
            raise errors.ConvexTestError(
                errors.QUERY_TOO_MANY_OPERATORS.format(limit=MAX_QUERY_OPERATORS)
            )
        test, fingerprint = compile_filter(predicate)
        plan.operators.append(("filter", test, fingerprint))
        return Query(plan)

    def limit(self, n: int) -> Query:
        """At most ``n`` results (what ``take`` uses)."""
        n = _check_take(n)
        plan = self._take_plan()
        plan.operators.append(("limit", n, ""))
        return Query(plan)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        docs = self._start()
        try:
            for doc in docs:
                yield copy_doc(doc)
        finally:
            self._state = _CONSUMED_STATE

    def collect(self) -> list[dict[str, Any]]:
        """Every result, as a list of document copies."""
        plan = self._begin()
        try:
            return collect_plan(plan)
        finally:
            self._state = _CONSUMED_STATE

    def take(self, n: int) -> list[dict[str, Any]]:
        """The first ``n`` results."""
        return self._limit(n)._collect()

    def first(self) -> dict[str, Any] | None:
        """The first result, or ``None``."""
        docs = self._take(1)
        return docs[0] if docs else None

    def unique(self) -> dict[str, Any] | None:
        """The single result, ``None`` if there is none; more than one raises."""
        table = self._plan.table_name
        docs = self._take(2)
        if not docs:
            return None
        if len(docs) == 2:
            raise errors.ConvexTestError(
                errors.QUERY_UNIQUE.format(table=table, first=docs[0]["_id"], second=docs[1]["_id"])
            )
        return docs[0]

    def paginate(self, opts: Any) -> dict[str, Any]:
        """One page: ``{"page", "isDone", "continueCursor", "splitCursor", "pageStatus"}``."""
        from convex_test.engine.pagination import check_options, paginate_plan

        options = check_options(opts)
        plan = self._take_plan()
        return paginate_plan(plan, options)

    # Unchecked twins for chaining inside the engine (@checked_arity wraps public names
    # only, and each wrapper costs ~0.1 us).
    _order = order
    _filter = filter
    _limit = limit
    _collect = collect
    _take = take
    _first = first
    _unique = unique
    _paginate = paginate

    def __repr__(self) -> str:
        plan = self._plan
        source = (
            f"search {plan.index_name}"
            if plan.search is not None
            else (f"index {plan.index_name}" if plan.index_name else "full table scan")
        )
        return f"<Query {plan.table_name} ({source})>"


@checked_arity("ctx.db.query(table)")
class QueryInitializer:
    """``ctx.db.query(table)``: pick a source, or use it directly as a full table scan."""

    __slots__ = ("_reader", "_table")

    def __init__(self, reader: DatabaseReader, table: str) -> None:
        self._reader = reader
        self._table = table

    def _plan(self) -> Plan:
        return Plan(self._reader, self._table)

    def with_index(
        self, index_name: str, range_fn: Callable[[IndexRangeBuilder], Any] | None = None
    ) -> Query:
        """Read the index ``index_name`` within the range that ``range_fn`` builds."""
        if not isinstance(index_name, str):
            raise errors.query_arg_error(1, "indexName", "withIndex", "a string", index_name)
        builder = IndexRangeBuilder()
        if range_fn is not None:
            if not callable(range_fn):
                raise errors.ConvexTestError(
                    errors.CALLBACK_NOT_CALLABLE.format(
                        what=errors.RANGE_FN_NOT_CALLABLE_WHAT,
                        example=errors.RANGE_FN_EXAMPLE,
                        value=display_value(range_fn),
                    )
                )
            builder = call_callback(
                range_fn, builder, what="The index range function", form="range_fn(q)"
            )
            if not isinstance(builder, IndexRangeBuilder):
                raise errors.ConvexTestError(
                    errors.RANGE_FN_RESULT.format(value=display_value(builder))
                )
        plan = self._plan()
        plan.index_name = index_name
        plan.range = builder._export()
        return Query(plan)

    def with_search_index(
        self, index_name: str, search_fn: Callable[[SearchFilterBuilder], Any]
    ) -> Query:
        """Full-text search with the search index ``index_name``."""
        if not isinstance(index_name, str):
            raise errors.query_arg_error(1, "indexName", "withSearchIndex", "a string", index_name)
        if search_fn is None or not callable(search_fn):
            raise errors.ConvexTestError(errors.SEARCH_FN_MISSING)
        builder = call_callback(
            search_fn, SearchFilterBuilder(), what="The search filter function", form="search_fn(q)"
        )
        if not isinstance(builder, SearchFilterBuilder):
            raise errors.ConvexTestError(
                errors.SEARCH_FN_RESULT.format(value=display_value(builder))
            )
        plan = self._plan()
        plan.index_name = index_name
        plan.search = builder._export()
        return Query(plan)

    def full_table_scan(self) -> Query:
        """Read the whole table in ``_creationTime`` order."""
        return Query(self._plan())

    def order(self, order: str) -> Query:
        """``full_table_scan().order(order)``."""
        return Query(self._plan())._order(order)

    def filter(self, predicate: Callable[[Any], Any]) -> Query:
        """``full_table_scan().filter(predicate)``."""
        return Query(self._plan())._filter(predicate)

    def limit(self, n: int) -> Query:
        """``full_table_scan().limit(n)``."""
        return Query(self._plan())._limit(n)

    def collect(self) -> list[dict[str, Any]]:
        """Every document of the table."""
        return Query(self._plan())._collect()

    def take(self, n: int) -> list[dict[str, Any]]:
        """The first ``n`` documents."""
        return Query(self._plan())._take(n)

    def first(self) -> dict[str, Any] | None:
        """The oldest document, or ``None``."""
        return Query(self._plan())._first()

    def unique(self) -> dict[str, Any] | None:
        """The table's only document (more than one raises)."""
        return Query(self._plan())._unique()

    def paginate(self, opts: Any) -> dict[str, Any]:
        """A page of the full table scan."""
        return Query(self._plan())._paginate(opts)

    def count(self) -> int:
        """The number of documents in the table."""
        reader = self._reader
        reader.txn.record_index_range()
        table = reader.namespace.tables.get(self._table)
        return 0 if table is None else len(table.docs)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(Query(self._plan()))

    def __repr__(self) -> str:
        return f"<QueryInitializer {self._table}>"
