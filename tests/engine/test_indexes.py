"""with_index: range rules and errors, the Convex total order, nested paths, brute force."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convex_test import errors
from convex_test.engine import DatabaseReader
from convex_test.schema.definition import define_schema, define_table
from convex_test.schema.validators import v
from convex_test.values.order import sort_key
from convex_test.values.types import UNDEFINED, Int64
from tests.engine.strategies import pool_values, scalars, small_doc
from tests.engine.support import MIXED, ORACLE_ASC, START, Engine, items_engine

# --------------------------------------------------------------------------- oracle


def tags(docs: list[dict[str, Any]]) -> list[str]:
    return [d["tag"] for d in docs]


@pytest.fixture(scope="module")
def items() -> Engine:
    return items_engine()


def test_mixed_type_index_order(items: Engine) -> None:
    asc = items.query(lambda db: db.query("items").with_index("by_value").collect())
    desc = items.query(lambda db: db.query("items").with_index("by_value").order("desc").collect())
    assert tags(asc) == ORACLE_ASC
    assert tags(desc) == list(reversed(ORACLE_ASC))


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (0.0, ["num:0"]),
        (-0.0, ["num:-0"]),
        (math.nan, ["num:NaN"]),
        (None, ["null"]),
        (UNDEFINED, ["missing"]),
        (2.0, []),
        (2, []),
        (Int64(2), ["int:2n"]),
        ("a", ["str:a"]),
        ([1.0], ["arr:[1]"]),
        ({"a": 1.0}, ["obj:{a:1}"]),
        ({"b": 2.0, "a": 1.0}, ["obj:{a:1,b:2}", "obj:{b:2,a:1}"]),
        (b"\x01\x02", ["bytes:0102"]),
        ((1.0,), ["arr:[1]"]),
        (bytearray(b"\xff"), ["bytes:ff"]),
    ],
)
def test_mixed_type_eq_lookups(items: Engine, probe: Any, expected: list[str]) -> None:
    found = items.query(
        lambda db: (
            db.query("items").with_index("by_value", lambda q: q.eq("value", probe)).collect()
        )
    )
    assert tags(found) == expected


def test_mixed_type_ranges(items: Engine) -> None:
    between = items.query(
        lambda db: (
            db.query("items")
            .with_index("by_value", lambda q: q.gt("value", None).lt("value", ""))
            .collect()
        )
    )
    assert tags(between) == ORACLE_ASC[2:15]
    from_true = items.query(
        lambda db: (
            db.query("items").with_index("by_value", lambda q: q.gte("value", True)).collect()
        )
    )
    assert tags(from_true) == ORACLE_ASC[ORACLE_ASC.index("bool:true") :]
    below_seven = items.query(
        lambda db: db.query("items").with_index("by_value", lambda q: q.lt("value", 7.0)).collect()
    )
    assert tags(below_seven) == ORACLE_ASC[: ORACLE_ASC.index("num:1e300")]
    upto_undefined = items.query(
        lambda db: (
            db.query("items").with_index("by_value", lambda q: q.lte("value", UNDEFINED)).collect()
        )
    )
    assert tags(upto_undefined) == ["missing"]


def test_lower_bound_above_upper_bound_is_empty(items: Engine) -> None:
    found = items.query(
        lambda db: (
            db.query("items")
            .with_index("by_value", lambda q: q.gt("value", "z").lt("value", "a"))
            .collect()
        )
    )
    assert found == []


def test_default_order_is_creation_time(items: Engine) -> None:
    rows = items.query(lambda db: db.query("items").collect())
    assert tags(rows) == [tag for tag, _ in MIXED]
    times = [d["_creationTime"] for d in rows]
    assert times == sorted(times) and times[0] == START
    desc = items.query(lambda db: db.query("items").order("desc").collect())
    assert tags(desc) == [tag for tag, _ in reversed(MIXED)]


# --------------------------------------------------------------------------- built-in indexes


def test_by_creation_time_and_by_id(items: Engine) -> None:
    rows = items.query(lambda db: db.query("items").collect())
    cutoff = rows[5]["_creationTime"]
    after = items.query(
        lambda db: (
            db.query("items")
            .with_index("by_creation_time", lambda q: q.gt("_creationTime", cutoff))
            .collect()
        )
    )
    assert tags(after) == tags(rows[6:])
    target = rows[3]["_id"]
    by_id = items.query(
        lambda db: db.query("items").with_index("by_id", lambda q: q.eq("_id", target)).collect()
    )
    assert tags(by_id) == [rows[3]["tag"]]
    all_by_id = items.query(lambda db: db.query("items").with_index("by_id").collect())
    assert [d["_id"] for d in all_by_id] == sorted(d["_id"] for d in rows)
    bounded = items.query(
        lambda db: (
            db.query("items")
            .with_index(
                "by_id", lambda q: q.gte("_id", all_by_id[2]["_id"]).lt("_id", all_by_id[5]["_id"])
            )
            .collect()
        )
    )
    assert [d["_id"] for d in bounded] == [d["_id"] for d in all_by_id[2:5]]


def test_by_id_index_is_maintained_after_first_use() -> None:
    eng = Engine()
    eng.insert_many("t", [{"n": i} for i in range(5)])
    assert len(eng.query(lambda db: db.query("t").with_index("by_id").collect())) == 5
    new_id = eng.mutation(lambda db: db.insert("t", {"n": 5}))
    ids = [d["_id"] for d in eng.query(lambda db: db.query("t").with_index("by_id").collect())]
    assert new_id in ids and ids == sorted(ids)


def test_system_fields_after_declared_fields(schema_engine: Engine) -> None:
    eng = schema_engine
    ids = eng.insert_many(
        "messages",
        [{"author": "a", "body": str(i)} for i in range(4)] + [{"author": "b", "body": "x"}],
    )
    docs = [eng.query(lambda db, i=i: db.get(i)) for i in ids]
    t2 = docs[2]["_creationTime"]
    rows = eng.query(
        lambda db: (
            db.query("messages")
            .with_index("by_author", lambda q: q.eq("author", "a").gt("_creationTime", t2))
            .collect()
        )
    )
    assert [r["body"] for r in rows] == ["3"]
    rows = eng.query(
        lambda db: (
            db.query("messages")
            .with_index(
                "by_author",
                lambda q: q.eq("author", "a").eq("_creationTime", t2).gte("_id", docs[2]["_id"]),
            )
            .collect()
        )
    )
    assert [r["body"] for r in rows] == ["2"]
    rows = eng.query(
        lambda db: (
            db.query("messages")
            .with_index(
                "by_author",
                lambda q: q.eq("_creationTime", t2).eq("author", "a").eq("_id", docs[2]["_id"]),
            )
            .collect()
        )
    )
    assert [r["body"] for r in rows] == ["2"]


def test_compound_index_ranges(schema_engine: Engine) -> None:
    eng = schema_engine
    eng.insert_many(
        "messages",
        [{"author": f"u{i % 3}", "body": f"b{i}", "n": float(i)} for i in range(12)],
    )

    def run(fn: Any, order: str = "asc") -> list[float]:
        rows = eng.query(
            lambda db: db.query("messages").with_index("by_author_n", fn).order(order).collect()
        )
        return [r["n"] for r in rows]

    assert run(lambda q: q.eq("author", "u1")) == [1, 4, 7, 10]
    assert run(lambda q: q.eq("author", "u1").gt("n", 1)) == [4, 7, 10]
    assert run(lambda q: q.eq("author", "u1").gt("n", 1).lte("n", 7), "desc") == [7, 4]
    assert run(lambda q: q.eq("author", "u1").gte("n", 4).lt("n", 10)) == [4, 7]
    assert run(lambda q: q.lt("author", "u1")) == [0, 3, 6, 9]
    assert run(lambda q: q.gte("author", "u1"), "desc") == [11, 8, 5, 2, 10, 7, 4, 1]
    # Bounds may come in either order; eqs in any textual order.
    assert run(lambda q: q.lt("n", 7).eq("author", "u1")) == [1, 4]


def test_missing_fields_sort_first_and_eq_undefined(schema_engine: Engine) -> None:
    eng = schema_engine
    eng.insert_many(
        "messages",
        [
            {"author": "a", "body": "1", "channel": "c"},
            {"author": "a", "body": "2"},
            {"author": "a", "body": "3", "channel": "b"},
        ],
    )
    rows = eng.query(lambda db: db.query("messages").with_index("by_channel").collect())
    assert [r["body"] for r in rows] == ["2", "3", "1"]
    rows = eng.query(
        lambda db: (
            db.query("messages")
            .with_index("by_channel", lambda q: q.eq("channel", UNDEFINED))
            .collect()
        )
    )
    assert [r["body"] for r in rows] == ["2"]
    rows = eng.query(
        lambda db: (
            db.query("messages").with_index("by_channel", lambda q: q.eq("channel", None)).collect()
        )
    )
    assert rows == []


def test_nested_field_index() -> None:
    schema = define_schema(
        {
            "people": define_table({"profile": v.any(), "tag": v.string()}).index(
                "by_name", ["profile.name"]
            )
        }
    )
    eng = Engine(schema)
    eng.insert_many(
        "people",
        [
            {"tag": "b", "profile": {"name": "Bo"}},
            {"tag": "none", "profile": "not an object"},
            {"tag": "a", "profile": {"name": "Al", "age": 3}},
            {"tag": "list", "profile": [{"name": "Al"}]},
        ],
    )
    rows = eng.query(lambda db: db.query("people").with_index("by_name").collect())
    assert tags(rows) == ["none", "list", "a", "b"]
    rows = eng.query(
        lambda db: (
            db.query("people").with_index("by_name", lambda q: q.eq("profile.name", "Al")).collect()
        )
    )
    assert tags(rows) == ["a"]


def test_index_follows_patches_replaces_and_deletes(schema_engine: Engine) -> None:
    eng = schema_engine
    a, b, c = eng.insert_many("messages", [{"author": x, "body": x} for x in ("a", "b", "c")])
    eng.mutation(lambda db: db.patch(a, {"author": "z"}))
    eng.mutation(lambda db: db.replace(b, {"author": "y", "body": "b"}))
    eng.mutation(lambda db: db.delete(c))
    rows = eng.query(lambda db: db.query("messages").with_index("by_author").collect())
    assert [r["author"] for r in rows] == ["y", "z"]


# --------------------------------------------------------------------------- errors


def _range_error(eng: Engine, index: str, fn: Any) -> str:
    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(lambda db: db.query("messages").with_index(index, fn).collect())
    return str(info.value)


def test_duplicate_equality(schema_engine: Engine) -> None:
    text = _range_error(schema_engine, "by_author", lambda q: q.eq("author", "a").eq("author", "b"))
    assert text == 'Already defined equality bound in index range. Can\'t add "author" == "a".'


def test_two_lower_or_upper_bounds(schema_engine: Engine) -> None:
    text = _range_error(
        schema_engine, "by_author", lambda q: q.gt("author", "a").gte("author", "b")
    )
    assert text == 'Already defined lower bound in index range. Can\'t add "author" >= "b".'
    text = _range_error(
        schema_engine, "by_author", lambda q: q.lt("author", "a").lte("author", "b")
    )
    assert text == 'Already defined upper bound in index range. Can\'t add "author" <= "b".'


def test_bounds_on_two_fields(schema_engine: Engine) -> None:
    text = _range_error(schema_engine, "by_author_n", lambda q: q.gt("author", "a").lt("n", 5))
    assert text == (
        "Upper and lower bounds in `range` can only be applied to a single index field. This "
        "query against index messages.by_author_n attempted to set a range bound on both "
        '"author" and "n". Consider using `filter` instead. See '
        "https://docs.convex.dev/using/indexes for more info."
    )


def test_eq_and_bound_on_one_field(schema_engine: Engine) -> None:
    text = _range_error(schema_engine, "by_author", lambda q: q.eq("author", "a").gt("author", "b"))
    assert text == 'Already defined inequality bound in index range. Can\'t add "author" == "a".'


def test_field_not_in_index(schema_engine: Engine) -> None:
    text = _range_error(schema_engine, "by_author", lambda q: q.eq("body", "x"))
    assert text == (
        'The index range included a comparison with "body", but messages.by_author with fields '
        '["author", "_creationTime"] doesn\'t index this field. For more information see '
        "https://docs.convex.dev/using/indexes."
    )


@pytest.mark.parametrize(
    ("index", "fn", "query_fields", "first"),
    [
        ("by_author_body", lambda q: q.eq("body", "x"), '["body"]', '"body"'),
        ("by_author_body", lambda q: q.gt("body", "x"), '["body"]', '"body"'),
        (
            "by_author_body",
            lambda q: q.eq("author", "a").gt("_id", "x"),
            '["author", "_id"]',
            '"_id"',
        ),
        ("by_author_n", lambda q: q.eq("n", 1).gt("author", "a"), '["n", "author"]', '"n"'),
    ],
)
def test_fields_out_of_order(
    schema_engine: Engine, index: str, fn: Any, query_fields: str, first: str
) -> None:
    fields = {
        "by_author_body": '["author", "body", "_creationTime"]',
        "by_author_n": '["author", "n", "_creationTime"]',
    }[index]
    text = _range_error(schema_engine, index, fn)
    assert text == (
        f"Tried to query index messages.{index} but the query didn't use the index fields in "
        f"order.\nIndex fields: {fields}\nQuery fields: {query_fields}\n"
        f"First incorrect field: {first}\n"
        "For more information see https://docs.convex.dev/using/indexes."
    )


def test_by_id_and_by_creation_time_range_errors(schema_engine: Engine) -> None:
    text = _range_error(schema_engine, "by_id", lambda q: q.eq("_creationTime", 1.0))
    assert "with fields [] doesn't index this field" in text
    text = _range_error(schema_engine, "by_creation_time", lambda q: q.gt("_id", "x"))
    assert 'Query fields: ["_id"]' in text and 'Index fields: ["_creationTime"]' in text


def test_unknown_index(schema_engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        schema_engine.query(lambda db: db.query("messages").with_index("by_autor").collect())
    assert str(info.value) == "Index messages.by_autor not found. Did you mean `by_author`?"
    with pytest.raises(errors.ConvexTestError) as info:
        schema_engine.query(lambda db: db.query("messages").with_index("search_body").collect())
    assert str(info.value) == "Index messages.search_body is not a database index"
    with pytest.raises(errors.ConvexTestError) as info:
        schema_engine.query(lambda db: db.query("ghosts").with_index("by_x").collect())
    assert str(info.value) == "Index ghosts.by_x not found."


def test_unknown_table_full_scan_is_empty(engine: Engine) -> None:
    assert engine.query(lambda db: db.query("ghosts").collect()) == []
    assert engine.query(lambda db: db.query("ghosts").first()) is None
    assert engine.query(lambda db: db.query("ghosts").count()) == 0


def test_user_indexes_need_a_schema(engine: Engine) -> None:
    engine.insert_many("things", [{"a": 1}])
    with pytest.raises(errors.ConvexTestError, match=r"Index things\.by_a not found\."):
        engine.query(lambda db: db.query("things").with_index("by_a").collect())


def test_range_builder_reuse(schema_engine: Engine) -> None:
    def reuse(q: Any) -> Any:
        q.eq("author", "a")
        return q.eq("author", "b")

    with pytest.raises(errors.ConvexTestError) as info:
        schema_engine.query(lambda db: db.query("messages").with_index("by_author", reuse))
    assert str(info.value).startswith("IndexRangeBuilder has already been used! Chain your method")

    def keep_first(q: Any) -> Any:
        q.eq("author", "a")
        return q

    with pytest.raises(errors.ConvexTestError, match="already been used"):
        schema_engine.query(lambda db: db.query("messages").with_index("by_author", keep_first))


def test_range_function_must_return_the_builder(schema_engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError, match="must return the range builder"):
        schema_engine.query(lambda db: db.query("messages").with_index("by_author", lambda q: None))
    with pytest.raises(errors.ConvexTestError, match="indexName"):
        schema_engine.query(lambda db: db.query("messages").with_index(5))
    with pytest.raises(errors.ConvexTestError, match="fieldName"):
        schema_engine.query(
            lambda db: db.query("messages").with_index("by_author", lambda q: q.eq(5, "a"))
        )
    with pytest.raises(errors.UnsupportedValueError):
        schema_engine.query(
            lambda db: db.query("messages").with_index("by_author", lambda q: q.eq("author", {1}))
        )


# --------------------------------------------------------------------------- brute force

FIELDS = ("a", "b")


def _bf_schema() -> Any:
    return define_schema(
        {
            "t": define_table({"a": v.optional(v.any()), "b": v.optional(v.any())})
            .index("by_a", ["a"])
            .index("by_ab", ["a", "b"])
        }
    )


bound_values = st.one_of(st.just(UNDEFINED), pool_values, scalars)
range_specs = st.fixed_dictionaries(
    {
        "index": st.sampled_from(["by_a", "by_ab", "by_ab", "by_creation_time"]),
        "eq_count": st.integers(0, 2),
        "eqs": st.lists(st.one_of(st.just(UNDEFINED), pool_values), min_size=2, max_size=2),
        "lower": st.one_of(st.none(), st.tuples(st.sampled_from(["gt", "gte"]), bound_values)),
        "upper": st.one_of(st.none(), st.tuples(st.sampled_from(["lt", "lte"]), bound_values)),
        "order": st.sampled_from(["asc", "desc"]),
    }
)


def _get(doc: dict[str, Any], field: str) -> Any:
    return doc.get(field, UNDEFINED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs=st.lists(small_doc(FIELDS), max_size=12), spec=range_specs)
def test_index_ranges_match_brute_force(docs: list[dict[str, Any]], spec: dict[str, Any]) -> None:
    eng = Engine(_bf_schema())
    eng.insert_many("t", docs)
    index = spec["index"]
    user_fields = {"by_a": ["a"], "by_ab": ["a", "b"], "by_creation_time": []}[index]
    fields = [*user_fields, "_creationTime", "_id"]
    eq_count = min(spec["eq_count"], len(user_fields))
    eqs = list(zip(fields[:eq_count], spec["eqs"]))
    bound_field = fields[eq_count] if eq_count < len(user_fields) else None

    def build(q: Any) -> Any:
        for field, value in eqs:
            q = q.eq(field, value)
        if bound_field is not None:
            if spec["lower"] is not None:
                q = getattr(q, spec["lower"][0])(bound_field, spec["lower"][1])
            if spec["upper"] is not None:
                q = getattr(q, spec["upper"][0])(bound_field, spec["upper"][1])
        return q

    got = eng.query(
        lambda db: db.query("t").with_index(index, build).order(spec["order"]).collect()
    )

    stored = eng.query(lambda db: db.query("t").collect())

    def matches(doc: dict[str, Any]) -> bool:
        for field, value in eqs:
            if sort_key(_get(doc, field)) != sort_key(value):
                return False
        if bound_field is not None:
            key = sort_key(_get(doc, bound_field))
            if spec["lower"] is not None:
                op, value = spec["lower"]
                bound = sort_key(value)
                if not (key > bound if op == "gt" else key >= bound):
                    return False
            if spec["upper"] is not None:
                op, value = spec["upper"]
                bound = sort_key(value)
                if not (key < bound if op == "lt" else key <= bound):
                    return False
        return True

    expected = sorted(
        (d for d in stored if matches(d)),
        key=lambda d: tuple(sort_key(_get(d, f)) for f in fields),
        reverse=spec["order"] == "desc",
    )
    assert [d["_id"] for d in got] == [d["_id"] for d in expected]


@settings(max_examples=50, deadline=None)
@given(docs=st.lists(small_doc(FIELDS), max_size=15), limit=st.integers(0, 6))
def test_take_matches_prefix_of_collect(docs: list[dict[str, Any]], limit: int) -> None:
    eng = Engine(_bf_schema())
    eng.insert_many("t", docs)

    def fn(db: DatabaseReader) -> Any:
        full = db.query("t").with_index("by_ab").order("desc").collect()
        part = db.query("t").with_index("by_ab").order("desc").take(limit)
        return full, part

    full, part = eng.query(fn)
    assert part == full[:limit]
