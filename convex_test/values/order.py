"""The Convex total order: the single source of truth for comparisons.

Indexes, ``order()``, filter comparisons, literal and search-filter equality all use
:func:`sort_key`.  Type order::

    missing (UNDEFINED) < null < Int64 < Float64 < Boolean < String < Bytes < Array < Object

Within Float64 the order is IEEE-754 ``totalOrder`` (``-NaN < -inf < -0.0 < 0.0 < inf
< NaN``), so ``NaN == NaN`` and ``-0.0 != 0.0``.  Strings compare by code point (which is
UTF-8 byte order), bytes bytewise, arrays element-wise then by length, objects as their
key-sorted ``(key, value)`` pairs.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

from convex_test import errors
from convex_test.values.types import UNDEFINED, Int64

SortKey = tuple[Any, ...]

_TAG_UNDEFINED = 0
_TAG_NULL = 1
_TAG_INT64 = 2
_TAG_FLOAT64 = 3
_TAG_BOOLEAN = 4
_TAG_STRING = 5
_TAG_BYTES = 6
_TAG_ARRAY = 7
_TAG_OBJECT = 8

_UNDEFINED_KEY: SortKey = (_TAG_UNDEFINED,)
_NULL_KEY: SortKey = (_TAG_NULL,)
_pack = struct.Struct("<d").pack
_unpack = struct.Struct("<q").unpack


def float_key(x: float) -> int:
    """An int whose natural order is IEEE-754 totalOrder on ``x``."""
    bits: int = _unpack(_pack(x))[0]
    return bits ^ 0x7FFF_FFFF_FFFF_FFFF if bits < 0 else bits


def sort_key(value: Any) -> SortKey:
    """A tuple key whose Python ordering and equality are the Convex total order.

    ``UNDEFINED`` (a missing field) sorts first.  Plain ``int`` is a Float64.
    """
    cls = type(value)
    if cls is str:
        return (_TAG_STRING, value)
    if cls is float:
        return (_TAG_FLOAT64, float_key(value))
    if value is None:
        return _NULL_KEY
    if cls is bool:
        return (_TAG_BOOLEAN, value)
    if cls is Int64:
        return (_TAG_INT64, int(value))
    if cls is int:
        try:
            return (_TAG_FLOAT64, float_key(float(value)))
        except OverflowError:
            raise _unsupported(value) from None
    if cls is dict:
        try:
            keys = sorted(value)
        except TypeError:
            raise _unsupported(value) from None
        return (_TAG_OBJECT, tuple((k, sort_key(value[k])) for k in keys))
    if cls is list:
        return (_TAG_ARRAY, tuple(sort_key(v) for v in value))
    if cls is bytes:
        return (_TAG_BYTES, value)
    if value is UNDEFINED:
        return _UNDEFINED_KEY
    # Non-canonical inputs (tuples, bytearrays, subclasses) as their canonical twins.
    if isinstance(value, bool):
        return (_TAG_BOOLEAN, bool(value))
    if isinstance(value, Int64):
        return (_TAG_INT64, int(value))
    if isinstance(value, int):
        try:
            return (_TAG_FLOAT64, float_key(float(value)))
        except OverflowError:
            raise _unsupported(value) from None
    if isinstance(value, float):
        return (_TAG_FLOAT64, float_key(float(value)))
    if isinstance(value, str):
        return (_TAG_STRING, str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return (_TAG_BYTES, bytes(value))
    if isinstance(value, (list, tuple)):
        return (_TAG_ARRAY, tuple(sort_key(v) for v in value))
    if isinstance(value, dict):
        try:
            keys = sorted(value)
        except TypeError:
            raise _unsupported(value) from None
        return (_TAG_OBJECT, tuple((k, sort_key(value[k])) for k in keys))
    raise _unsupported(value)


def _unsupported(value: Any) -> errors.UnsupportedValueError:
    from convex_test.values.display import display_value

    return errors.UnsupportedValueError(
        errors.UNSUPPORTED_TYPE.format(value=display_value(value), path="")
    )


MAX_TAG = 99
"""Greater than every tag: in a concatenation of sort keys, ``(*prefix, MAX_TAG)`` sorts
after every tuple that starts with ``prefix`` and continues with another key."""


def concat_sort_keys(values: Iterable[Any]) -> SortKey:
    """The sort keys of ``values`` concatenated into one flat tuple.

    Such tuples compare like the sequences of their keys: a key's length is fixed by its
    tag (its first item: one item for a missing field and null, two otherwise), so two
    concatenations first differ inside the first pair of keys that differ, and compare
    as those two keys do.  Index keys are built this way: one flat tuple per document
    compares about twice as fast as a tuple of per-field tuples.
    """
    out: list[Any] = []
    for value in values:
        out += sort_key(value)
    return tuple(out)


def values_equal(a: Any, b: Any) -> bool:
    """Convex equality: ``Int64(1) != 1.0``, ``NaN == NaN``, ``-0.0 != 0.0``."""
    return sort_key(a) == sort_key(b)


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 by the Convex total order."""
    ka, kb = sort_key(a), sort_key(b)
    return -1 if ka < kb else (1 if ka > kb else 0)
