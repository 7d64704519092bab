"""Convex validators: the ``v`` builders and the server's checking rules.

``v.object({"author": v.string(), "n": v.optional(v.int64())})`` builds an immutable
:class:`Validator`.  ``validator.validate(value)`` returns a canonical deep copy of
``value`` (tuples become lists, a plain ``int`` under ``v.int64()`` becomes
:class:`~convex_test.values.Int64`, ...) or raises
:class:`~convex_test.errors.ValidationError` with the backend's message, e.g.::

    Value does not match validator.
    Path: .author
    Value: 5.0
    Validator: v.string()

Values that are not Convex values at all (a ``set``, an ``int`` beyond 2**53 outside
``v.int64()``, ...) raise :class:`~convex_test.errors.UnsupportedValueError` instead.

Checking follows ``check_value_internal`` of the backend: exact types, strict objects whose
fields are checked in sorted order, unions that try members in order and report the whole
union, records that check every key (as a string) and value.
"""

from __future__ import annotations

import base64
import copy
import math
import struct
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Final, Protocol, TypeVar

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.values.display import display_value, format_float, format_string, safe_repr
from convex_test.values.order import sort_key
from convex_test.values.types import (
    INT64_MAX,
    INT64_MIN,
    MAX_ARRAY_LEN,
    MAX_FIELD_NAME_LEN,
    MAX_OBJECT_FIELDS,
    MAX_SAFE_FLOAT_INT,
    MAX_VALUE_NESTING,
    UNDEFINED,
    Int64,
    check_container_limits,
    check_field_name,
    convert,
    convert_scalar,
    int_text,
)

__all__ = [
    "TableResolver",
    "VAny",
    "VArray",
    "VBoolean",
    "VBytes",
    "VFloat64",
    "VId",
    "VInt64",
    "VLiteral",
    "VNull",
    "VObject",
    "VRecord",
    "VString",
    "VUnion",
    "Validator",
    "identifier_error",
    "rewrap_validation_error",
    "v",
    "validation_errors_as",
]

MAX_IDENTIFIER_LEN: Final = 64
# Not a Convex limit: keeps repr/validate far from Python's recursion limit.
MAX_VALIDATOR_DEPTH: Final = 200

_V = TypeVar("_V", bound="Validator")
_E = TypeVar("_E", bound=errors.ValidationError)
_MISSING: Final = object()


class TableResolver(Protocol):
    """Maps an ID string to its table, for ``v.id(table)`` checks."""

    def table_for_id(self, id: str) -> tuple[str, bool] | None:
        """``(table name, is_system)`` of the table ``id`` belongs to, or ``None``."""
        ...


# ---------------------------------------------------------------------------
# Failures: raised while checking, formatted once at the top (cold path only)
# ---------------------------------------------------------------------------

_NO_MATCH: Final = 0
_MISSING_FIELD: Final = 1
_EXTRA_FIELD: Final = 2
_LITERAL: Final = 3
_ID_OTHER_TABLE: Final = 4
_ID_SYSTEM_TABLE: Final = 5
_UNSUPPORTED: Final = 6


class _Failure(Exception):
    """An internal check failure; ``ctx`` collects path segments innermost first."""

    __slots__ = ("ctx", "extra", "kind", "validator", "value")

    def __init__(self, kind: int, value: Any, validator: Any = None, extra: Any = None) -> None:
        self.kind = kind
        self.value = value
        self.validator = validator
        self.extra = extra
        self.ctx: list[str] = []


def _where(path: str) -> str:
    return f" at path {path}" if path else ""


def _unsupported(message: Any) -> _Failure:
    """``message`` is ``path -> str``: the text needs the full path, known only at the top."""
    return _Failure(_UNSUPPORTED, None, None, message)


def _int_hint(value: int) -> _Failure:
    return _unsupported(
        lambda path: errors.INT_OUT_OF_FLOAT_RANGE.format(value=int_text(value), path=_where(path))
    )


def _is_big_plain_int(value: Any) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, (bool, Int64))
        and not -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT
    )


def _too_nested(depth: int) -> _Failure:
    return _unsupported(lambda path: errors.TOO_NESTED.format(depth=depth + 1, path=_where(path)))


def _too_long(length: int) -> _Failure:
    return _unsupported(lambda path: errors.ARRAY_TOO_LONG.format(length=length, path=_where(path)))


def _too_many_fields(count: int) -> _Failure:
    return _unsupported(lambda path: errors.TOO_MANY_FIELDS.format(count=count, path=_where(path)))


def _bad_key(key: Any) -> _Failure:
    def message(path: str) -> str:
        try:
            check_field_name(key, path)
        except errors.UnsupportedValueError as exc:
            return str(exc)
        return errors.UNSUPPORTED_TYPE.format(value=_safe_repr(key), path=_where(path))

    return _unsupported(message)


def _rerun_convert(value: Any, depth: int) -> _Failure:
    """The value is not convertible: ``convert`` itself words the error, with the path."""

    def message(path: str) -> str:
        try:
            convert(value, path, _depth=depth)
        except errors.UnsupportedValueError as exc:
            return str(exc)
        return errors.UNSUPPORTED_TYPE.format(value=_safe_repr(value), path=_where(path))

    return _unsupported(message)


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= 200 else text[:197] + "..."


def _check_surrogates(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _unsupported(
            lambda path: errors.LONE_SURROGATE.format(value=_safe_repr(value), path=_where(path))
        ) from None
    return value


def _ensure_convertible(value: Any, path: str, depth: int = 0) -> None:
    """Raise ``UnsupportedValueError`` if ``value`` is no Convex value at all.

    Like :func:`~convex_test.values.types.convert`, except that any ``int`` in the Int64
    range passes: whether it must be an Int64 is the validator's business.
    """
    if isinstance(value, (list, tuple)):
        check_container_limits(value, path, depth)
        for i, item in enumerate(value):
            _ensure_convertible(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, dict):
        check_container_limits(value, path, depth)
        for key, item in value.items():
            check_field_name(key, path)
            if item is not UNDEFINED:
                _ensure_convertible(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, int) and not isinstance(value, (bool, Int64)):
        if not INT64_MIN <= value <= INT64_MAX:
            convert_scalar(value, path)
    elif value is UNDEFINED:
        convert(value, path)
    else:
        convert_scalar(value, path)


def _display(value: Any) -> str:
    """Backend display of a (convertible) value; ``UNDEFINED`` fields are absent."""
    if isinstance(value, dict):
        keys = sorted(k for k, item in value.items() if item is not UNDEFINED)
        return "{" + ", ".join(f"{k}: {_display(value[k])}" for k in keys) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_display(item) for item in value) + "]"
    return display_value(value)


def _format_failure(failure: _Failure, root: Any, path: str) -> errors.ConvexTestError:
    full = path + "".join(reversed(failure.ctx))
    if failure.kind == _UNSUPPORTED:
        return errors.UnsupportedValueError(failure.extra(full))
    # A value that is no Convex value at all is reported as such, like the client would
    # before the backend ever sees it.
    _ensure_convertible(root, path)
    ctx = f"Path: {full}" if full else ""
    kind = failure.kind
    if kind == _NO_MATCH:
        message = errors.VALIDATOR_NO_MATCH.format(
            ctx=ctx, value=_display(failure.value), validator=failure.validator._display
        )
    elif kind == _MISSING_FIELD:
        message = errors.VALIDATOR_MISSING_FIELD.format(
            field=failure.extra,
            ctx=ctx,
            obj=_display(failure.value),
            validator=failure.validator._display,
        )
    elif kind == _EXTRA_FIELD:
        message = errors.VALIDATOR_EXTRA_FIELD.format(
            field=failure.extra,
            ctx=ctx,
            obj=_display(failure.value),
            validator=failure.validator._display,
        )
    elif kind == _LITERAL:
        message = errors.VALIDATOR_LITERAL.format(
            value=_display(failure.value), literal=failure.validator._literal_display, ctx=ctx
        )
    elif kind == _ID_OTHER_TABLE:
        message = errors.VALIDATOR_ID_OTHER_TABLE.format(
            id=failure.value, found=failure.extra, table=failure.validator.table_name, ctx=ctx
        )
    else:
        message = errors.VALIDATOR_ID_SYSTEM_TABLE.format(
            id=failure.value, table=failure.validator.table_name, ctx=ctx
        )
    return errors.ValidationError(message)


def rewrap_validation_error(error: errors.ValidationError, cls: type[_E], prefix: str = "") -> _E:
    """``cls(prefix + message)``: the same failure as an argument/returns/schema error.

    Raise the result ``from None``; an ``error`` already of class ``cls`` (and no prefix)
    is returned as is.
    """
    if isinstance(error, cls) and not prefix:
        return error
    return cls(prefix + str(error))


@contextmanager
def validation_errors_as(cls: type[errors.ValidationError], prefix: str = "") -> Iterator[None]:
    """Re-raise a ``ValidationError`` inside the block as ``cls`` (keeping the message)."""
    try:
        yield
    except errors.ValidationError as exc:
        raise rewrap_validation_error(exc, cls, prefix) from None


# ---------------------------------------------------------------------------
# Name rules
# ---------------------------------------------------------------------------


def _rust_char(ch: str) -> str:
    """A char as Rust's ``{:?}`` prints it: ``'-'``, ``'\\''``, ``'\\u{7f}'``."""
    escapes = {"'": "\\'", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
    if ch in escapes:
        return f"'{escapes[ch]}'"
    if ch.isprintable():
        return f"'{ch}'"
    return f"'\\u{{{ord(ch):x}}}'"


def identifier_error(name: str) -> str | None:
    """The backend's reason why ``name`` is not an identifier, or ``None`` if it is one.

    Identifiers (table, index, validator field names): ASCII letters, digits and ``_``,
    not starting with a digit, not only underscores, at most 64 bytes.
    """
    if (
        0 < len(name) <= MAX_IDENTIFIER_LEN
        and name.isascii()
        and (name[0].isalpha() or name[0] == "_")
        and name.replace("_", "").isalnum()
    ):
        return None
    if not name:
        return errors.IDENTIFIER_EMPTY
    first = name[0]
    if not (first == "_" or (first.isascii() and first.isalpha())):
        return errors.IDENTIFIER_FIRST_CHAR.format(char=_rust_char(first), name=name)
    for ch in name:
        if not (ch == "_" or (ch.isascii() and ch.isalnum())):
            return errors.IDENTIFIER_BAD_CHAR.format(name=name, char=_rust_char(ch))
    if len(name) > MAX_IDENTIFIER_LEN:
        return errors.IDENTIFIER_TOO_LONG.format(length=len(name))
    return errors.IDENTIFIER_UNDERSCORES.format(name=name)


def _field_key_error(name: str) -> str | None:
    """Object-validator keys: a valid field name (backend wording), then an identifier."""
    if name.startswith("$"):
        return errors.FIELD_STARTS_WITH_DOLLAR.format(name=name, path="")
    for ch in name:
        if not " " <= ch <= "~":
            return errors.FIELD_NOT_ASCII.format(name=name, char=ch, path="")
    return identifier_error(name)


def _describe(value: Any) -> str:
    return f"{_safe_repr(value)} ({type(value).__name__})"


def _require_validator(value: Any, where: str) -> Validator:
    if isinstance(value, Validator):
        return value
    hint = ""
    if isinstance(value, Mapping):
        hint = " Wrap nested fields in v.object({...})."
    elif isinstance(value, type) or callable(value):
        hint = " Did you forget the parentheses, like v.string()?"
    raise errors.SchemaDefinitionError(
        errors.NOT_A_VALIDATOR.format(where=where, value=_describe(value), hint=hint)
    )


# ---------------------------------------------------------------------------
# Validators
# ---------------------------------------------------------------------------


class Validator:
    """Base class of every validator; build them with :data:`v`.

    Validators are immutable and compare (and hash) by structure.  ``repr()`` is the
    backend's display form, e.g. ``v.object({a: v.string(), b: v.optional(v.float64())})``.
    """

    __slots__ = ("_display_cache", "_height", "is_optional")

    kind: ClassVar[str] = ""
    is_optional: bool

    def __init__(self, *, is_optional: bool = False, height: int = 1) -> None:
        if height > MAX_VALIDATOR_DEPTH:
            raise errors.SchemaDefinitionError(
                errors.VALIDATOR_TOO_DEEP.format(limit=MAX_VALIDATOR_DEPTH)
            )
        self.is_optional = is_optional
        self._height = height
        self._display_cache: str | None = None

    # -- public API ---------------------------------------------------------

    def validate(self, value: Any, *, path: str = "", tables: TableResolver | None = None) -> Any:
        """Return a canonical deep copy of ``value`` if it matches, else raise.

        Raises :class:`~convex_test.errors.ValidationError` (backend wording, with
        ``Path: ...`` relative to ``path``) or
        :class:`~convex_test.errors.UnsupportedValueError` for non-Convex values.
        ``tables`` lets ``v.id(table)`` check which table an ID belongs to; without it
        an ID only has to be a string.  ``UNDEFINED`` passes an optional validator.
        """
        if value is UNDEFINED and self.is_optional:
            return UNDEFINED
        try:
            return self._check(value, tables, 0)
        except _Failure as exc:
            failure = exc
        # Formatted outside the ``except`` so the traceback does not chain the failure.
        raise _format_failure(failure, value, path)

    def optional(self: _V) -> _V:
        """This validator as an optional object field (``v.optional(self)``)."""
        if self.is_optional:
            return self
        new = copy.copy(self)
        new.is_optional = True
        return new

    def required(self: _V) -> _V:
        """This validator without the optional marker."""
        if not self.is_optional:
            return self
        new = copy.copy(self)
        new.is_optional = False
        return new

    @property
    def json(self) -> dict[str, Any]:
        """The Convex JSON form, e.g. ``{"type": "id", "tableName": "users"}``."""
        return {"type": self.kind}

    # -- internals ----------------------------------------------------------

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        raise NotImplementedError

    def _mismatch(self, value: Any) -> _Failure:
        if _is_big_plain_int(value):
            return _int_hint(value)
        return _Failure(_NO_MATCH, value, self)

    def _bare(self) -> str:
        return f"v.{self.kind}()"

    @property
    def _display(self) -> str:
        """Display without the optional marker (the backend's ``Validator`` display)."""
        text = self._display_cache
        if text is None:
            text = self._display_cache = self._bare()
        return text

    def _key(self) -> tuple[Any, ...]:
        return (self.kind,)

    def __repr__(self) -> str:
        return f"v.optional({self._display})" if self.is_optional else self._display

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Validator):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.is_optional == other.is_optional
            and self._key() == other._key()
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.is_optional, self._key()))

    def __copy__(self: _V) -> _V:
        cls = type(self)
        new = cls.__new__(cls)
        for klass in cls.__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if hasattr(self, slot):
                    object.__setattr__(new, slot, getattr(self, slot))
        return new


class VId(Validator):
    """``v.id(table)``: a string ID of a document in ``table``."""

    __slots__ = ("table_name",)
    kind: ClassVar[str] = "id"

    def __init__(self, table_name: str, *, is_optional: bool = False) -> None:
        super().__init__(is_optional=is_optional)
        if not isinstance(table_name, str):
            raise errors.SchemaDefinitionError(
                errors.ID_TABLE_NOT_STRING.format(value=_describe(table_name))
            )
        problem = identifier_error(table_name)
        if problem is not None:
            raise errors.SchemaDefinitionError(problem)
        self.table_name = table_name

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is not str:
            if not isinstance(value, str):
                raise self._mismatch(value)
            value = str.__str__(value)
        if not value.isascii():
            _check_surrogates(value)
        if tables is None:
            return value
        found = tables.table_for_id(value)
        if found is None:
            raise _Failure(_NO_MATCH, value, self)
        name, is_system = found
        if name != self.table_name:
            if is_system:
                raise _Failure(_ID_SYSTEM_TABLE, value, self)
            raise _Failure(_ID_OTHER_TABLE, value, self, name)
        return value

    def _bare(self) -> str:
        return f'v.id("{self.table_name}")'

    def _key(self) -> tuple[Any, ...]:
        return ("id", self.table_name)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "id", "tableName": self.table_name}


class VNull(Validator):
    """``v.null()``: ``None``."""

    __slots__ = ()
    kind: ClassVar[str] = "null"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if value is None:
            return None
        raise self._mismatch(value)


class VFloat64(Validator):
    """``v.number()`` / ``v.float64()``: a ``float`` or a plain ``int`` with abs <= 2**53."""

    __slots__ = ()
    kind: ClassVar[str] = "float64"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        cls = type(value)
        if cls is float:
            return value
        if cls is int:
            if -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT:
                return value
            raise _int_hint(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, int) and not isinstance(value, (bool, Int64)):
            if -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT:
                return int(value)
            raise _int_hint(value)
        raise _Failure(_NO_MATCH, value, self)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "number"}


class VInt64(Validator):
    """``v.int64()`` / ``v.bigint()``: an :class:`Int64`; a plain ``int`` becomes one."""

    __slots__ = ()
    kind: ClassVar[str] = "int64"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        cls = type(value)
        if cls is Int64:
            return value
        if cls is int or (isinstance(value, int) and not isinstance(value, bool)):
            number = int(value)
            if INT64_MIN <= number <= INT64_MAX:
                # Range checked above; skip Int64.__new__'s own checks on the hot path.
                return int.__new__(Int64, number)
            raise _unsupported(
                lambda path: errors.INT64_OUT_OF_RANGE_AT.format(
                    value=int_text(number), path=_where(path)
                )
            )
        raise _Failure(_NO_MATCH, value, self)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "bigint"}


class VBoolean(Validator):
    """``v.boolean()``: ``True`` or ``False`` (never a number)."""

    __slots__ = ()
    kind: ClassVar[str] = "boolean"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if value is True or value is False:
            return value
        raise self._mismatch(value)


class VString(Validator):
    """``v.string()``: a ``str`` (valid UTF-8, so no lone surrogates)."""

    __slots__ = ()
    kind: ClassVar[str] = "string"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is not str:
            if not isinstance(value, str):
                raise self._mismatch(value)
            value = str.__str__(value)
        if value.isascii():
            return value
        return _check_surrogates(value)


class VBytes(Validator):
    """``v.bytes()``: ``bytes`` (``bytearray``/``memoryview`` are copied to ``bytes``)."""

    __slots__ = ()
    kind: ClassVar[str] = "bytes"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise self._mismatch(value)


def _literal_json(value: Any) -> Any:
    if isinstance(value, Int64):
        raw = struct.pack("<q", int(value))
        return {"$integer": base64.standard_b64encode(raw).decode("ascii")}
    if isinstance(value, float) and value == 0.0 and math.copysign(1.0, value) < 0:
        raw = struct.pack("<d", value)
        return {"$float": base64.standard_b64encode(raw).decode("ascii")}
    return value


class VLiteral(Validator):
    """``v.literal(x)``: a value equal to ``x`` by Convex equality.

    ``v.literal(0)`` rejects ``-0.0``; ``v.literal(Int64(1))`` rejects ``1`` and ``1.0``.
    """

    __slots__ = ("_literal_display", "_sort_key", "value")
    kind: ClassVar[str] = "literal"

    def __init__(self, value: Any, *, is_optional: bool = False) -> None:
        super().__init__(is_optional=is_optional)
        if isinstance(value, (bool, Int64)):
            literal: Any = value if type(value) in (bool, Int64) else Int64(int(value))
        elif isinstance(value, str):
            literal = str.__str__(value)
            try:
                literal.encode("utf-8")
            except UnicodeEncodeError:
                raise errors.SchemaDefinitionError(
                    errors.LONE_SURROGATE.format(value=_safe_repr(literal), path="")
                ) from None
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise errors.SchemaDefinitionError(errors.LITERAL_NOT_FINITE)
            literal = float(value)
        elif isinstance(value, int):
            if not -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT:
                raise errors.SchemaDefinitionError(
                    errors.INT_OUT_OF_FLOAT_RANGE.format(value=int_text(value), path="")
                )
            literal = int(value)
        else:
            raise errors.SchemaDefinitionError(
                errors.LITERAL_BAD_TYPE.format(value=_describe(value))
            )
        self.value: Any = literal
        self._sort_key = sort_key(literal)
        self._literal_display = _literal_display(literal)

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        literal = self.value
        if type(value) is str and type(literal) is str:
            if value == literal:
                return value
            raise _Failure(_LITERAL, value, self)
        if isinstance(value, (str, bool, int, float)):
            if _is_big_plain_int(value):
                raise _int_hint(int(value))
            if sort_key(value) == self._sort_key:
                return value if type(value) in _EXACT_SCALARS else _canonical_scalar(value)
        raise _Failure(_LITERAL, value, self)

    def _bare(self) -> str:
        return f"v.literal({self._literal_display})"

    def _key(self) -> tuple[Any, ...]:
        return ("literal", self._sort_key)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "literal", "value": _literal_json(self.value)}


_EXACT_SCALARS: Final = (str, float, bool, int, Int64)


def _canonical_scalar(value: Any) -> Any:
    """The exact-type twin of a str/float/int/Int64 subclass instance."""
    if isinstance(value, Int64):
        return int.__new__(Int64, int(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, float):
        return float(value)
    return int(value)


def _literal_display(literal: Any) -> str:
    """The backend's literal display: JSON, and ``<bigint>`` for every Int64."""
    if isinstance(literal, bool):
        return "true" if literal else "false"
    if isinstance(literal, Int64):
        return "<bigint>"
    if isinstance(literal, str):
        return format_string(literal)
    return format_float(float(literal))


_FLOAT_ONLY: Final = frozenset({float})


class VArray(Validator):
    """``v.array(element)``: a ``list`` (or ``tuple``) of at most 8192 elements."""

    __slots__ = ("element",)
    kind: ClassVar[str] = "array"

    def __init__(self, element: Validator, *, is_optional: bool = False) -> None:
        element = _require_validator(element, "The element of v.array()")
        super().__init__(is_optional=is_optional, height=element._height + 1)
        self.element = element

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is not list and not isinstance(value, (list, tuple)):
            raise self._mismatch(value)
        if depth >= MAX_VALUE_NESTING:
            raise _too_nested(depth)
        if len(value) > MAX_ARRAY_LEN:
            raise _too_long(len(value))
        if type(self.element) is VFloat64 and set(map(type, value)) <= _FLOAT_ONLY:
            # Embeddings: a list of plain floats is already canonical (one C-level pass).
            return list(value)
        check = self.element._check
        depth += 1
        out: list[Any] = []
        append = out.append
        i = 0
        try:
            for i, item in enumerate(value):  # noqa: B007 - read in the handler
                append(check(item, tables, depth))
        except _Failure as failure:
            failure.ctx.append(f"[{i}]")
            raise
        return out

    def _bare(self) -> str:
        return f"v.array({self.element._display})"

    def _key(self) -> tuple[Any, ...]:
        return ("array", self.element)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "array", "value": self.element.json}


@checked_arity("v.object(...)")
class VObject(Validator):
    """``v.object({...})``: a ``dict`` with exactly these fields (optional ones may be absent).

    A field whose value is ``UNDEFINED`` counts as absent.  Helpers: :meth:`pick`,
    :meth:`omit`, :meth:`partial`, :meth:`extend`.
    """

    __slots__ = ("_fields", "_plan")
    kind: ClassVar[str] = "object"

    def __init__(self, fields: Mapping[str, Validator], *, is_optional: bool = False) -> None:
        if not isinstance(fields, Mapping):
            raise errors.SchemaDefinitionError(
                errors.OBJECT_FIELDS_NOT_DICT.format(value=_describe(fields))
            )
        checked: dict[str, Validator] = {}
        for name, validator in fields.items():
            if not isinstance(name, str):
                raise errors.SchemaDefinitionError(
                    errors.OBJECT_FIELD_NAME_NOT_STRING.format(value=_describe(name))
                )
            problem = _field_key_error(name)
            if problem is not None:
                raise errors.SchemaDefinitionError(problem)
            checked[name] = _require_validator(validator, f"v.object() field `{name}`")
        height = 1 + max((f._height for f in checked.values()), default=0)
        super().__init__(is_optional=is_optional, height=height)
        self._fields = checked
        # The backend keeps fields in a BTreeMap: checks (and error order) go by name.
        # Each step also names the one Python type its validator passes through as is
        # (ASCII only for str), so the common case skips the call (see _check).
        self._plan = tuple(
            (
                name,
                checked[name]._check,
                checked[name].is_optional,
                _PASS_THROUGH.get(type(checked[name]), _NoPassThrough),
            )
            for name in sorted(checked)
        )

    @property
    def fields(self) -> dict[str, Validator]:
        """The field validators (a copy), in declaration order."""
        return dict(self._fields)

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is not dict and not isinstance(value, dict):
            raise self._mismatch(value)
        if depth >= MAX_VALUE_NESTING:
            raise _too_nested(depth)
        get = value.get
        depth += 1
        out: dict[str, Any] = {}
        seen = 0
        for name, check, optional, plain in self._plan:
            item: Any = get(name, _MISSING)
            if type(item) is plain and (plain is not str or item.isascii()):
                # What check() would return unchanged (v.string() and an ASCII str, ...).
                seen += 1
                out[name] = item
                continue
            if item is _MISSING or item is UNDEFINED:
                if item is UNDEFINED:
                    seen += 1
                if not optional:
                    raise _Failure(_MISSING_FIELD, _shown(value, out), self, name)
                continue
            seen += 1
            try:
                out[name] = check(item, tables, depth)
            except _Failure as failure:
                failure.ctx.append("." + name)
                raise
        if len(value) != seen:
            self._raise_extra(value, out)
        return out

    def _raise_extra(self, value: dict[Any, Any], out: dict[str, Any]) -> None:
        fields = self._fields
        extras = [k for k, item in value.items() if k not in fields and item is not UNDEFINED]
        if not extras:
            return
        names = [k for k in extras if isinstance(k, str)]
        if len(value) > MAX_OBJECT_FIELDS:
            raise _too_many_fields(len(value))
        # Non-str keys are reported by the convertibility check when formatting.
        field = min(names) if names else extras[0]
        raise _Failure(_EXTRA_FIELD, _shown(value, out), self, field)

    def pick(self, *keys: str) -> VObject:
        """A new object validator with only ``keys``."""
        self._require_keys(keys, "pick")
        return VObject({k: self._fields[k] for k in keys}, is_optional=self.is_optional)

    def omit(self, *keys: str) -> VObject:
        """A new object validator without ``keys``."""
        self._require_keys(keys, "omit")
        return VObject(
            {k: f for k, f in self._fields.items() if k not in keys}, is_optional=self.is_optional
        )

    def partial(self) -> VObject:
        """A new object validator whose fields are all optional."""
        return VObject(
            {k: f.optional() for k, f in self._fields.items()}, is_optional=self.is_optional
        )

    def extend(self, fields: Mapping[str, Validator]) -> VObject:
        """A new object validator with ``fields`` added (replacing same-named ones)."""
        if isinstance(fields, VObject):
            fields = fields._fields
        if not isinstance(fields, Mapping):
            raise errors.SchemaDefinitionError(
                errors.OBJECT_FIELDS_NOT_DICT.format(value=_describe(fields))
            )
        return VObject({**self._fields, **fields}, is_optional=self.is_optional)

    def _require_keys(self, keys: tuple[Any, ...], op: str) -> None:
        for key in keys:
            if not isinstance(key, str) or key not in self._fields:
                shown_key = key if isinstance(key, str) else safe_repr(key)
                hint = errors.did_you_mean(shown_key, self._fields)
                raise errors.SchemaDefinitionError(
                    errors.OBJECT_UNKNOWN_FIELD.format(op=op, field=shown_key, hint=hint)
                )

    def _bare(self) -> str:
        inner = ", ".join(f"{name}: {self._fields[name]!r}" for name in sorted(self._fields))
        return "v.object({" + inner + "})"

    def _key(self) -> tuple[Any, ...]:
        return ("object", tuple(sorted(self._fields.items(), key=lambda item: item[0])))

    @property
    def json(self) -> dict[str, Any]:
        return {
            "type": "object",
            "value": {
                name: {"fieldType": f.json, "optional": f.is_optional}
                for name, f in self._fields.items()
            },
        }


class _NoPassThrough:
    """The type of no value: the plan's marker for "always call the validator"."""


# Validator class -> the value type it returns unchanged (a str only if ASCII): the
# fast path of VObject._check.  Exact classes only, checked against each _check.
_PASS_THROUGH: Final[dict[type[Validator], Any]] = {
    VString: str,
    VFloat64: float,
    VBoolean: bool,
    VInt64: Int64,
    VNull: type(None),
    VBytes: bytes,
}


def _shown(value: dict[Any, Any], checked: dict[str, Any]) -> dict[Any, Any]:
    """The object as shown in errors: fields checked so far in canonical form (Int64...)."""
    return {k: checked.get(k, item) if type(k) is str else item for k, item in value.items()}


def _fast_key_ok(key: Any) -> bool:
    return (
        type(key) is str
        and key.isascii()
        and key.isprintable()
        and len(key) <= MAX_FIELD_NAME_LEN
        and not key.startswith("$")
    )


def _is_string_subtype(validator: Validator) -> bool:
    if isinstance(validator, (VString, VId)):
        return True
    if isinstance(validator, VLiteral):
        return isinstance(validator.value, str)
    if isinstance(validator, VUnion):
        return all(_is_string_subtype(m) for m in validator.members)
    return False


def _has_string_literal(validator: Validator) -> bool:
    if isinstance(validator, VLiteral):
        return isinstance(validator.value, str)
    if isinstance(validator, VUnion):
        return any(_has_string_literal(m) for m in validator.members)
    return False


class VRecord(Validator):
    """``v.record(keys, values)``: a ``dict`` whose every key and value match."""

    __slots__ = ("key", "value")
    kind: ClassVar[str] = "record"

    def __init__(self, key: Validator, value: Validator, *, is_optional: bool = False) -> None:
        key = _require_validator(key, "The key of v.record()")
        value = _require_validator(value, "The value of v.record()")
        if key.is_optional:
            raise errors.SchemaDefinitionError(errors.RECORD_OPTIONAL_KEYS)
        if value.is_optional:
            raise errors.SchemaDefinitionError(errors.RECORD_OPTIONAL_VALUES)
        if not _is_string_subtype(key):
            raise errors.SchemaDefinitionError(
                errors.RECORD_NON_STRING_KEYS.format(keys=key._display)
            )
        if _has_string_literal(key):
            raise errors.SchemaDefinitionError(errors.RECORD_LITERAL_KEYS)
        super().__init__(is_optional=is_optional, height=1 + max(key._height, value._height))
        self.key = key
        self.value = value

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        if type(value) is not dict and not isinstance(value, dict):
            raise self._mismatch(value)
        if depth >= MAX_VALUE_NESTING:
            raise _too_nested(depth)
        if len(value) > MAX_OBJECT_FIELDS:
            raise _too_many_fields(len(value))
        check_key = self.key._check
        check_value = self.value._check
        depth += 1
        out: dict[str, Any] = {}
        stage = ""
        try:
            for key, item in value.items():
                if item is UNDEFINED:
                    continue
                if not _fast_key_ok(key):
                    stage = ""
                    key = check_field_name(key)  # a str subclass key becomes a plain str
                stage = ".keys()"
                key = check_key(key, tables, depth)
                stage = ".values()"
                out[key] = check_value(item, tables, depth)
        except errors.UnsupportedValueError:
            raise _bad_key(key) from None
        except _Failure as failure:
            if failure.kind != _UNSUPPORTED:
                # The backend reports the first failing entry in key order.
                self._raise_first_sorted(value, tables, depth)
            if stage:
                failure.ctx.append(stage)
            raise
        return out

    def _raise_first_sorted(self, value: dict[str, Any], tables: Any, depth: int) -> None:
        keys = [k for k, item in value.items() if item is not UNDEFINED]
        for key in keys:
            if not isinstance(key, str):
                raise _bad_key(key)  # not a Convex value at all: that comes first
        for key in sorted(keys):
            try:
                self.key._check(key, tables, depth)
            except _Failure as failure:
                failure.ctx.append(".keys()")
                raise
            try:
                self.value._check(value[key], tables, depth)
            except _Failure as failure:
                failure.ctx.append(".values()")
                raise

    def _bare(self) -> str:
        return f"v.record({self.key._display}, {self.value._display})"

    def _key(self) -> tuple[Any, ...]:
        return ("record", self.key, self.value)

    @property
    def json(self) -> dict[str, Any]:
        return {
            "type": "record",
            "keys": self.key.json,
            "values": {"fieldType": self.value.json, "optional": False},
        }


class VUnion(Validator):
    """``v.union(*members)``: the first member that matches wins."""

    __slots__ = ("_by_tag", "_checks", "_tag", "_untagged", "members")
    kind: ClassVar[str] = "union"

    def __init__(self, *members: Validator, is_optional: bool = False) -> None:
        checked = tuple(
            _require_validator(m, f"Member {i} of v.union()") for i, m in enumerate(members)
        )
        height = 1 + max((m._height for m in checked), default=0)
        super().__init__(is_optional=is_optional, height=height)
        self.members = checked
        self._checks = tuple(m._check for m in checked)
        self._tag: str | None = None
        self._by_tag: dict[Any, tuple[Any, ...]] = {}
        self._untagged: tuple[Any, ...] = ()
        self._find_discriminant()

    def _find_discriminant(self) -> None:
        """Speed up discriminated unions of objects (``{kind: v.literal(...)}``).

        A member whose required literal field differs from the value's cannot match, so
        only the other members are tried; the first success is the same.
        """
        objects = [m for m in self.members if isinstance(m, VObject)]
        if len(objects) < 2:
            return
        for name in sorted(objects[0]._fields):
            if all(
                isinstance(f := o._fields.get(name), VLiteral) and not f.is_optional
                for o in objects
            ):
                break
        else:
            return
        keys = {o._fields[name]._sort_key for o in objects}  # type: ignore[attr-defined]
        self._tag = name
        self._by_tag = {
            key: tuple(
                m._check
                for m in self.members
                if not isinstance(m, VObject) or m._fields[name]._sort_key == key  # type: ignore[attr-defined]
            )
            for key in keys
        }
        self._untagged = tuple(m._check for m in self.members if not isinstance(m, VObject))

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        checks = self._checks
        if len(checks) == 1:
            return checks[0](value, tables, depth)
        tag = self._tag
        if tag is not None:
            if type(value) is not dict:
                if not isinstance(value, dict):
                    checks = self._untagged
            else:
                tag_value = value.get(tag)
                if type(tag_value) in _EXACT_SCALARS and not _is_big_plain_int(tag_value):
                    checks = self._by_tag.get(sort_key(tag_value), self._untagged)
        unsupported: _Failure | None = None
        for check in checks:
            try:
                return check(value, tables, depth)
            except _Failure as failure:
                if failure.kind == _UNSUPPORTED and unsupported is None:
                    unsupported = failure
        if unsupported is not None:
            # E.g. an int beyond 2**53 under v.number(): the hint says more than NoMatch.
            raise unsupported
        raise self._mismatch(value)

    def _bare(self) -> str:
        return "v.union(" + ", ".join(m._display for m in self.members) + ")"

    def _key(self) -> tuple[Any, ...]:
        return ("union", self.members)

    @property
    def json(self) -> dict[str, Any]:
        return {"type": "union", "value": [m.json for m in self.members]}


def _copy_any(value: Any, depth: int) -> Any:
    """``convert`` for the common exact types, without building paths (hot path)."""
    cls = type(value)
    if cls is str:
        return value if value.isascii() else _check_surrogates(value)
    if cls is float or cls is bool or value is None or cls is Int64 or cls is bytes:
        return value
    if cls is int:
        if -MAX_SAFE_FLOAT_INT <= value <= MAX_SAFE_FLOAT_INT:
            return value
        raise _int_hint(value)
    if cls is dict:
        if depth >= MAX_VALUE_NESTING or len(value) > MAX_OBJECT_FIELDS:
            raise _rerun_convert(value, depth)
        out = {}
        for key, item in value.items():
            if not _fast_key_ok(key):
                key = check_field_name(key)  # raises for a bad key; a str subclass -> str
            if item is not UNDEFINED:
                out[key] = _copy_any(item, depth + 1)
        return out
    if cls is list or cls is tuple:
        if depth >= MAX_VALUE_NESTING or len(value) > MAX_ARRAY_LEN:
            raise _rerun_convert(value, depth)
        return [_copy_any(item, depth + 1) for item in value]
    try:
        return convert(value, "", _depth=depth)
    except errors.UnsupportedValueError:
        raise _rerun_convert(value, depth) from None


class VAny(Validator):
    """``v.any()``: any Convex value."""

    __slots__ = ()
    kind: ClassVar[str] = "any"

    def _check(self, value: Any, tables: TableResolver | None, depth: int) -> Any:
        try:
            return _copy_any(value, depth)
        except (_Failure, errors.UnsupportedValueError):
            # ``convert`` words the error, naming the innermost offending path.
            raise _rerun_convert(value, depth) from None


# ---------------------------------------------------------------------------
# The `v` namespace
# ---------------------------------------------------------------------------


@checked_arity("v")
class _Builders:
    """The ``v`` namespace of validator builders (mirrors ``convex/values`` ``v``)."""

    __slots__ = ()

    @staticmethod
    def id(table_name: str) -> VId:
        """A document ID of ``table_name``."""
        return VId(table_name)

    @staticmethod
    def null() -> VNull:
        """``None``."""
        return VNull()

    @staticmethod
    def number() -> VFloat64:
        """A Float64: ``float`` or plain ``int`` with abs <= 2**53 (alias of float64)."""
        return VFloat64()

    @staticmethod
    def float64() -> VFloat64:
        """A Float64: ``float`` or plain ``int`` with abs <= 2**53."""
        return VFloat64()

    @staticmethod
    def int64() -> VInt64:
        """An :class:`Int64`; a plain ``int`` in range is converted to one."""
        return VInt64()

    @staticmethod
    def bigint() -> VInt64:
        """Alias of :meth:`int64`."""
        return VInt64()

    @staticmethod
    def boolean() -> VBoolean:
        """``True`` or ``False``."""
        return VBoolean()

    @staticmethod
    def string() -> VString:
        """A ``str``."""
        return VString()

    @staticmethod
    def bytes() -> VBytes:
        """``bytes`` (``bytearray``/``memoryview`` accepted)."""
        return VBytes()

    @staticmethod
    def literal(value: str | int | float | bool) -> VLiteral:
        """Exactly ``value`` (str, int/float, bool or Int64) by Convex equality."""
        return VLiteral(value)

    @staticmethod
    def array(element: Validator) -> VArray:
        """A list of ``element``."""
        return VArray(element)

    @staticmethod
    def object(fields: Mapping[str, Validator]) -> VObject:
        """A dict with exactly ``fields`` (optional ones may be absent)."""
        return VObject(fields)

    @staticmethod
    def record(keys: Validator, values: Validator) -> VRecord:
        """A dict whose keys match ``keys`` (string-like) and values match ``values``."""
        return VRecord(keys, values)

    @staticmethod
    def union(*members: Validator) -> VUnion:
        """Any one of ``members`` (tried in order)."""
        return VUnion(*members)

    @staticmethod
    def optional(validator: _V) -> _V:
        """``validator`` as an optional object field."""
        if not isinstance(validator, Validator):
            _require_validator(validator, "The argument of v.optional()")
        return validator.optional()

    @staticmethod
    def nullable(validator: Validator) -> VUnion:
        """``v.union(validator, v.null())``."""
        return VUnion(_require_validator(validator, "The argument of v.nullable()"), VNull())

    @staticmethod
    def any() -> VAny:
        """Any Convex value."""
        return VAny()

    def __repr__(self) -> str:
        return "v"


v: Final = _Builders()
"""Validator builders: ``v.string()``, ``v.object({...})``, ``v.union(...)``, ..."""
