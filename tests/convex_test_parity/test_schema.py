"""Port of convex-test ``convex/schema.test.ts``: names in a schema must be identifiers.

JS convex-test requires ``/^[a-zA-Z][a-zA-Z0-9_]*$/`` (plus ``_id``/``_creationTime``) for
field names; the backend's identifiers may start with ``_`` (convex-semantics §3.3), so a
``_a`` field validator is accepted and it is the write of a ``_a`` field that fails.
"""

from __future__ import annotations

import pytest

from convex_test import (
    ConvexTestError,
    SchemaDefinitionError,
    convex_test,
    define_schema,
    define_table,
    v,
)


def test_table_names_must_be_identifiers() -> None:
    with pytest.raises(SchemaDefinitionError, match='Invalid table name: "a-b"'):
        convex_test(define_schema({"a-b": define_table({})}))
    with pytest.raises(SchemaDefinitionError, match="_a is a reserved table name"):
        convex_test(define_schema({"_a": define_table({})}))


def test_field_names_must_be_identifiers() -> None:
    with pytest.raises(SchemaDefinitionError, match="Identifier a-b has invalid character '-'"):
        define_schema({"a": define_table({"a-b": v.string()})})
    # Real backend: `_a` is an identifier; documents just cannot have such a field.
    t = convex_test(define_schema({"a": define_table({"_a": v.optional(v.string())})}))
    with pytest.raises(ConvexTestError):
        t.run(lambda ctx: ctx.db.insert("a", {"_a": "x"}))


def test_underscore_field_is_refused_before_schema_validation() -> None:
    t = convex_test(define_schema({"a": define_table({"_a": v.optional(v.string())})}))
    with pytest.raises(ConvexTestError, match="Field '_a' starts with an underscore"):
        t.run(lambda ctx: ctx.db.insert("a", {"_a": "x"}))


def test_accepts_id_and_creation_time() -> None:
    t = convex_test(
        define_schema({"a": define_table({"_id": v.string(), "_creationTime": v.number()})})
    )
    doc = t.run(lambda ctx: ctx.db.get(ctx.db.insert("a", {})))
    assert set(doc) == {"_id", "_creationTime"}


def test_field_names_must_be_identifiers_union() -> None:
    with pytest.raises(SchemaDefinitionError, match="Identifier a-b has invalid character '-'"):
        define_schema(
            {"a": define_table(v.union(v.object({"a-b": v.string()}), v.object({"x": v.string()})))}
        )


def test_index_names_must_be_identifiers() -> None:
    with pytest.raises(SchemaDefinitionError, match='Invalid index name: "a-b"'):
        define_schema({"a": define_table({"a": v.string()}).index("a-b", ["a"])})
