"""Value sizes by the Convex formula, and the document limits.

Sizes: null 1, boolean 1, Int64 9, Float64 9, string ``2 + utf8 length``, bytes
``2 + length``, array ``2 + sum of items``, object ``2 + sum(len(key) + 1 + size)``.
Nesting: scalars 0, arrays and objects ``1 + max(children)``.  A document (including
``_id`` and ``_creationTime``) may be at most 1 MiB and nest at most 16 deep.
"""

from __future__ import annotations

from typing import Any, Final

from convex_test import errors
from convex_test.values.display import display_value
from convex_test.values.types import MAX_VALUE_NESTING, UNDEFINED, _safe_repr

__all__ = [
    "MAX_DOCUMENT_NESTING",
    "MAX_DOCUMENT_SIZE",
    "check_document",
    "format_size",
    "measure",
    "value_size",
]

MAX_DOCUMENT_SIZE: Final = 1 << 20
MAX_DOCUMENT_NESTING: Final = 16
SYSTEM_FIELDS: Final = frozenset({"_id", "_creationTime"})
# A rejected document is shown in the error; cap absurdly long displays.
_MAX_DISPLAY: Final = 10_000
_SCALES: Final = ("B", "KiB", "MiB", "GiB", "TiB")


def _str_size(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(s.encode("utf-8", "surrogatepass"))


def _scalar_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, (int, float)):
        return 9
    if isinstance(value, str):
        return 2 + _str_size(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return 2 + memoryview(value).nbytes
    if value is UNDEFINED:
        return 0
    raise errors.UnsupportedValueError(
        errors.UNSUPPORTED_TYPE.format(value=_safe_repr(value), path="")
    )


def measure(value: Any) -> tuple[int, int]:
    """``(size, nesting)`` of a canonical value, in one iterative pass.

    Raises :class:`UnsupportedValueError` for values nested deeper than 64 (which also
    stops cyclic input) or containing non-Convex types.
    """
    if not isinstance(value, (list, tuple, dict)):
        return _scalar_size(value), 0
    total = 0
    # Each frame: [iterator over children, nesting of the deepest child seen so far].
    stack: list[tuple[Any, list[int]]] = []

    def push(container: Any) -> None:
        nonlocal total
        if len(stack) >= MAX_VALUE_NESTING:
            raise errors.UnsupportedValueError(
                errors.TOO_NESTED.format(depth=len(stack) + 1, path="")
            )
        total += 2
        if isinstance(container, dict):
            items = []
            for key, child in container.items():
                if child is UNDEFINED:
                    continue  # JS drops undefined-valued fields
                if not isinstance(key, str):
                    raise errors.UnsupportedValueError(
                        errors.NOT_STRING_KEY.format(key=_safe_repr(key), path="")
                    )
                total += _str_size(key) + 1
                items.append(child)
            stack.append((iter(items), [0]))
        else:
            stack.append((iter(container), [0]))

    push(value)
    while True:
        children, deepest = stack[-1]
        for child in children:
            if isinstance(child, (list, tuple, dict)):
                push(child)
                break
            total += _scalar_size(child)
        else:
            stack.pop()
            nesting = 1 + deepest[0]
            if not stack:
                return total, nesting
            parent = stack[-1][1]
            if nesting > parent[0]:
                parent[0] = nesting


def value_size(value: Any) -> int:
    """The Convex size of a value in bytes (see the module docstring)."""
    return measure(value)[0]


def format_size(n: int) -> str:
    """Byte counts as the backend prints them (Rust ``humansize`` BINARY): ``1.02 MiB``."""
    size = float(n)
    scale = 0
    while abs(size) >= 1024 and scale < len(_SCALES) - 1:
        size /= 1024
        scale += 1
    places = 0 if size.is_integer() else 2
    return f"{size:.{places}f} {_SCALES[scale]}"


def _document_display(doc: dict[str, Any]) -> str:
    text = "Document(value: " + display_value(doc) + ")"
    if len(text) > _MAX_DISPLAY:
        text = text[: _MAX_DISPLAY - 3] + "..."
    return text


def check_document(doc: dict[str, Any], *, table: str = "") -> None:
    """Enforce Convex's document rules on a canonical document dict.

    ``doc`` includes ``_id`` / ``_creationTime`` when they are known (they count towards
    the size).  Checks, in the backend's order: nesting <= 16 (the document itself counts
    1) and no top-level field starting with ``_`` other than the system fields (reported
    together as "... isn't a valid document: ..."), then size <= 1 MiB.  Raises
    :class:`UnsupportedValueError`.  ``table`` is accepted for context only; the
    backend's texts do not name it.
    """
    del table  # the backend's messages do not mention the table
    if not isinstance(doc, dict):
        raise errors.UnsupportedValueError(
            errors.DOCUMENT_NOT_OBJECT.format(value=display_value(doc))
        )
    size, nesting = measure(doc)
    violations: list[str] = []
    if nesting > MAX_DOCUMENT_NESTING:
        violations.append(errors.DOCUMENT_TOO_NESTED.format(depth=nesting))
    # measure() has checked that every key is a str; the backend reports in key order.
    for name in sorted(doc):
        if name.startswith("_") and name not in SYSTEM_FIELDS and doc[name] is not UNDEFINED:
            violations.append(errors.UNDERSCORE_FIELD.format(name=name))
    if violations:
        raise errors.UnsupportedValueError(
            errors.INVALID_DOCUMENT.format(
                value=_document_display(doc), reason="\n ".join(violations)
            )
        )
    if size > MAX_DOCUMENT_SIZE:
        raise errors.UnsupportedValueError(errors.VALUE_TOO_LARGE.format(size=format_size(size)))
