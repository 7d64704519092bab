"""Convex's JSON wire encoding of values, and the JSON used in ``ConvexError`` messages.

=====================  =============================================================
Convex value           JSON
=====================  =============================================================
null, boolean, string  themselves
Float64                a number; NaN, ±inf and -0.0 as ``{"$float": base64(f64 LE)}``
Int64                  ``{"$integer": base64(i64 LE, two's complement)}``
Bytes                  ``{"$bytes": base64(bytes)}``
Array, Object          JSON array, JSON object (keys sorted)
=====================  =============================================================

Base64 is the standard alphabet with padding.  On decoding every JSON number is a
Float64, and a single-key object whose key is ``$integer``, ``$float`` or ``$bytes`` is
the special type.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from typing import Any, Final

from convex_test import errors
from convex_test.values.types import (
    MAX_VALUE_NESTING,
    UNDEFINED,
    Int64,
    _check_str,
    _safe_repr,
    _where,
    check_container_limits,
    check_field_name,
)

__all__ = ["from_convex_json", "to_convex_json", "to_json_compatible"]

_F64: Final = struct.Struct("<d")
_I64: Final = struct.Struct("<q")
_SPECIAL_KEYS: Final = frozenset({"$integer", "$float", "$bytes"})
# JS prints integral numbers without a fraction below 1e21 (``JSON.stringify(1e20)``).
_JS_INTEGRAL_LIMIT: Final = 1e21


def _b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode("ascii")


def _encode_float(x: float) -> Any:
    if math.isfinite(x) and not (x == 0.0 and math.copysign(1.0, x) < 0):
        return x
    return {"$float": _b64(_F64.pack(x))}


def to_convex_json(value: Any, path: str = "", *, _depth: int = 0) -> Any:
    """Encode a canonical Convex value as Convex JSON (``json.dumps``-able).

    Plain ``int`` is a Float64 and is emitted as a float (``5`` -> ``5.0``), as the
    backend does.  Object keys come out sorted.
    """
    cls = type(value)
    if value is None or cls is bool or cls is str:
        return value
    if cls is float:
        return _encode_float(value)
    if isinstance(value, Int64):
        return {"$integer": _b64(_I64.pack(int(value)))}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise errors.UnsupportedValueError(
                errors.INT_OUT_OF_FLOAT_RANGE.format(value=value, path=_where(path))
            )
        return float(value)
    if isinstance(value, float):
        return _encode_float(float(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": _b64(bytes(value))}
    if isinstance(value, (list, tuple, dict)):
        if _depth >= MAX_VALUE_NESTING:
            raise errors.UnsupportedValueError(
                errors.TOO_NESTED.format(depth=_depth + 1, path=_where(path))
            )
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key in sorted(_checked_keys(value, path)):
                item = value[key]
                if item is not UNDEFINED:
                    out[key] = to_convex_json(item, f"{path}.{key}", _depth=_depth + 1)
            return out
        return [
            to_convex_json(item, f"{path}[{i}]", _depth=_depth + 1) for i, item in enumerate(value)
        ]
    raise errors.UnsupportedValueError(
        errors.UNSUPPORTED_TYPE.format(value=_safe_repr(value), path=_where(path))
    )


def _checked_keys(obj: dict[Any, Any], path: str) -> list[str]:
    keys = list(obj)
    for key in keys:
        if not isinstance(key, str):
            raise errors.UnsupportedValueError(
                errors.NOT_STRING_KEY.format(key=_safe_repr(key), path=_where(path))
            )
    return keys


def _decode_error(reason: str, path: str) -> errors.UnsupportedValueError:
    return errors.UnsupportedValueError(errors.JSON_DECODE.format(reason=reason, path=_where(path)))


def _b64_payload(tag: str, payload: Any, path: str) -> bytes:
    if not isinstance(payload, str):
        raise _decode_error(
            errors.JSON_SPECIAL_NOT_STRING.format(tag=tag, value=_safe_repr(payload)), path
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        data = None
    # Strict: only the canonical (padded, zero trailing bits) spelling is accepted.
    if data is None or _b64(data) != payload:
        raise _decode_error(errors.JSON_BAD_BASE64.format(tag=tag, value=payload), path)
    return data


def _rust_display(x: float) -> str:
    """Rust's ``f64`` Display: shortest digits, never an exponent, no ``.0``."""
    text = repr(x)
    if "e" not in text:
        return text.removesuffix(".0")
    mantissa, _, exponent = text.partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    whole, _, fraction = mantissa.lstrip("-").partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _decode_special(tag: str, payload: Any, path: str) -> Any:
    data = _b64_payload(tag, payload, path)
    if tag == "$bytes":
        return data
    if len(data) != 8:
        kind = "Int64" if tag == "$integer" else "Float64"
        raise _decode_error(errors.JSON_NOT_EIGHT_BYTES.format(kind=kind), path)
    if tag == "$integer":
        return Int64(_I64.unpack(data)[0])
    (x,) = _F64.unpack(data)
    if math.isfinite(x) and not (x == 0.0 and math.copysign(1.0, x) < 0):
        raise _decode_error(errors.JSON_FLOAT_SHOULD_BE_NUMBER.format(value=_rust_display(x)), path)
    return x


def from_convex_json(j: Any, path: str = "", *, _depth: int = 0) -> Any:
    """Decode Convex JSON (as parsed by ``json.loads``) into a canonical value.

    Every JSON number becomes a ``float``.  Raises :class:`UnsupportedValueError` naming
    the path for anything that is not valid Convex JSON.
    """
    if j is None or isinstance(j, bool):
        return j
    if isinstance(j, str):
        return str.__str__(_check_str(j, path))
    if isinstance(j, (int, float)):
        if isinstance(j, float):
            if not math.isfinite(j):
                raise _decode_error(errors.JSON_NOT_FINITE.format(value=j), path)
            return float(j)
        try:
            return float(j)
        except OverflowError:
            raise _decode_error(errors.JSON_NUMBER_RANGE.format(value=j), path) from None
    if isinstance(j, (list, dict)):
        # The field-count limit is checked before the one-key special objects: a
        # one-key object never exceeds it, so the outcome is the same.
        check_container_limits(j, path, _depth)
        if isinstance(j, list):
            return [
                from_convex_json(item, f"{path}[{i}]", _depth=_depth + 1)
                for i, item in enumerate(j)
            ]
        if len(j) == 1:
            ((key, payload),) = j.items()
            if key in _SPECIAL_KEYS:
                return _decode_special(key, payload, path)
        out: dict[str, Any] = {}
        for key, item in j.items():
            check_field_name(key, path)
            out[key] = from_convex_json(item, f"{path}.{key}", _depth=_depth + 1)
        return out
    raise _decode_error(errors.JSON_NOT_JSON.format(value=_safe_repr(j)), path)


def to_json_compatible(value: Any, *, _depth: int = 0) -> Any:
    """A ``json.dumps``-able twin of ``value`` mirroring JS ``ConvexError`` messages.

    JS builds the message with ``JSON.stringify``: Int64 prints as ``"5n"``, integral
    numbers without a fraction, NaN and ±inf as ``null``, bytes as ``{}`` and
    ``undefined`` as ``"undefined"``.  Never raises for canonical values; raises
    :class:`UnsupportedValueError` for other input (callers fall back to ``repr``).
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Int64):
        return f"{int(value)}n"
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        x = float(value)
        if not math.isfinite(x):
            return None
        if x.is_integer() and abs(x) < _JS_INTEGRAL_LIMIT:
            return int(x)  # also turns -0.0 into 0, as JS prints it
        return x
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {}
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, (list, tuple, dict)):
        if _depth >= MAX_VALUE_NESTING:
            raise errors.UnsupportedValueError(errors.TOO_NESTED.format(depth=_depth + 1, path=""))
        if isinstance(value, dict):
            return {
                key: to_json_compatible(item, _depth=_depth + 1)
                for key, item in zip(_checked_keys(value, ""), value.values())
            }
        return [to_json_compatible(item, _depth=_depth + 1) for item in value]
    raise errors.UnsupportedValueError(
        errors.UNSUPPORTED_TYPE.format(value=_safe_repr(value), path="")
    )
