"""Vector search: an exact cosine-similarity index with Convex's filter rules.

Production Convex runs an approximate (HNSW) index over f32 vectors; an exact search
over float64 is what a test wants.  Rules kept from the backend (``crates/vector``):

* a document is indexed only if its vector field is a list of exactly ``dimensions``
  Float64 numbers (plain ``int`` counts, ``Int64`` and ``bool`` do not);
* ``limit`` defaults to 10, at most 256; the query vector must have ``dimensions`` numbers;
* ``filter`` is ``q.eq(field, value)`` on filter fields combined with ``q.or_``; the
  result is the OR of all (field, value) pairs, even across fields; at most 64 distinct
  pairs; ``q.eq(f, UNDEFINED)`` matches a missing field;
* results are ``(doc id, cosine similarity)``, best first, equal scores broken by the
  larger document ID first (the backend sorts ``(score, id)`` descending); a zero vector
  scores 0.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, NoReturn

from convex_test import errors
from convex_test._guards import call_callback, checked_arity
from convex_test.search.quantized import Int8Rows, screen
from convex_test.search.text import _fields_list, field_paths, field_value, format_field_path
from convex_test.values.display import display_value
from convex_test.values.order import SortKey, sort_key
from convex_test.values.types import UNDEFINED, Int64, convert, int_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DEFAULT_VECTOR_LIMIT",
    "MAX_DIMENSIONS",
    "MAX_FILTER_LENGTH",
    "MAX_VECTOR_RESULTS",
    "MIN_DIMENSIONS",
    "VectorFilterBuilder",
    "VectorFilterExpression",
    "VectorIndex",
]

DEFAULT_VECTOR_LIMIT: Final = 10
MAX_VECTOR_RESULTS: Final = 256
MAX_FILTER_LENGTH: Final = 64
MIN_DIMENSIONS: Final = 2
MAX_DIMENSIONS: Final = 4096
_SCREEN_MIN_CELLS: Final = 1 << 16
"""Indexes of at least this many numbers (rows x dimensions) are searched in two passes."""
_SMALL_RANKING: Final = 64
"""Up to this many candidates are ranked in Python (numpy's per-call cost is higher)."""


# ---------------------------------------------------------------------------
# Filter expressions
# ---------------------------------------------------------------------------


class VectorFilterExpression:
    """A vector search filter built by :class:`VectorFilterBuilder`."""

    __slots__ = ()


class _Eq(VectorFilterExpression):
    __slots__ = ("field", "value")

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value

    def __repr__(self) -> str:
        return f"q.eq({self.field!r}, {self.value!r})"


class _Or(VectorFilterExpression):
    __slots__ = ("exprs",)

    def __init__(self, exprs: tuple[VectorFilterExpression, ...]) -> None:
        self.exprs = exprs

    def __repr__(self) -> str:
        return "q.or_(" + ", ".join(repr(e) for e in self.exprs) + ")"


def _equalities(expr: VectorFilterExpression) -> list[_Eq]:
    """The ``eq`` leaves of ``expr`` in order (iteratively: nesting depth is unbounded)."""
    leaves: list[_Eq] = []
    stack: list[VectorFilterExpression] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, _Eq):
            leaves.append(node)
        elif isinstance(node, _Or):
            stack.extend(reversed(node.exprs))
        else:
            raise errors.ConvexTestError(errors.VECTOR_INVALID_FILTER)
    return leaves


def _unsupported(operator: str) -> NoReturn:
    raise errors.ConvexTestError(errors.VECTOR_UNSUPPORTED_OPERATOR.format(operator=operator))


@checked_arity("q")
class VectorFilterBuilder:
    """The ``q`` of ``filter=lambda q: ...``: only :meth:`eq` and :meth:`or_` exist.

    The other filter operators are present only to fail with Convex's message.
    """

    __slots__ = ()

    def eq(self, field: str, value: Any) -> VectorFilterExpression:
        """``field == value`` on one of the index's filter fields."""
        if not isinstance(field, str):
            raise errors.ConvexTestError(errors.VECTOR_EQ_ARGS)
        # A canonical copy: unsupported or cyclic values fail here, with the value's path.
        return _Eq(field, value if value is UNDEFINED else convert(value))

    def or_(self, *exprs: VectorFilterExpression) -> VectorFilterExpression:
        """Matches documents matching any of ``exprs``; ``or_()`` alone filters nothing out."""
        for expr in exprs:
            if not isinstance(expr, VectorFilterExpression):
                raise errors.ConvexTestError(errors.VECTOR_INVALID_FILTER)
        return _Or(tuple(exprs))

    def and_(self, *exprs: Any) -> NoReturn:
        _unsupported("and_")

    def not_(self, expr: Any) -> NoReturn:
        _unsupported("not_")

    def neq(self, left: Any, right: Any) -> NoReturn:
        _unsupported("neq")

    def lt(self, left: Any, right: Any) -> NoReturn:
        _unsupported("lt")

    def lte(self, left: Any, right: Any) -> NoReturn:
        _unsupported("lte")

    def gt(self, left: Any, right: Any) -> NoReturn:
        _unsupported("gt")

    def gte(self, left: Any, right: Any) -> NoReturn:
        _unsupported("gte")

    def field(self, path: Any) -> NoReturn:
        _unsupported("field")

    def add(self, left: Any, right: Any) -> NoReturn:
        _unsupported("add")

    def sub(self, left: Any, right: Any) -> NoReturn:
        _unsupported("sub")

    def mul(self, left: Any, right: Any) -> NoReturn:
        _unsupported("mul")

    def div(self, left: Any, right: Any) -> NoReturn:
        _unsupported("div")

    def mod(self, left: Any, right: Any) -> NoReturn:
        _unsupported("mod")

    def neg(self, value: Any) -> NoReturn:
        _unsupported("neg")


VectorFilter = Callable[[VectorFilterBuilder], VectorFilterExpression]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _is_number(x: object) -> bool:
    # Exact type checks: bool and Int64 are int subclasses but not Float64.
    return type(x) is float or type(x) is int


def _normalized(values: Sequence[float] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``values`` scaled to unit length; zeros stay zeros; non-finite input gives NaNs."""
    import numpy as np

    vec = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        squared = float(vec @ vec)
    if 1e-300 < squared < math.inf:
        # The usual case: no overflow, underflow or non-finite element (NaN or inf would
        # make the sum NaN or inf), so one scaling is exact enough.
        fast: npt.NDArray[np.float64] = vec * (1.0 / math.sqrt(squared))
        return fast
    if not np.all(np.isfinite(vec)):
        return np.full(vec.shape, np.nan)
    # Divide by the largest magnitude first so that squaring cannot overflow.
    peak = float(np.max(np.abs(vec))) if vec.size else 0.0
    if peak == 0.0:
        return np.zeros(vec.shape)
    vec = vec / peak
    result: npt.NDArray[np.float64] = vec / float(np.sqrt(vec @ vec))
    return result


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


class VectorIndex:
    """Exact cosine-similarity search over one vector field plus filter fields.

    Unit-normalised vectors live in one contiguous float64 matrix (row per indexed
    document, swap-remove on delete).  A small search scores every row exactly; a large
    one first bounds every row's score from an int8 copy of the rows (exact integer dot
    products, SIMD through simsimd) and scores exactly only the rows whose bound can
    reach the top (:mod:`convex_test.search.quantized`).  Per filter field, value sort key -> rows, so a
    filtered search only looks at the matching rows.  ``len(index)`` counts all added
    documents, indexed or not.
    """

    __slots__ = (
        "_count",
        "_filter_paths",
        "_filter_rows",
        "_int8",
        "_keys",
        "_matrix",
        "_nan_rows",
        "_row_ids",
        "_rows",
        "_unindexed",
        "_vector_path",
        "dimensions",
        "filter_fields",
        "name",
        "vector_field",
    )

    def __init__(
        self,
        vector_field: str,
        dimensions: int,
        filter_fields: Sequence[str] = (),
        *,
        name: str | None = None,
    ) -> None:
        fields = field_paths("vector", vector_field, filter_fields)
        if type(dimensions) is not int or not MIN_DIMENSIONS <= dimensions <= MAX_DIMENSIONS:
            raise errors.ConvexTestError(
                errors.VECTOR_DIMENSIONS_OUT_OF_RANGE.format(value=display_value(dimensions))
            )
        self.vector_field = vector_field
        self.dimensions = dimensions
        self.filter_fields = fields
        self.name = name if name is not None else f"the vector index on {vector_field}"
        self._vector_path = tuple(vector_field.split("."))
        self._filter_paths = tuple(tuple(f.split(".")) for f in self.filter_fields)
        self._matrix: npt.NDArray[np.float64] | None = None
        # For large indexes, an int8 copy of the rows that bounds every row's score
        # (``quantized.screen``): built at the first large search, then kept in step.
        self._int8: Int8Rows | None = None
        self._nan_rows = 0  # rows ever added with a NaN vector (never decremented)
        self._count = 0
        self._row_ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._keys: dict[str, tuple[SortKey, ...]] = {}
        self._unindexed: set[str] = set()
        self._filter_rows: tuple[dict[SortKey, set[int]], ...] = tuple(
            {} for _ in self.filter_fields
        )

    def __len__(self) -> int:
        return len(self._rows) + len(self._unindexed)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._rows or doc_id in self._unindexed

    @property
    def num_indexed(self) -> int:
        """How many documents have a valid vector (and can be found)."""
        return self._count

    def __repr__(self) -> str:
        return (
            f"VectorIndex({self.vector_field!r}, {self.dimensions}, "
            f"{list(self.filter_fields)!r}, indexed={self._count}, documents={len(self)})"
        )

    # -- writes -------------------------------------------------------------

    def _valid_vector(self, value: Any) -> bool:
        return (
            type(value) is list
            and len(value) == self.dimensions
            and all(_is_number(x) for x in value)
        )

    def add(self, doc_id: str, doc: dict[str, Any]) -> None:
        """Track ``doc``; index it if its vector field holds a valid vector."""
        if not isinstance(doc_id, str) or not isinstance(doc, dict):
            raise errors.ConvexTestError(
                errors.SEARCH_BAD_DOCUMENT.format(id=doc_id, doc=display_value(doc))
            )
        if doc_id in self:
            raise errors.ConvexTestError(
                errors.SEARCH_DOC_ALREADY_INDEXED.format(id=doc_id, index=self.name)
            )
        vector = field_value(doc, self._vector_path)
        if not self._valid_vector(vector):
            self._unindexed.add(doc_id)
            return
        keys = tuple(sort_key(field_value(doc, p)) for p in self._filter_paths)
        row_vector = _normalized(vector)
        if row_vector.size and row_vector[0] != row_vector[0]:
            self._nan_rows += 1  # a vector holding inf/NaN: NaN scores, no screen
        row = self._append_row(row_vector)
        self._row_ids.append(doc_id)
        self._rows[doc_id] = row
        self._keys[doc_id] = keys
        for rows_by_key, key in zip(self._filter_rows, keys, strict=True):
            rows = rows_by_key.get(key)
            if rows is None:
                rows_by_key[key] = {row}
            else:
                rows.add(row)

    def _append_row(self, vector: npt.NDArray[np.float64]) -> int:
        import numpy as np

        matrix = self._matrix
        if matrix is None:
            matrix = np.empty((16, self.dimensions), dtype=np.float64)
        elif self._count == matrix.shape[0]:
            size = 2 * matrix.shape[0]
            grown = np.empty((size, self.dimensions), dtype=np.float64)
            grown[: self._count] = matrix[: self._count]
            matrix = grown
        row = self._count
        matrix[row] = vector
        self._matrix = matrix
        self._count += 1
        return row

    def remove(self, doc_id: str, doc: dict[str, Any] | None = None) -> None:
        """Forget ``doc_id`` (``doc`` is the dict given to :meth:`add`; it is not needed)."""
        if isinstance(doc_id, str) and doc_id in self._unindexed:
            self._unindexed.discard(doc_id)
            return
        row = self._rows.pop(doc_id, None) if isinstance(doc_id, str) else None
        if row is None:
            raise errors.ConvexTestError(
                errors.SEARCH_DOC_NOT_INDEXED.format(id=doc_id, index=self.name)
            )
        keys = self._keys.pop(doc_id)
        for rows_by_key, key in zip(self._filter_rows, keys, strict=True):
            rows = rows_by_key[key]
            rows.discard(row)
            if not rows:
                del rows_by_key[key]
        last = self._count - 1
        if row != last:
            # Swap-remove: the last row moves into the hole.
            assert self._matrix is not None
            self._matrix[row] = self._matrix[last]
            moved = self._row_ids[last]
            self._row_ids[row] = moved
            self._rows[moved] = row
            for rows_by_key, key in zip(self._filter_rows, self._keys[moved], strict=True):
                rows = rows_by_key[key]
                rows.discard(last)
                rows.add(row)
        self._row_ids.pop()
        self._count = last
        if self._int8 is not None:
            assert self._matrix is not None
            self._int8.move(self._matrix, last, row, last)

    # -- reads --------------------------------------------------------------

    def search(
        self,
        vector: Iterable[float],
        *,
        limit: int | None = DEFAULT_VECTOR_LIMIT,
        filter: VectorFilter | None = None,
    ) -> list[tuple[str, float]]:
        """The ``limit`` documents most similar to ``vector``: ``(doc id, cosine score)``.

        Best first; equal scores go to the larger doc id.  ``limit=None`` means 10.
        """
        import numpy as np

        query = self._check_vector(vector)
        count = self._check_limit(limit)
        rows = self._filtered_rows(filter)
        if len(query) != self.dimensions:
            raise errors.ConvexTestError(
                errors.VECTOR_DIMENSIONS_MISMATCH.format(
                    expected=self.dimensions, actual=len(query)
                )
            )
        if self._count == 0 or (rows is not None and not rows):
            return []
        assert self._matrix is not None
        q = _normalized(query)
        if rows is None:
            candidates = np.arange(self._count)
        else:
            candidates = np.fromiter(rows, dtype=np.intp, count=len(rows))
        if (
            len(candidates) * self.dimensions >= _SCREEN_MIN_CELLS
            and 4 * count < len(candidates)
            and not self._nan_rows  # NaN rows have no int8 form: every row is scored
        ):
            candidates = self._screen(candidates, rows is None, q, count)
        # einsum, not BLAS: a BLAS kernel rounds a row's dot product differently
        # depending on the rows around it, and a document's score must not depend on
        # which other rows a search happened to score (filters, the screen).
        if rows is None and len(candidates) == self._count:
            scores = np.einsum("ij,j->i", self._matrix[: self._count], q)
        else:
            scores = np.einsum("ij,j->i", self._matrix[candidates], q)
        if len(candidates) <= _SMALL_RANKING:
            return self._rank_few(candidates.tolist(), scores.tolist(), count)
        # Rounding can push |cos| a hair past 1.
        scores = np.clip(scores, -1.0, 1.0)
        # NaN (a stored vector with inf/NaN) ranks below every real score.
        rank = np.where(np.isnan(scores), -np.inf, scores)
        if len(rank) > count:
            threshold = np.partition(rank, len(rank) - count)[len(rank) - count]
            keep = np.flatnonzero(rank >= threshold)
            candidates, scores, rank = candidates[keep], scores[keep], rank[keep]
        # The backend sorts (score, internal id) descending; within a table the ID
        # string order is the internal id order.
        row_ids = self._row_ids
        ids = np.array([row_ids[r] for r in candidates.tolist()])
        order = np.lexsort((ids, rank))[::-1][:count]
        return [
            (row_ids[int(r)], float(s))
            for r, s in zip(candidates[order], scores[order], strict=True)
        ]

    def _rank_few(
        self, rows: list[int], scores: list[float], count: int
    ) -> list[tuple[str, float]]:
        """The ranking below for a few candidates (after a screen), in plain Python."""
        row_ids = self._row_ids
        ranked: list[tuple[float, str, float]] = []
        for row, score in zip(rows, scores, strict=True):
            if score != score:
                ranked.append((-math.inf, row_ids[row], score))
                continue
            if score > 1.0:
                score = 1.0
            elif score < -1.0:
                score = -1.0
            ranked.append((score, row_ids[row], score))
        ranked.sort(reverse=True)  # IDs are unique: (rank, id) decides
        return [(doc_id, score) for _, doc_id, score in ranked[:count]]

    def _screen(
        self, candidates: npt.NDArray[np.intp], all_rows: bool, q: Any, count: int
    ) -> npt.NDArray[np.intp]:
        """The rows that can be among the ``count`` best (see :mod:`.quantized`)."""
        count_rows = self._count  # first: a concurrent insert writes its row, then counts it
        matrix = self._matrix
        assert matrix is not None
        if self._int8 is None:
            self._int8 = Int8Rows(self.dimensions)
        rows = self._int8.synced(matrix, count_rows)
        return screen(rows, candidates, all_rows, q, count)

    @staticmethod
    def _check_vector(vector: Any) -> Sequence[float] | npt.NDArray[np.float64]:
        if isinstance(vector, (str, bytes, bytearray, dict)) or not hasattr(vector, "__iter__"):
            raise errors.ConvexTestError(
                errors.VECTOR_NOT_ARRAY.format(value=display_value(vector))
            )
        try:
            items = vector if type(vector) is list else list(vector)
        except Exception:
            raise errors.ConvexTestError(
                errors.VECTOR_NOT_ARRAY.format(value=display_value(vector))
            ) from None
        if not items:
            raise errors.ConvexTestError(errors.VECTOR_EMPTY)
        if set(map(type, items)) == {float}:
            # The common case, checked without a per-element Python loop.
            import numpy as np

            array = np.fromiter(items, dtype=np.float64, count=len(items))
            if np.isfinite(array).all():
                return array
        values: list[float] = []
        for i, x in enumerate(items):
            # Any real number (numpy scalars too) except bool and Int64 (a JS bigint).
            number = not isinstance(x, (bool, Int64)) and isinstance(x, numbers.Real)
            try:
                value = float(x) if number else math.nan
            except OverflowError:  # an int beyond any float
                value = math.inf
            if not math.isfinite(value):
                raise errors.ConvexTestError(
                    errors.VECTOR_BAD_ELEMENT.format(value=display_value(x), index=i)
                )
            values.append(value)
        return values

    @staticmethod
    def _check_limit(limit: Any) -> int:
        if limit is None:
            return DEFAULT_VECTOR_LIMIT
        if type(limit) is float and limit.is_integer():
            limit = int(limit)  # a JS number
        if type(limit) is not int or limit < 1:
            raise errors.ConvexTestError(
                errors.VECTOR_LIMIT_INVALID.format(
                    max=MAX_VECTOR_RESULTS,
                    limit=int_text(limit) if type(limit) is int else display_value(limit),
                )
            )
        if limit > MAX_VECTOR_RESULTS:
            raise errors.ConvexTestError(
                errors.VECTOR_LIMIT_TOO_LARGE.format(max=MAX_VECTOR_RESULTS, limit=int_text(limit))
            )
        return limit

    def _filtered_rows(self, build: VectorFilter | None) -> set[int] | None:
        """Rows matching the filter, or ``None`` for no filter."""
        if build is None:
            return None
        if not callable(build):
            raise errors.ConvexTestError(
                errors.VECTOR_FILTER_RESULT.format(value=display_value(build))
            )
        expr = call_callback(
            build, VectorFilterBuilder(), what="The vector search filter", form="filter(q)"
        )
        if not isinstance(expr, VectorFilterExpression):
            raise errors.ConvexTestError(
                errors.VECTOR_FILTER_RESULT.format(value=display_value(expr))
            )
        positions = {f: i for i, f in enumerate(self.filter_fields)}
        pairs: dict[tuple[int, SortKey], None] = {}
        for leaf in _equalities(expr):
            field, value = leaf.field, leaf.value
            position = positions.get(field)
            if position is None:
                raise errors.ConvexTestError(
                    errors.VECTOR_INCORRECT_FILTER_FIELD.format(
                        index=self.name,
                        field=format_field_path(field),
                        filter_fields=_fields_list(self.filter_fields),
                        hint=errors.did_you_mean(field, self.filter_fields),
                    )
                )
            pairs[(position, sort_key(value))] = None
        if len(pairs) > MAX_FILTER_LENGTH:
            raise errors.ConvexTestError(
                errors.VECTOR_TOO_MANY_CONDITIONS.format(
                    index=self.name, max=MAX_FILTER_LENGTH, count=len(pairs)
                )
            )
        if not pairs:
            # `q.or_()` compiles to no condition at all: the backend filters nothing out.
            return None
        matched: set[int] = set()
        for position, key in pairs:
            rows = self._filter_rows[position].get(key)
            if rows:
                matched.update(rows)
        return matched
