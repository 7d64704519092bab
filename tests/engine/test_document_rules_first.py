"""A write's own document rules are checked before the schema, as in the backend.

The backend builds the document (``ResolvedDocument::new``, which rejects top-level
``_x`` fields) before it enforces the schema, so an underscore field fails with the
document error even when the schema would reject it too (or declares it).
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import convex_test, define_schema, define_table, v
from convex_test.errors import SchemaValidationError, UnsupportedValueError

UNDERSCORE = (
    r"isn't a valid document: Field '_a' starts with an underscore, which is only allowed "
    r"for system fields like '_id'"
)


def _t(fields: dict[str, Any]) -> Any:
    return convex_test(define_schema({"a": define_table(fields)}))


@pytest.mark.parametrize(
    "fields",
    [{"b": v.optional(v.string())}, {"_a": v.optional(v.string())}],
    ids=["undeclared", "declared"],
)
@pytest.mark.parametrize("op", ["insert", "patch", "replace"])
def test_underscore_field_fails_before_the_schema(fields: dict[str, Any], op: str) -> None:
    t = _t(fields)
    doc_id = t.run(lambda ctx: ctx.db.insert("a", {}))

    def write(ctx: Any) -> Any:
        if op == "insert":
            return ctx.db.insert("a", {"_a": "x"})
        return getattr(ctx.db, op)(doc_id, {"_a": "x"})

    with pytest.raises(UnsupportedValueError, match=UNDERSCORE) as info:
        t.run(write)
    assert not isinstance(info.value, SchemaValidationError)
    docs = t.run(lambda ctx: ctx.db.query("a").collect())
    assert [sorted(d) for d in docs] == [["_creationTime", "_id"]]  # nothing written
    assert docs[0]["_id"] == doc_id


def test_underscore_field_also_fails_for_a_table_missing_from_the_schema() -> None:
    t = _t({"b": v.string()})
    with pytest.raises(UnsupportedValueError, match=UNDERSCORE):
        t.run(lambda ctx: ctx.db.insert("other", {"_a": 1}))


def test_schema_errors_still_come_first_without_underscore_fields() -> None:
    t = _t({"b": v.string()})
    with pytest.raises(SchemaValidationError, match="extra field `c`"):
        t.run(lambda ctx: ctx.db.insert("a", {"b": "x", "c": 1}))
    doc_id = t.run(lambda ctx: ctx.db.insert("a", {"b": "x"}))
    with pytest.raises(SchemaValidationError, match="extra field `c`"):
        t.run(lambda ctx: ctx.db.patch(doc_id, {"c": 1}))


def test_removing_an_underscore_field_by_patch_is_not_a_violation() -> None:
    from convex_test import UNDEFINED

    t = _t({"b": v.optional(v.string())})
    doc_id = t.run(lambda ctx: ctx.db.insert("a", {}))
    t.run(lambda ctx: ctx.db.patch(doc_id, {"_a": UNDEFINED, "b": "y"}))
    assert t.run(lambda ctx: ctx.db.get(doc_id))["b"] == "y"
