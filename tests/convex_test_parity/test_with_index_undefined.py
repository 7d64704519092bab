"""Port of convex-test ``convex/withIndexUndefined.test.ts``."""

from __future__ import annotations

from typing import Any

from convex_test import UNDEFINED, convex_test, define_schema, define_table, v


def by_field(value: Any) -> Any:
    return lambda ctx: (
        ctx.db.query("things").with_index("field", lambda q: q.eq("field", value)).collect()
    )


def test_with_index_undefined_field_matching() -> None:
    schema = define_schema(
        {
            "things": define_table(
                {"field": v.optional(v.string()), "otherField": v.optional(v.string())}
            ).index("field", ["field"])
        }
    )
    t = convex_test(schema)

    def seed(ctx: Any) -> None:
        ctx.db.insert("things", {})
        ctx.db.insert("things", {"field": "some"})
        ctx.db.insert("things", {"field": "other"})
        ctx.db.insert("things", {"otherField": "value"})

    t.run(seed)
    things = t.run(by_field(UNDEFINED))
    assert [{k: x for k, x in d.items() if not k.startswith("_")} for d in things] == [
        {},
        {"otherField": "value"},
    ]


def test_with_index_undefined_vs_null_distinction() -> None:
    schema = define_schema(
        {
            "things": define_table({"field": v.optional(v.union(v.string(), v.null()))}).index(
                "field", ["field"]
            )
        }
    )
    t = convex_test(schema)

    def seed(ctx: Any) -> None:
        ctx.db.insert("things", {"field": None})
        ctx.db.insert("things", {"field": "value"})
        ctx.db.insert("things", {})

    t.run(seed)
    undefined_results = t.run(by_field(UNDEFINED))
    null_results = t.run(by_field(None))
    assert len(undefined_results) == 1 and "field" not in undefined_results[0]
    assert len(null_results) == 1 and null_results[0]["field"] is None
