""".filter(): comparisons on the total order, type-strict arithmetic, booleans, errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test import errors
from convex_test.engine.filters import Expression, FilterBuilder, compile_filter, filter_builder
from convex_test.values.order import sort_key
from convex_test.values.types import UNDEFINED, Int64
from tests.engine.strategies import pool_values, small_doc
from tests.engine.support import MIXED, ORACLE_ASC, Engine, items_engine

q = filter_builder


def ev(expr: Any, doc: dict[str, Any] | None = None) -> Any:
    return expr.evaluate(doc or {}) if isinstance(expr, Expression) else expr


@pytest.fixture(scope="module")
def items() -> Engine:
    return items_engine()


def _tags(eng: Engine, fn: Any) -> list[str]:
    return [d["tag"] for d in eng.query(lambda db: db.query("items").filter(fn).collect())]


def _in_order(tags: list[str]) -> list[str]:
    """The oracle's insertion order (the full-scan order) of some tags."""
    wanted = set(tags)
    return [tag for tag, _ in MIXED if tag in wanted]


def test_comparisons_use_the_total_order(items: Engine) -> None:
    # Unlike convex-test (JS operators), the backend compares with the index order.
    above_zero = ORACLE_ASC[ORACLE_ASC.index("num:0") + 1 :]
    assert _tags(items, lambda q: q.gt(q.field("value"), 0)) == _in_order(above_zero)
    below_b = ORACLE_ASC[: ORACLE_ASC.index("str:ab") + 1]
    assert _tags(items, lambda q: q.lt(q.field("value"), "b")) == _in_order(below_b)
    assert _tags(items, lambda q: q.eq(q.field("value"), 0)) == ["num:0"]
    assert _tags(items, lambda q: q.eq(q.field("value"), UNDEFINED)) == ["missing"]
    assert _tags(items, lambda q: q.eq(q.field("value.a"), 1)) == [
        "obj:{a:1}",
        "obj:{a:1,b:2}",
        "obj:{b:2,a:1}",
    ]
    assert _tags(items, lambda q: q.eq(q.field("value"), Int64(2))) == ["int:2n"]
    assert _tags(items, lambda q: q.eq(q.field("value"), 2)) == []
    assert _tags(items, lambda q: q.eq(q.field("value"), math.nan)) == ["num:NaN"]
    assert _tags(items, lambda q: q.eq(q.field("value"), -0.0)) == ["num:-0"]
    assert len(_tags(items, lambda q: q.neq(q.field("value"), None))) == len(ORACLE_ASC) - 1
    assert _tags(items, lambda q: q.lte(q.field("value"), None)) == ["missing", "null"]
    assert _tags(items, lambda q: q.gte(q.field("value"), {"b": 0})) == ["obj:{b:0}"]


def test_literals_on_both_sides_and_field_vs_field() -> None:
    assert ev(q.lt(1, 2)) is True
    assert ev(q.eq(Int64(1), 1.0)) is False
    assert ev(q.gt(q.field("a"), q.field("b")), {"a": "x", "b": 5}) is True
    assert ev(q.eq(q.field("missing"), q.field("other"))) is True
    assert ev(q.lt(q.field("missing"), None)) is True


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (q.add(1, 2), 3.0),
        (q.sub(Int64(1), Int64(3)), Int64(-2)),
        (q.mul(2.5, 2), 5.0),
        (q.div(7, 2), 3.5),
        (q.div(Int64(7), Int64(2)), Int64(3)),
        (q.div(Int64(-7), Int64(2)), Int64(-3)),
        (q.mod(Int64(-7), Int64(2)), Int64(-1)),
        (q.mod(Int64(7), Int64(-2)), Int64(1)),
        (q.mod(-7.5, 2), -1.5),
        (q.neg(Int64(5)), Int64(-5)),
        (q.neg(2.0), -2.0),
        (q.add(q.field("n"), 1), 11.0),
        (q.div(1, 0), math.inf),
        (q.div(-1, 0), -math.inf),
        (q.div(1, -0.0), -math.inf),
    ],
)
def test_arithmetic(expr: Expression, expected: Any) -> None:
    result = ev(expr, {"n": 10})
    assert sort_key(result) == sort_key(expected)
    assert type(result) is type(expected)


def test_float_nan_results() -> None:
    assert math.isnan(ev(q.div(0, 0)))
    assert math.isnan(ev(q.mod(1, 0)))
    assert math.isnan(ev(q.mod(math.inf, 2)))


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (q.add(Int64(1), 1.0), "Cannot add 1 (type int64) and 1.0 (type float64)"),
        (q.sub("a", 1), 'Cannot subtract "a" (type string) and 1.0 (type float64)'),
        (
            q.mul(q.field("x"), 2),
            "Cannot multiply undefined (type undefined) and 2.0 (type float64)",
        ),
        (q.add(True, 1), "Cannot add true (type boolean) and 1.0 (type float64)"),
        (q.div(Int64(5), Int64(0)), "Cannot divide 5 by zero"),
        (q.mod(Int64(5), Int64(0)), "Cannot mod 5 by zero"),
        (
            q.add(Int64(2**63 - 1), Int64(1)),
            "Cannot add 9223372036854775807 and 1: the result is out of range for Int64",
        ),
        (
            q.mul(Int64(2**62), Int64(4)),
            "Cannot multiply 4611686018427387904 and 4: the result is out of range for Int64",
        ),
        (
            q.div(Int64(-(2**63)), Int64(-1)),
            "Cannot divide -9223372036854775808 and -1: the result is out of range for Int64",
        ),
        (
            q.mod(Int64(-(2**63)), Int64(-1)),
            "Cannot mod -9223372036854775808 and -1: the result is out of range for Int64",
        ),
        (
            q.neg(Int64(-(2**63))),
            "Cannot negate -9223372036854775808: the result is out of range for Int64",
        ),
        (q.neg("x"), 'Cannot negate "x" (type string)'),
        (q.neg(None), "Cannot negate null (type null)"),
    ],
)
def test_eval_errors(expr: Expression, text: str) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        ev(expr)
    assert str(info.value) == text


def test_boolean_operators() -> None:
    assert ev(q.and_()) is True
    assert ev(q.or_()) is False
    assert ev(q.and_(True, q.eq(1, 1))) is True
    assert ev(q.or_(False, q.eq(1, 2))) is False
    assert ev(q.not_(q.eq(1, 2))) is True
    # Short-circuit: the bad operand is never evaluated.
    assert ev(q.and_(False, q.add("a", 1))) is False
    assert ev(q.or_(True, q.add("a", 1))) is True


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (q.and_(1), "Cannot use value 1.0 (type float64) as a Boolean"),
        (q.or_("x"), 'Cannot use value "x" (type string) as a Boolean'),
        (q.not_(q.field("missing")), "Cannot use value undefined (type undefined) as a Boolean"),
        (q.and_(True, None), "Cannot use value null (type null) as a Boolean"),
    ],
)
def test_non_boolean_operands(expr: Expression, text: str) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        ev(expr)
    assert str(info.value) == text


def test_non_boolean_filter_result(engine: Engine) -> None:
    engine.insert_many("t", [{"n": 1}])
    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(lambda db: db.query("t").filter(lambda q: q.field("n")).collect())
    assert str(info.value) == "Cannot use value 1.0 (type float64) as a Boolean"
    with pytest.raises(errors.ConvexTestError, match=r"Cannot use value Int64|int64"):
        engine.query(lambda db: db.query("t").filter(lambda q: Int64(1)).collect())
    assert len(engine.query(lambda db: db.query("t").filter(lambda q: True).collect())) == 1
    assert engine.query(lambda db: db.query("t").filter(lambda q: False).collect()) == []


def test_filter_on_empty_table_never_evaluates(engine: Engine) -> None:
    assert engine.query(lambda db: db.query("t").filter(lambda q: q.field("n")).collect()) == []


def test_chained_filters_are_anded(engine: Engine) -> None:
    engine.insert_many("t", [{"n": i, "even": i % 2 == 0} for i in range(10)])
    rows = engine.query(
        lambda db: (
            db.query("t")
            .filter(lambda q: q.gt(q.field("n"), 2))
            .filter(lambda q: q.eq(q.field("even"), True))
            .order("desc")
            .collect()
        )
    )
    assert [r["n"] for r in rows] == [8, 6, 4]


def test_filter_with_index_and_take(schema_engine: Engine) -> None:
    eng = schema_engine
    eng.insert_many(
        "messages", [{"author": f"u{i % 2}", "body": str(i), "n": i} for i in range(10)]
    )
    rows = eng.query(
        lambda db: (
            db.query("messages")
            .with_index("by_author", lambda q: q.eq("author", "u1"))
            .filter(lambda q: q.gte(q.field("n"), 3))
            .take(2)
        )
    )
    assert [r["n"] for r in rows] == [3, 5]


def test_python_operators_on_expressions_are_refused() -> None:
    field = q.field("a")
    for bad in (
        lambda: field == 1,
        lambda: field != 1,
        lambda: field < 1,
        lambda: field <= 1,
        lambda: field > 1,
        lambda: field >= 1,
        lambda: bool(field),
        lambda: field and True,
    ):
        with pytest.raises(errors.ConvexTestError, match="Filter expressions do not support"):
            bad()


def test_bad_filter_arguments(engine: Engine) -> None:
    with pytest.raises(errors.ConvexTestError, match="must be a function"):
        compile_filter(5)
    with pytest.raises(errors.ConvexTestError, match="field path string"):
        q.field(5)
    with pytest.raises(errors.UnsupportedValueError):
        q.eq(q.field("a"), {1, 2})
    with pytest.raises(errors.ConvexTestError, match="must be a function like"):
        engine.query(lambda db: db.query("t").filter(None))
    assert repr(q) == "<FilterBuilder q>" and isinstance(q, FilterBuilder)
    assert "eq(field(a),lit" in repr(q.eq(q.field("a"), 1))


def test_operator_limit(engine: Engine) -> None:
    def build(db: Any) -> Any:
        query = db.query("t").full_table_scan()
        for _ in range(256):
            query = query.filter(lambda q: True)
        return query.filter(lambda q: True)

    with pytest.raises(errors.ConvexTestError) as info:
        engine.query(build)
    assert str(info.value) == "Can't construct query with more than 256 operators"


# --------------------------------------------------------------------------- brute force

COMPARISONS = ["eq", "neq", "lt", "lte", "gt", "gte"]

leaf_exprs = st.one_of(
    st.tuples(st.just("cmp"), st.sampled_from(COMPARISONS), st.sampled_from(["a", "b"]),
              st.one_of(st.just(UNDEFINED), pool_values)),
    st.tuples(st.just("cmpf"), st.sampled_from(COMPARISONS)),
)  # fmt: skip
exprs = st.recursive(
    leaf_exprs,
    lambda inner: st.one_of(
        st.tuples(st.just("and"), st.lists(inner, max_size=3)),
        st.tuples(st.just("or"), st.lists(inner, max_size=3)),
        st.tuples(st.just("not"), inner),
    ),
    max_leaves=6,
)

_PY = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def _build(spec: Any, qb: Any) -> Any:
    kind = spec[0]
    if kind == "cmp":
        return getattr(qb, spec[1])(qb.field(spec[2]), spec[3])
    if kind == "cmpf":
        return getattr(qb, spec[1])(qb.field("a"), qb.field("b"))
    if kind == "and":
        return qb.and_(*[_build(s, qb) for s in spec[1]])
    if kind == "or":
        return qb.or_(*[_build(s, qb) for s in spec[1]])
    return qb.not_(_build(spec[1], qb))


def _brute(spec: Any, doc: dict[str, Any]) -> bool:
    kind = spec[0]
    if kind == "cmp":
        left = doc.get(spec[2], UNDEFINED)
        return bool(_PY[spec[1]](sort_key(left), sort_key(spec[3])))
    if kind == "cmpf":
        a, b = doc.get("a", UNDEFINED), doc.get("b", UNDEFINED)
        return bool(_PY[spec[1]](sort_key(a), sort_key(b)))
    if kind == "and":
        return all(_brute(s, doc) for s in spec[1])
    if kind == "or":
        return any(_brute(s, doc) for s in spec[1])
    return not _brute(spec[1], doc)


@settings(max_examples=200, deadline=None)
@given(docs=st.lists(small_doc(("a", "b")), max_size=10), spec=exprs)
def test_filters_match_brute_force(docs: list[dict[str, Any]], spec: Any) -> None:
    eng = Engine()
    eng.insert_many("t", docs)
    got = eng.query(lambda db: db.query("t").filter(lambda qb: _build(spec, qb)).collect())
    stored = eng.query(lambda db: db.query("t").collect())
    assert [d["_id"] for d in got] == [d["_id"] for d in stored if _brute(spec, d)]
