"""The Python <-> Convex type mapping.

=============  ==========================================
Convex         Python
=============  ==========================================
null           ``None``
Float64        ``float`` and plain ``int`` (abs <= 2**53)
Int64          :class:`Int64` (an ``int`` subclass)
Boolean        ``bool``
String         ``str``
Bytes          ``bytes`` (``bytearray``/``memoryview`` in)
Array          ``list`` (``tuple`` in)
Object         ``dict`` with ``str`` keys
=============  ==========================================
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

from convex_test import errors

Value: TypeAlias = Any
"""A Convex value in its canonical Python form (see the module table)."""

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
MAX_SAFE_FLOAT_INT: Final = 2**53
MAX_ARRAY_LEN: Final = 8192
MAX_OBJECT_FIELDS: Final = 1024
MAX_FIELD_NAME_LEN: Final = 1024
MAX_VALUE_NESTING: Final = 64


class Shown:
    """Pre-rendered text that prints as itself through ``{x}`` and ``{x!r}``.

    Lets a message template written with ``{value!r}`` show safely rendered text.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


class Int64(int):
    """A Convex Int64 (JS ``bigint``): a hashable ``int`` limited to signed 64 bits.

    ``Int64(5) == 5`` in Python, but in the Convex total order every Int64 sorts
    before every Float64 and never equals one.
    """

    __slots__ = ()

    def __new__(cls, value: Any = 0) -> Int64:
        if isinstance(value, bool) or not isinstance(value, int):
            raise errors.UnsupportedValueError(
                errors.INT64_NOT_INT.format(value=Shown(_safe_repr(value)))
            )
        if not INT64_MIN <= value <= INT64_MAX:
            raise errors.UnsupportedValueError(
                errors.INT64_OUT_OF_RANGE.format(value=int_text(value))
            )
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        return f"Int64({int(self)})"

    __str__ = int.__repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (Int64, (int(self),))


class UndefinedType:
    """The type of :data:`UNDEFINED`, the stand-in for JS ``undefined``."""

    __slots__ = ()
    _instance: UndefinedType | None = None

    def __new__(cls) -> UndefinedType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"

    def __copy__(self) -> UndefinedType:
        return self

    def __deepcopy__(self, memo: Any) -> UndefinedType:
        return self


UNDEFINED: Final = UndefinedType()
"""JS ``undefined``: removes a field in ``db.patch``; matches a missing field in ranges."""


def type_name(value: Any) -> str:
    """The Convex type name of a canonical value (``int64``, ``float64``, ...)."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Int64):
        return "int64"
    if isinstance(value, (int, float)):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "bytes"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _where(path: str) -> str:
    return f" at path {path}" if path else ""


def check_field_name(name: Any, path: str = "") -> str:
    """Validate an object key per Convex's field-name rules; return it as a plain ``str``."""
    if not isinstance(name, str):
        raise errors.UnsupportedValueError(
            errors.NOT_STRING_KEY.format(key=_safe_repr(name), path=_where(path))
        )
    if type(name) is not str:
        # A str subclass may override __eq__/__hash__/__len__: store its plain text.
        name = str.__str__(name)
    if len(name) > MAX_FIELD_NAME_LEN:
        raise errors.UnsupportedValueError(
            errors.FIELD_TOO_LONG.format(
                name=_safe_repr(name[:40]) + "...", length=len(name), path=_where(path)
            )
        )
    if name.startswith("$"):
        raise errors.UnsupportedValueError(
            errors.FIELD_STARTS_WITH_DOLLAR.format(name=name[:200], path=_where(path))
        )
    for ch in name:
        if not " " <= ch <= "~":
            raise errors.UnsupportedValueError(
                errors.FIELD_NOT_ASCII.format(name=_safe_repr(name), char=ch, path=_where(path))
            )
    checked: str = name  # a plain str by now (see above)
    return checked


def int_text(value: int) -> str:
    """``str(value)`` for any ``int``, also beyond Python's 4300-digit ``str()`` limit."""
    try:
        return int.__repr__(value)
    except ValueError:
        return f"<{'-' if value < 0 else ''}{value.bit_length()}-bit integer>"


def _safe_repr(value: Any) -> str:
    try:
        text = int_text(value) if type(value) is int else repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 200 else text[:197] + "..."


def _check_str(value: str, path: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.UnsupportedValueError(
            errors.LONE_SURROGATE.format(value=_safe_repr(value), path=_where(path))
        ) from None
    return value


def convert_scalar(value: Any, path: str = "") -> Any:
    """Canonicalise a non-container value, or raise ``UnsupportedValueError``.

    Returns the value itself for immutable scalars.
    """
    cls = type(value)
    if value is None or cls is bool or cls is float or cls is Int64:
        return value
    # Subclasses (numpy.float64, IntEnum, StrEnum, ...) become their exact base type;
    # ``float.__float__`` & co. read the stored value, ignoring overridden __str__ etc.
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Int64):
        return Int64(int.__int__(value))
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_FLOAT_INT:
            raise errors.UnsupportedValueError(
                errors.INT_OUT_OF_FLOAT_RANGE.format(value=int_text(value), path=_where(path))
            )
        return value if cls is int else int.__int__(value)
    if isinstance(value, str):
        return _check_str(value if cls is str else str.__str__(value), path)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise errors.UnsupportedValueError(
        errors.UNSUPPORTED_TYPE.format(value=_safe_repr(value), path=_where(path))
    )


def convert(value: Any, path: str = "", *, _depth: int = 0) -> Value:
    """Return a canonical deep copy of ``value`` as a Convex value.

    Tuples become lists, bytearrays bytes, keys and limits are checked.  Raises
    :class:`~convex_test.errors.UnsupportedValueError` naming the path of the first
    offending part; cyclic structures are caught by the nesting limit.

    Values made of plain ``dict``/``list`` and canonical scalars (arguments, return
    values, documents) take a fast path that only copies and checks; anything else (or
    anything wrong) goes through the checked conversion, which words the errors.  Both
    give the same results and the same errors.
    """
    try:
        return _canonical_copy(value, _depth)
    except _NotCanonical:
        return _convert_checked(value, path, _depth)


class _NotCanonical(Exception):
    """The fast copy met something that the checked conversion must handle or reject."""


# Field names already known to pass check_field_name (plain ``str`` only).
_KNOWN_KEYS: set[str] = set()
_MAX_KNOWN_KEYS: Final = 4096


def _learn_key(key: Any) -> None:
    """Accept a plain ``str`` key that passes :func:`check_field_name`, else raise."""
    # The type check comes first: an object that hashes and compares equal to a known
    # key must not pass for it.
    if (
        type(key) is not str
        or not key.isascii()
        or not key.isprintable()  # with isascii: only " " to "~"
        or key.startswith("$")
        or len(key) > MAX_FIELD_NAME_LEN
    ):
        raise _NotCanonical
    if len(_KNOWN_KEYS) < _MAX_KNOWN_KEYS:
        _KNOWN_KEYS.add(key)


def _utf8_ok(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _NotCanonical from None


_PLAIN_SCALARS: Final = frozenset({float, bool, type(None), Int64, bytes})
"""Item types that are canonical as they are (no range or UTF-8 check)."""


def _canonical_copy(value: Any, depth: int) -> Value:
    """``convert(value)`` for plain containers and canonical scalars, else raise.

    The per-call copy of every argument and return value, so it is tuned: containers
    are copied in C first and then checked in place (scalars inline, no call per item).
    """
    cls = type(value)
    if cls is dict:
        if depth >= MAX_VALUE_NESTING or len(value) > MAX_OBJECT_FIELDS:
            raise _NotCanonical
        depth += 1
        known = _KNOWN_KEYS
        out: dict[str, Any] = value.copy()
        dropped: list[str] | None = None
        for k, v in out.items():
            if type(k) is not str or k not in known:
                _learn_key(k)
            c = type(v)
            if c is str:
                if v.isascii():
                    continue
                _utf8_ok(v)
            elif c is float or c is bool or v is None or c is Int64 or c is bytes:
                continue
            elif c is int:
                if not -MAX_SAFE_FLOAT_INT <= v <= MAX_SAFE_FLOAT_INT:
                    raise _NotCanonical
            elif c is dict or c is list or c is tuple:
                out[k] = _canonical_copy(v, depth)  # replacing a value keeps iterating
            elif v is UNDEFINED:
                # JS drops undefined-valued fields when serialising an object.
                if dropped is None:
                    dropped = []
                dropped.append(k)
            else:
                raise _NotCanonical
        if dropped is not None:
            for k in dropped:
                del out[k]
        return out
    if cls is list or cls is tuple:
        if depth >= MAX_VALUE_NESTING or len(value) > MAX_ARRAY_LEN:
            raise _NotCanonical
        depth += 1
        items: list[Any] = list(value)
        if len(items) >= 64 and _PLAIN_SCALARS.issuperset(map(type, items)):
            # Long arrays of floats (embeddings): one C-level pass over the item types.
            return items
        for i, v in enumerate(items):
            c = type(v)
            if c is str:
                if v.isascii():
                    continue
                _utf8_ok(v)
            elif c is float or c is bool or v is None or c is Int64 or c is bytes:
                continue
            elif c is int:
                if not -MAX_SAFE_FLOAT_INT <= v <= MAX_SAFE_FLOAT_INT:
                    raise _NotCanonical
            elif c is dict or c is list or c is tuple:
                items[i] = _canonical_copy(v, depth)
            else:
                raise _NotCanonical
        return items
    if cls is str:
        if not value.isascii():
            _utf8_ok(value)
        return value
    if cls is float or cls is bool or value is None or cls is Int64 or cls is bytes:
        return value
    if cls is int and -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT:
        return value
    raise _NotCanonical


def check_container_limits(
    value: list[Any] | tuple[Any, ...] | dict[Any, Any], path: str, depth: int
) -> None:
    """The nesting, array-length and field-count limits of one array or object."""
    if depth >= MAX_VALUE_NESTING:
        raise errors.UnsupportedValueError(
            errors.TOO_NESTED.format(depth=depth + 1, path=_where(path))
        )
    if isinstance(value, dict):
        if len(value) > MAX_OBJECT_FIELDS:
            raise errors.UnsupportedValueError(
                errors.TOO_MANY_FIELDS.format(count=len(value), path=_where(path))
            )
    elif len(value) > MAX_ARRAY_LEN:
        raise errors.UnsupportedValueError(
            errors.ARRAY_TOO_LONG.format(length=len(value), path=_where(path))
        )


def _convert_checked(value: Any, path: str, depth: int) -> Value:
    """The checked conversion: every rule in order, errors with the offending path.

    Children go through :func:`convert` again, so only the unusual parts of a value
    take this path.
    """
    if isinstance(value, (list, tuple)):
        check_container_limits(value, path, depth)
        return [convert(v, f"{path}[{i}]", _depth=depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        check_container_limits(value, path, depth)
        out: dict[str, Any] = {}
        for k, v in value.items():
            k = check_field_name(k, path)
            if v is UNDEFINED:
                # JS drops undefined-valued fields when serialising an object.
                continue
            out[k] = convert(v, f"{path}.{k}", _depth=depth + 1)
        return out
    if value is UNDEFINED:
        raise errors.UnsupportedValueError(
            "UNDEFINED is not a valid Convex value"
            + _where(path)
            + " (it is only allowed as a db.patch field value or in index/filter ranges)."
        )
    return convert_scalar(value, path)


def copy_value(value: Value) -> Value:
    """Deep-copy an already canonical value (fast path: no checks)."""
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    return value
