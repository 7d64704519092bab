"""The counter component's own schema: one document per (counter name, shard)."""

from convex_test import define_schema, define_table, v

schema = define_schema(
    {
        "shards": define_table(
            {"name": v.string(), "shard": v.float64(), "value": v.float64()}
        ).index("by_name_shard", ["name", "shard"]),
    }
)
