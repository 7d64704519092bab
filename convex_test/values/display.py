"""Display values and validators the way the Convex backend prints them in errors.

Strings print as ``"x"``, Int64 as ``5``, Float64 as ``5.0``/``NaN``/``inf``, bytes as
``b"<base64>"``, arrays as ``[a, b]`` and objects as ``{k: v}``.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from typing import Any, Final

from convex_test.values.types import UNDEFINED, Int64, Shown, int_text


def format_float(x: float) -> str:
    """Rust-style ``f64`` display: ``5.0``, ``-0.0``, ``NaN``, ``inf``, ``1e300``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(float(x))
    if "e" in text:
        # Python writes 1e+16 / 1e-05, Rust's Debug 1e16 / 1e-5.
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa}e{int(exponent)}"
    return text


_SIMPLE_ESCAPES: Final = {
    "\0": "\\0",
    "\t": "\\t",
    "\r": "\\r",
    "\n": "\\n",
    '"': '\\"',
    "\\": "\\\\",
}


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch]
    if code < 0x20 or code == 0x7F:
        return f"\\u{{{code:x}}}"
    if code < 0x7F:
        return ch
    if not ch.isprintable() or unicodedata.category(ch) in ("Mn", "Me"):
        # Rust escapes non-printable and grapheme-extending characters.
        return f"\\u{{{code:x}}}"
    return ch


def format_string(s: str) -> str:
    """Rust ``{:?}`` of a string: ``"a\\"b"``, control characters as ``\\u{1}``."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    return '"' + "".join(_escape_char(ch) for ch in s) + '"'


def safe_repr(value: Any, limit: int = 200) -> str:
    """``repr(value)`` that never raises, shortened to about ``limit`` characters.

    For error messages about arbitrary user values: huge ints, cyclic or deeply nested
    containers and a ``__repr__`` that raises all still produce text.
    """
    try:
        text = int_text(value) if type(value) is int else repr(value)
    except Exception:  # RecursionError, the 4300-digit limit, a raising __repr__...
        try:
            text = f"<{type(value).__name__} object>"
        except Exception:
            text = "<object>"
    if not isinstance(text, str):
        text = "<object>"
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def shown(value: Any) -> Shown:
    """``value`` rendered safely (see :func:`safe_repr`), for ``{value!r}`` templates."""
    return Shown(safe_repr(value))


def display_value(value: Any, _depth: int = 0) -> str:
    """The backend's display form of a (possibly non-canonical) value."""
    if _depth > 64:
        return "..."
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Int64):
        return int_text(value)
    if isinstance(value, int):
        return format_float(float(value)) if abs(value) <= 2**53 else int_text(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return format_string(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 'b"' + base64.standard_b64encode(bytes(value)).decode("ascii") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(display_value(v, _depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        # Convex objects are ordered maps: the backend always prints keys sorted.
        try:
            keys = sorted(value)
        except Exception:  # non-str keys, or keys whose __lt__ raises
            keys = list(value)
        return (
            "{"
            + ", ".join(
                f"{k if isinstance(k, str) else safe_repr(k)}: "
                f"{display_value(value[k], _depth + 1)}"
                for k in keys
            )
            + "}"
        )
    return safe_repr(value)
