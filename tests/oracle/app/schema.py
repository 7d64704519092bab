"""Schema of the oracle app: the twin of the JS oracle's ``convex/schema.ts``."""

from __future__ import annotations

from convex_test import define_schema, define_table, v

schema = define_schema(
    {
        "messages": define_table(
            {
                "author": v.string(),
                "body": v.string(),
                "channel": v.string(),
                "n": v.number(),
            }
        )
        .index("by_channel", ["channel"])
        .index("by_author_n", ["author", "n"])
        .search_index("search_body", search_field="body", filter_fields=["channel"]),
        # `value` is optional so that a missing value takes part in the mixed-type order.
        "items": define_table({"value": v.optional(v.any()), "tag": v.string()}).index(
            "by_value", ["value"]
        ),
        "vecs": define_table({"embedding": v.array(v.float64()), "kind": v.string()}).vector_index(
            "by_embedding", vector_field="embedding", dimensions=8, filter_fields=["kind"]
        ),
    }
)
