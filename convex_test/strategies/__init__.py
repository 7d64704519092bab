"""Hypothesis strategies built from Convex validators.

>>> from convex_test.strategies import args_for, documents, from_validator
>>> from_validator(v.object({"body": v.string(), "likes": v.int64()}))
>>> documents(schema, "messages", body="hi")        # ready for ctx.db.insert
>>> args_for(api.messages.send, t, body=st.text())  # ready for t.mutation

Every value drawn passes its validator (``validator.validate(value)`` does not raise),
and with a ``t`` the IDs in it name documents of that backend.  Strategies are built
from the validator, not filtered, so they never trip Hypothesis's filter health checks.

Hypothesis is imported only when a strategy is built: ``import convex_test`` (and this
module) stay light.  See ``docs/property-testing.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from convex_test.schema.validators import Validator

__all__ = ["args_for", "documents", "from_validator"]


def from_validator(validator: Validator, *, backend: Any = None) -> SearchStrategy[Any]:
    """A strategy of canonical values that ``validator`` accepts.

    ``backend`` (a ``t``, a ``Backend`` or its ``Store``) makes ``v.id(table)`` draw
    IDs of documents that exist in that table when it has any, and fresh IDs with the
    table's number otherwise.  Without it, IDs are fresh and numbered as a new backend
    would number a table (see ``docs/property-testing.md``).  A top-level
    ``v.optional(x)`` also draws ``UNDEFINED`` (absent).
    """
    from convex_test.strategies._impl import from_validator as build

    return build(validator, backend=backend)


def documents(schema_or_t: Any, table: str, /, **overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """A strategy of documents for ``table``, ready for ``ctx.db.insert(table, doc)``.

    ``schema_or_t`` is a ``define_schema(...)`` result, or a ``t``/``Backend`` whose app
    schema is used and whose documents IDs are drawn from.  Each override fixes a
    field: a value (copied for every draw), a strategy, ``...`` (infer it, the default)
    or ``UNDEFINED`` (leave it out).  Overrides are not validated, so invalid documents
    can be built on purpose.  No system fields (``_id``, ``_creationTime``) are drawn.
    """
    from convex_test.strategies._impl import documents as build

    return build(schema_or_t, table, overrides)


def args_for(function: Any, t: Any = None, /, **overrides: Any) -> SearchStrategy[dict[str, Any]]:
    """A strategy of argument dicts for ``function``, from its ``args`` validator.

    ``function`` is the function object, or a reference (``api.messages.send``,
    ``"messages:send"``) resolved through ``t``.  With ``t``, IDs name its documents.
    Overrides work as in :func:`documents`.  A function without an args validator
    draws just the overrides (``{}`` when there are none).
    """
    from convex_test.strategies._impl import args_for as build

    return build(function, t, overrides)


def _hypothesis_setup_hook() -> None:
    """Hypothesis entry point: ``st.from_type(Int64)`` draws Int64 values.

    Hypothesis calls it once when *it* is imported; it only registers a type, so it
    never imports the engine.
    """
    from hypothesis import strategies as st

    from convex_test.values.types import INT64_MAX, INT64_MIN, Int64

    st.register_type_strategy(Int64, st.integers(INT64_MIN, INT64_MAX).map(Int64))
