"""``query.paginate(opts)``: pages, value-based cursors, and the page-size rules.

A cursor is the URL-safe base64 of a compact JSON ``{"q": fingerprint, "p": position}``
where the position is the index key of the last document read (its field values, then
``_creationTime`` and ``_id``, in Convex JSON) or ``"end"``.  The fingerprint hashes the
query (namespace, table, index, range, order, filters, search) but not the page options,
so a cursor only works for the query that made it, and because the position is a key
(not a document ID) a page resumes correctly after the boundary document is deleted.

Page rules follow the backend's ``query_page``: reading stops once ``numItems``
documents passed the filters; ``isDone`` is true only when the range was exhausted (a
page that fills up on the last document is not done; the next one is empty and done);
``maximumRowsRead``/``maximumBytesRead`` (and the transaction read limits) end a page
early with ``pageStatus: "SplitRequired"``; a page that read a lot gets
``"SplitRecommended"``; ``splitCursor`` points into the middle of the rows read.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from convex_test import errors
from convex_test.engine.query import IndexSource, combine_filters
from convex_test.engine.store import copy_doc
from convex_test.engine.transaction import TransactionLimitError
from convex_test.values.display import safe_repr
from convex_test.values.types import UNDEFINED, int_text

if TYPE_CHECKING:
    from convex_test.engine.query import Plan, Source

__all__ = [
    "MAX_PAGE_SIZE",
    "PaginationOptions",
    "check_options",
    "decode_cursor",
    "encode_cursor",
    "paginate_plan",
    "pagination_opts_validator",
]

MAX_PAGE_SIZE: Final = 32_000
_MAX_READ_ROWS: Final = 32_000
_MAX_READ_BYTES: Final = 1 << 24
_SOFT_MAX_PAGE_LEN: Final = 8192 * 3 // 4
_END: Final = "end"
_UNDEFINED_JSON: Final = {"$undefined": None}


def _soft(limit: int) -> int:
    return limit * 3 // 4


@dataclass(slots=True, frozen=True)
class PaginationOptions:
    """Checked ``paginate`` options."""

    num_items: int
    cursor: str | None
    end_cursor: str | None
    maximum_rows_read: int | None
    maximum_bytes_read: int | None


def _bad_arg(reason: str) -> errors.ConvexTestError:
    return errors.ConvexTestError(errors.PAGINATE_BAD_ARG.format(reason=reason))


def _js_text(value: Any, _depth: int = 0) -> str:
    """How a JS template literal shows a value (``${x}``)."""
    if _depth > 64:
        return ""  # JS prints a cyclic array's repeat as ""; deeper nesting is noise
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return int_text(value)
    if isinstance(value, (float, str)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_js_text(v, _depth + 1) for v in value)
    return "[object Object]"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count_option(opts: dict[str, Any], name: str) -> int | None:
    value = opts.get(name)
    if value is None or value is UNDEFINED:
        return None
    if not _number(value) or value != value or value < 0 or not _is_integer(value):
        raise _bad_arg(f"`{name}` must be a non-negative integer, got {safe_repr(value)}")
    return int(value)


def _is_integer(value: int | float) -> bool:
    # float(10**400) overflows: every int is an integer, a float must be integral.
    return isinstance(value, int) or float(value).is_integer()


def check_options(opts: Any) -> PaginationOptions:
    """Validate ``paginate`` options with the client's and the backend's errors."""
    if not isinstance(opts, dict):
        raise errors.ConvexTestError(errors.PAGINATE_OPTIONS.format(value=safe_repr(opts)))
    num_items = opts.get("numItems", UNDEFINED)
    if not _number(num_items) or num_items < 0:
        shown = _js_text(num_items)
        raise errors.ConvexTestError(errors.PAGINATE_NUM_ITEMS.format(value=shown))
    if num_items != num_items or not _is_integer(num_items):
        raise _bad_arg(f"`numItems` must be an integer, got {safe_repr(num_items)}")
    page_size = int(num_items)
    if page_size == 0:
        raise errors.ConvexTestError(errors.PAGINATE_ZERO_ITEMS)
    if page_size > MAX_PAGE_SIZE:
        raise errors.ConvexTestError(
            errors.PAGINATE_TOO_MANY_ITEMS.format(count=int_text(page_size))
        )
    cursor = opts.get("cursor", UNDEFINED)
    if cursor is UNDEFINED:
        raise _bad_arg("missing `cursor` (use None for the first page)")
    end_cursor = opts.get("endCursor")
    for name, value in (("cursor", cursor), ("endCursor", end_cursor)):
        if value is not None and value is not UNDEFINED and not isinstance(value, str):
            raise _bad_arg(f"`{name}` must be a string or None, got {safe_repr(value)}")
    max_rows = _count_option(opts, "maximumRowsRead")
    max_bytes = _count_option(opts, "maximumBytesRead")
    if max_rows == 0 or max_bytes == 0:
        raise errors.ConvexTestError(errors.PAGINATE_ZERO_LIMIT)
    return PaginationOptions(
        page_size,
        cursor if isinstance(cursor, str) else None,
        end_cursor if isinstance(end_cursor, str) else None,
        max_rows,
        max_bytes,
    )


# ---------------------------------------------------------------------------------
# Cursors
# ---------------------------------------------------------------------------------


def _value_to_json(value: Any) -> Any:
    if value is UNDEFINED:
        return _UNDEFINED_JSON
    from convex_test.values.json import to_convex_json

    return to_convex_json(value)


def _value_from_json(data: Any) -> Any:
    if data == _UNDEFINED_JSON:
        return UNDEFINED
    from convex_test.values.json import from_convex_json

    return from_convex_json(data)


def encode_cursor(fingerprint: str, position: list[Any] | None) -> str:
    """A cursor for ``position`` (index-key values) or the end (``None``)."""
    payload = {
        "q": fingerprint,
        "p": _END if position is None else [_value_to_json(v) for v in position],
    }
    raw = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[str, list[Any] | None]:
    """``(fingerprint, position values or None for the end)``; garbage raises."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.decode("utf-8"))
        fingerprint = payload["q"]
        position = payload["p"]
        if not isinstance(fingerprint, str):
            raise ValueError("bad fingerprint")
        if position == _END:
            return fingerprint, None
        if not isinstance(position, list):
            raise ValueError("bad position")
        return fingerprint, [_value_from_json(v) for v in position]
    except (
        ValueError,
        KeyError,
        TypeError,
        RecursionError,  # JSON nested deeper than the parser's recursion limit
        binascii.Error,
        UnicodeError,
        errors.ConvexTestError,
    ):
        raise errors.InvalidCursorError(errors.CURSOR_PARSE) from None


def _position(
    cursor: str | None, fingerprint: str, source: Source
) -> tuple[bool, tuple[Any, ...] | None]:
    """``(is_end, key)`` of a cursor of this query (``(False, None)`` = the start)."""
    if cursor is None:
        return False, None
    cursor_fingerprint, values = decode_cursor(cursor)
    if cursor_fingerprint != fingerprint:
        raise errors.InvalidCursorError(errors.CURSOR_DIFFERENT_QUERY)
    if values is None:
        return True, None
    try:
        return False, source.position_key(values)
    except (ValueError, TypeError, errors.ConvexTestError):
        raise errors.InvalidCursorError(errors.CURSOR_PARSE) from None


# ---------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------


def paginate_plan(plan: Plan, options: PaginationOptions) -> dict[str, Any]:
    """Read one page of ``plan``."""
    reader = plan.reader
    if reader.namespace.path != "":
        raise errors.ConvexTestError(errors.PAGINATE_IN_COMPONENT)
    if reader.paginated:
        raise errors.ConvexTestError(errors.PAGINATE_MULTIPLE)
    source = plan.open()
    fingerprint = plan.fingerprint(source.index_fields)
    start_is_end, start = _position(options.cursor, fingerprint, source)
    end_is_end, end = _position(options.end_cursor, fingerprint, source)
    has_end = options.end_cursor is not None
    txn = reader.txn
    txn.record_index_range()

    filters = [arg for kind, arg, _ in plan.operators if kind == "filter"]
    limits = [arg for kind, arg, _ in plan.operators if kind == "limit"]
    limit = min(limits) if limits else None
    page_size = options.num_items
    # Limits are not enforced when an end cursor fixes the page (the backend re-reads
    # the same range), nor for search queries.
    enforce = not has_end and source.max_candidates is None
    max_rows = options.maximum_rows_read if enforce else None
    max_bytes = options.maximum_bytes_read if enforce else None

    page: list[dict[str, Any]] = []
    rows_read = 0
    bytes_read = 0
    status: str | None = None
    position: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    middle: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    exhausted = False
    block = None
    index_source = source if isinstance(source, IndexSource) else None
    if start_is_end or limit == 0:
        exhausted = True
    elif (
        not filters
        and limit is None
        and not has_end
        and max_rows is None
        and max_bytes is None
        and index_source is not None
    ):
        # The common page: no filter and no row/byte option, so it is the next
        # `page_size` rows of the index, read at once (None: a read limit is in the way,
        # and the row-by-row loop below reports it exactly).
        block = index_source.read_block(page_size, start, end)
    if block is not None:
        assert index_source is not None
        keys, docs, bytes_read = block
        rows_read = len(docs)
        page = index_source.table.copy_docs(docs)
        exhausted = rows_read < page_size
        if rows_read:
            position = (keys[-1], docs[-1])
        if rows_read > 2:
            half = rows_read // 2
            middle = (keys[half], docs[half])
    elif not exhausted:
        until = None if end_is_end else end
        rows = source.rows(start, until)
        sizes = getattr(source, "table", None)
        size_of = sizes.sizes if sizes is not None else {}
        test = combine_filters(filters) if filters else None
        read_positions: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        while has_end or len(page) < page_size:
            if limit is not None and len(page) >= limit:
                exhausted = True
                break
            if max_bytes is not None and bytes_read >= max_bytes:
                status = "SplitRequired"
                break
            if max_rows is not None and rows_read >= max_rows:
                status = "SplitRequired"
                break
            try:
                row = next(rows, None)
            except TransactionLimitError as exc:
                if not exc.is_read_limit or position is None:
                    raise
                status = "SplitRequired"
                break
            if row is None:
                exhausted = True
                break
            doc = row[1]
            rows_read += 1
            bytes_read += size_of.get(doc["_id"], 0)
            position = row
            read_positions.append(row)
            if test is None or test(doc):
                page.append(copy_doc(doc))
        if len(read_positions) > 2:
            middle = read_positions[len(read_positions) // 2]
    if status is None and (
        rows_read > _soft(min(options.maximum_rows_read or _MAX_READ_ROWS, _MAX_READ_ROWS))
        or bytes_read > _soft(min(options.maximum_bytes_read or _MAX_READ_BYTES, _MAX_READ_BYTES))
        or len(page) > _SOFT_MAX_PAGE_LEN
    ):
        status = "SplitRecommended"

    if has_end:
        continue_cursor = str(options.end_cursor)
        is_done = end_is_end
    elif exhausted or position is None:
        continue_cursor = encode_cursor(fingerprint, None)
        is_done = True
    else:
        assert position is not None
        continue_cursor = encode_cursor(fingerprint, source.position_values(*position))
        is_done = False
    split_cursor: str | None = None
    if source.max_candidates is None and middle is not None:
        split_cursor = encode_cursor(fingerprint, source.position_values(*middle))
    reader.paginated = True
    return {
        "page": page,
        "isDone": is_done,
        "continueCursor": continue_cursor,
        "splitCursor": split_cursor,
        "pageStatus": status,
    }


def _make_opts_validator() -> Any:
    from convex_test.schema.validators import v

    return v.object(
        {
            "numItems": v.number(),
            "cursor": v.union(v.string(), v.null()),
            "endCursor": v.optional(v.union(v.string(), v.null())),
            "id": v.optional(v.number()),
            "maximumRowsRead": v.optional(v.number()),
            "maximumBytesRead": v.optional(v.number()),
        }
    )


pagination_opts_validator: Final = _make_opts_validator()
"""Validator of ``paginate`` options, for ``args={"paginationOpts": ...}``."""
