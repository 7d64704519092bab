"""The JS oracle's observed outputs (``data/results.json``) as Python/Convex values.

``results.json`` is written by ``/work/shared/oracle/oracle.test.ts``: the real JS
``convex-test`` 0.0.60 (``convex`` 1.48.0) running the oracle app with a frozen clock
(``FIXED_NOW``).  A copy lives next to this module so the suite does not depend on the
oracle checkout.  Values use the tagged JSON of the oracle's ``encode.ts``:

* ``{"$undefined": true}`` -> ``UNDEFINED``
* ``{"$bigint": "7"}`` -> ``Int64(7)``
* ``{"$float": "NaN" | "Infinity" | "-Infinity" | "-0"}`` -> the special float
* ``{"$bytes": "<base64>"}`` -> ``bytes``
* ``{"$error": {...}}`` -> :class:`JsError`
* every other JSON number -> ``float`` (a JS number is a Float64), objects keep their order.

A step the oracle wrapped in ``capture(...)`` is ``{"ok": value}`` or
``{"error": {name, message, isConvexError, data?}}``; :func:`outcome` reads it.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from convex_test import UNDEFINED, Int64

__all__ = ["DATA", "FIXED_NOW", "JsError", "JsOutcome", "decode", "load", "outcome"]

DATA: Final = Path(__file__).parent / "data" / "results.json"
FIXED_NOW: Final = 1735689600000
"""The oracle's frozen clock: 2025-01-01T00:00:00Z, in ms."""

_FLOATS: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


@dataclass(frozen=True, slots=True)
class JsError:
    """An error the JS side raised: ``name``, ``message``, ConvexError-ness and data."""

    name: str
    message: str
    is_convex_error: bool
    data: Any = UNDEFINED


@dataclass(frozen=True, slots=True)
class JsOutcome:
    """One captured JS step: a value, or the error it raised."""

    value: Any = None
    error: JsError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _error(info: dict[str, Any]) -> JsError:
    return JsError(
        name=str(info.get("name")),
        message=str(info.get("message")),
        is_convex_error=bool(info.get("isConvexError")),
        data=decode(info["data"]) if "data" in info else UNDEFINED,
    )


def decode(value: Any) -> Any:
    """Tagged JSON -> Python/Convex values (see the module docstring)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, payload),) = value.items()
            if tag == "$undefined":
                return UNDEFINED
            if tag == "$bigint":
                return Int64(int(payload))
            if tag == "$float":
                return _FLOATS[payload] if isinstance(payload, str) else float(payload)
            if tag == "$bytes":
                return base64.b64decode(payload)
            if tag == "$error":
                return _error(payload)
        return {key: decode(item) for key, item in value.items()}
    raise TypeError(f"not JSON: {value!r}")


def outcome(entry: Any) -> JsOutcome:
    """A decoded ``capture(...)`` entry (``{"ok": v}`` / ``{"error": {...}}``)."""
    if isinstance(entry, dict) and set(entry) <= {"ok", "error", "instanceOfConvexError"}:
        if "error" in entry:
            raw = entry["error"]
            if isinstance(raw, JsError):
                return JsOutcome(error=raw)
            return JsOutcome(error=_error(raw))
        if "ok" in entry:
            return JsOutcome(value=entry["ok"])
    raise ValueError(f"not a captured outcome: {entry!r}")


def _decode_capture(value: Any) -> Any:
    """Decode, keeping ``{"error": {...}}`` capture entries as :class:`JsError`."""
    if isinstance(value, list):
        return [_decode_capture(item) for item in value]
    if isinstance(value, dict):
        if "error" in value and isinstance(value["error"], dict) and "message" in value["error"]:
            rest = {k: _decode_capture(v) for k, v in value.items() if k != "error"}
            return {"error": _error(value["error"]), **rest}
        if len(value) == 1 and next(iter(value)).startswith("$"):
            return decode(value)
        return {key: _decode_capture(item) for key, item in value.items()}
    return decode(value)


def load(path: Path = DATA) -> dict[str, Any]:
    """``{"meta": {...}, "scenarios": {name: decoded result}}``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {"meta": raw["meta"], "scenarios": _decode_capture(raw["scenarios"])}
