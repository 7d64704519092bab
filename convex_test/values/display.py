"""Display values and validators the way the Convex backend prints them in errors.

Strings print as ``"x"``, Int64 as ``5``, Float64 as ``5.0``/``NaN``/``inf``, bytes as
``b"<base64>"``, arrays as ``[a, b]`` and objects as ``{k: v}``.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from convex_test.values.types import UNDEFINED, Int64


def format_float(x: float) -> str:
    """Rust-style ``f64`` display: ``5.0``, ``-0.0``, ``NaN``, ``inf``, ``1e300``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = repr(float(x))
    return text.replace("e+", "e")


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
        return str(int(value))
    if isinstance(value, int):
        return format_float(float(value)) if abs(value) <= 2**53 else str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 'b"' + base64.standard_b64encode(bytes(value)).decode("ascii") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(display_value(v, _depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{k}: {display_value(v, _depth + 1)}" for k, v in value.items())
            + "}"
        )
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__} object>"
