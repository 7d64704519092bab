"""The core property: every value ``convex_test.strategies`` draws passes its validator.

Checked for hand-picked validators of every kind, for random validators (a strategy of
validators), for documents (which also obey the document limits and insert cleanly)
and for function arguments (which a real call accepts).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import find as _find
from hypothesis import strategies as st

from convex_test import UNDEFINED, Int64, define_schema, define_table, v
from convex_test.errors import ConvexError, ConvexTestError
from convex_test.functions import http_action, internal_mutation, mutation, query
from convex_test.harness import ConvexTest, convex_test
from convex_test.ids import decode_id
from convex_test.schema.validators import Validator
from convex_test.strategies import _hypothesis_setup_hook, args_for, documents, from_validator
from convex_test.values.order import sort_key
from convex_test.values.size import check_document, measure
from convex_test.values.types import MAX_VALUE_NESTING, convert
from tests.strategies.profiles import examples

APPS = Path(__file__).parents[1] / "fixtures" / "apps"


# Searching for an example: no shrinking (the first hit will do), nothing saved.
_SEARCH = settings(max_examples=2000, phases=[Phase.generate], database=None, deadline=None)


def find(strategy: st.SearchStrategy[Any], condition: Any) -> Any:
    """The first example found that satisfies ``condition`` (NoSuchExample if none)."""
    return _find(strategy, condition, settings=_SEARCH)


def same(a: Any, b: Any) -> bool:
    """Equal by the Convex total order and of the same Python types (Int64 stays Int64)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return sort_key(a) == sort_key(b)


def assert_valid(validator: Validator, value: Any, **kwargs: Any) -> None:
    """``validate`` accepts the value and returns it unchanged: it was already canonical."""
    result = validator.validate(value, **kwargs)
    assert same(result, value), (validator, value, result)
    if value is not UNDEFINED:
        assert same(convert(value), value)


# ---------------------------------------------------------------------------
# Hand-picked validators of every kind
# ---------------------------------------------------------------------------

OBJ = v.object({"a": v.string(), "b": v.optional(v.int64()), "c": v.optional(v.null())})
HAND_PICKED: dict[str, Validator] = {
    "id": v.id("users"),
    "system_id": v.id("_storage"),
    "null": v.null(),
    "number": v.number(),
    "float64": v.float64(),
    "int64": v.int64(),
    "bigint": v.bigint(),
    "boolean": v.boolean(),
    "string": v.string(),
    "bytes": v.bytes(),
    "literal_str": v.literal("sent"),
    "literal_empty": v.literal(""),
    "literal_int": v.literal(3),
    "literal_float": v.literal(-0.0),
    "literal_bool": v.literal(False),
    "literal_int64": v.literal(Int64(-(2**63))),
    "array": v.array(v.float64()),
    "array_of_objects": v.array(OBJ),
    "object": OBJ,
    "object_empty": v.object({}),
    "object_all_optional": OBJ.partial(),
    "record": v.record(v.string(), v.any()),
    "record_id_keys": v.record(v.id("users"), v.int64()),
    "record_union_keys": v.record(v.union(v.string(), v.id("users")), v.boolean()),
    "union": v.union(v.string(), v.int64(), v.object({"k": v.literal("x")})),
    "union_discriminated": v.union(
        v.object({"kind": v.literal("a"), "x": v.float64()}),
        v.object({"kind": v.literal("b"), "y": v.array(v.string())}),
    ),
    "union_single": v.union(v.bytes()),
    "optional": v.optional(v.string()),
    "optional_object": v.optional(OBJ),
    "nullable": v.nullable(v.int64()),
    "any": v.any(),
    "array_of_any": v.array(v.any()),
    "nested": v.object(
        {
            "profile": v.object({"name": v.string(), "tags": v.array(v.string())}),
            "scores": v.record(v.string(), v.array(v.nullable(v.float64()))),
        }
    ),
}


@pytest.mark.parametrize("validator", list(HAND_PICKED.values()), ids=list(HAND_PICKED))
@given(data=st.data())
@examples(60)
def test_hand_picked_values_pass_their_validator(validator: Validator, data: st.DataObject) -> None:
    value = data.draw(from_validator(validator))
    assert_valid(validator, value)


def test_every_validator_kind_is_hand_picked() -> None:
    import convex_test.schema.validators as validators

    kinds = {cls.kind for cls in vars(validators).values() if _is_validator_class(cls)}
    covered = {val.kind for val in HAND_PICKED.values()}
    assert kinds - {""} <= covered


def _is_validator_class(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, Validator) and obj is not Validator


# ---------------------------------------------------------------------------
# What the strategies reach (each found by search, so a strategy that lost a case fails)
# ---------------------------------------------------------------------------


def _is_nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _is_neg_zero(x: Any) -> bool:
    return isinstance(x, float) and x == 0.0 and math.copysign(1.0, x) < 0


@pytest.mark.parametrize(
    ("validator", "condition"),
    [
        (v.float64(), _is_nan),
        (v.float64(), _is_neg_zero),
        (v.float64(), lambda x: x == math.inf),
        (v.float64(), lambda x: x == -math.inf),
        (v.int64(), lambda x: x == 2**63 - 1),
        (v.int64(), lambda x: x == -(2**63)),
        (v.string(), lambda s: any(ord(c) > 0xFFFF for c in s)),
        (v.string(), lambda s: s == ""),
        (v.bytes(), lambda b: len(b) > 3),
        (OBJ, lambda o: "b" in o and "c" in o),
        (OBJ, lambda o: "b" not in o and "c" not in o),
        (v.optional(v.string()), lambda x: x is UNDEFINED),
        (v.array(v.null()), lambda a: len(a) >= 3),
        (v.record(v.string(), v.null()), lambda r: any(k.startswith("_") for k in r)),
        (v.nullable(v.int64()), lambda x: x is None),
        (v.any(), lambda x: isinstance(x, list) and any(isinstance(i, dict) for i in x)),
        (v.any(), lambda x: isinstance(x, Int64)),
        (v.any(), lambda x: isinstance(x, bytes)),
        (v.any(), _is_nan),
        (v.union(v.string(), v.int64(), v.null()), lambda x: x is None),
    ],
)
def test_strategies_reach(validator: Validator, condition: Any) -> None:
    find(from_validator(validator), condition)


@given(value=from_validator(v.int64()))
@examples(100)
def test_int64_values_are_int64_not_plain_int(value: Any) -> None:
    assert type(value) is Int64


@given(value=from_validator(v.array(v.union(v.any(), v.float64()))))
@examples(100)
def test_no_plain_ints(value: Any) -> None:
    """Float64 values are floats: a plain int would become an Int64 under v.int64()."""

    def walk(x: Any) -> None:
        assert type(x) is not int
        for child in x if isinstance(x, list) else x.values() if isinstance(x, dict) else ():
            walk(child)

    walk(value)


# ---------------------------------------------------------------------------
# Random validators
# ---------------------------------------------------------------------------

identifiers = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True)
table_names = st.sampled_from(["users", "messages", "other", "_storage", "_scheduled_functions"])
literal_values: st.SearchStrategy[Any] = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=4),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**63), 2**63 - 1).map(Int64),
)
leaf_validators: st.SearchStrategy[Validator] = st.one_of(
    st.sampled_from(
        [
            v.null(),
            v.number(),
            v.float64(),
            v.int64(),
            v.boolean(),
            v.string(),
            v.bytes(),
            v.any(),
            v.union(),  # matches nothing: allowed only where it can be left out
        ]
    ),
    table_names.map(v.id),
    literal_values.map(v.literal),
)
record_keys = st.one_of(
    st.just(v.string()),
    table_names.map(v.id),
    table_names.map(lambda name: v.union(v.string(), v.id(name))),
)


def _objects(children: st.SearchStrategy[Validator]) -> st.SearchStrategy[Validator]:
    fields = st.dictionaries(identifiers, st.tuples(children, st.booleans()), max_size=4)
    return fields.map(
        lambda d: v.object({k: (f.optional() if opt else f) for k, (f, opt) in d.items()})
    )


def _extend(children: st.SearchStrategy[Validator]) -> st.SearchStrategy[Validator]:
    return st.one_of(
        children.map(v.array),
        _objects(children),
        st.tuples(record_keys, children).map(lambda kv: v.record(*kv)),
        st.lists(children, min_size=1, max_size=4).map(lambda ms: v.union(*ms)),
        children.map(v.nullable),
    )


validators: st.SearchStrategy[Validator] = st.recursive(
    leaf_validators, _extend, max_leaves=12
).flatmap(lambda val: st.sampled_from([val, val.optional()]))


def _min_nesting(validator: Validator) -> float:
    """An independent statement of when a value exists (empty union: never)."""
    kind = validator.kind
    if kind in ("array", "record"):
        return 1
    if kind == "object":
        required = [_min_nesting(f) for f in validator.fields.values() if not f.is_optional]  # type: ignore[attr-defined]
        return 1 + max(required, default=0)
    if kind == "union":
        return min((_min_nesting(m) for m in validator.members), default=math.inf)  # type: ignore[attr-defined]
    return 0


@given(validator=validators, data=st.data())
@examples(400)
def test_random_validators_generate_valid_values(validator: Validator, data: st.DataObject) -> None:
    if _min_nesting(validator) > MAX_VALUE_NESTING:
        with pytest.raises(ConvexTestError, match="No value matches"):
            from_validator(validator)
        return
    value = data.draw(from_validator(validator), label="value")
    assert_valid(validator, value)


def _chain(depth: int, wrappers: list[str]) -> Validator:
    validator: Validator = v.string()
    for i in range(depth):
        wrap = wrappers[i % len(wrappers)]
        if wrap == "array":
            validator = v.array(validator)
        elif wrap == "object":
            validator = v.object({"x": validator})
        elif wrap == "optional_object":
            validator = v.object({"x": validator.optional(), "y": v.null()})
        elif wrap == "record":
            validator = v.record(v.string(), validator)
        else:
            validator = v.union(v.null(), validator) if wrap == "union" else v.union(validator)
    return validator


@given(
    depth=st.integers(1, 90),
    wrappers=st.lists(
        st.sampled_from(["array", "object", "optional_object", "record", "union", "single"]),
        min_size=1,
        max_size=4,
    ),
    data=st.data(),
)
@examples(100)
def test_deep_validators_stay_within_the_nesting_limit(
    depth: int, wrappers: list[str], data: st.DataObject
) -> None:
    validator = _chain(depth, wrappers)
    if _min_nesting(validator) > MAX_VALUE_NESTING:
        with pytest.raises(ConvexTestError, match="nesting limit of 64"):
            from_validator(validator)
        return
    value = data.draw(from_validator(validator))
    assert_valid(validator, value)
    assert measure(value)[1] <= MAX_VALUE_NESTING


def test_required_object_chain_at_the_limit() -> None:
    find(from_validator(_chain(63, ["object"])), lambda value: True)
    with pytest.raises(ConvexTestError, match="nesting limit of 64 levels"):
        from_validator(_chain(65, ["object"]))


def test_an_empty_union_has_no_values() -> None:
    with pytest.raises(ConvexTestError, match=r"^No value matches v\.union\(\)\.$"):
        from_validator(v.union())
    # Where it can be left out, it is.
    find(from_validator(v.object({"a": v.union().optional()})), lambda o: o == {})
    find(from_validator(v.array(v.union())), lambda a: a == [])


def test_not_a_validator() -> None:
    with pytest.raises(ConvexTestError, match="from_validator\\(\\) expects a validator"):
        from_validator({"a": v.string()})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# IDs
# ---------------------------------------------------------------------------

SCHEMA = define_schema(
    {
        "users": define_table({"name": v.string()}),
        "messages": define_table(
            {
                "author": v.id("users"),
                "body": v.string(),
                "meta": v.optional(v.object({"likes": v.int64(), "by": v.array(v.id("users"))})),
            }
        ),
        "events": define_table(
            v.union(
                v.object({"kind": v.literal("click"), "x": v.float64(), "y": v.float64()}),
                v.object({"kind": v.literal("key"), "key": v.string()}),
                v.object({"kind": v.literal("file"), "file": v.id("_storage")}),
            )
        ),
        "blobs": define_table(v.any()),
        "deep": define_table(
            {
                "tree": _chain(20, ["array", "object", "union"]),
                "opt": _chain(20, ["object"]).optional(),
            }
        ),
    }
)


def fresh_t() -> ConvexTest:
    return convex_test(SCHEMA)


def table_number(t: ConvexTest, table: str) -> int:
    return t.backend.store.namespace("").tables[table].number


@given(data=st.data())
@examples(30)
def test_ids_without_a_backend_use_a_fresh_backends_table_numbers(data: st.DataObject) -> None:
    t = fresh_t()
    resolver = t.backend.store.namespace("").resolver
    doc = data.draw(documents(SCHEMA, "messages"), label="doc")
    assert_valid(SCHEMA.tables["messages"].document_validator, doc, tables=resolver)
    assert decode_id(doc["author"]).table_number == table_number(t, "users")
    # Without any schema, the system tables still have their numbers.
    for table in ("_storage", "_scheduled_functions"):
        id_ = data.draw(from_validator(v.id(table)), label=table)
        assert decode_id(id_).table_number == table_number(t, table)


@given(data=st.data())
@examples(50)
def test_ids_with_a_backend_name_existing_documents(data: st.DataObject) -> None:
    t = fresh_t()
    resolver = t.backend.store.namespace("").resolver
    validator = v.object({"user": v.id("users"), "message": v.id("messages")})
    names = data.draw(st.lists(st.text(max_size=3), max_size=4))
    users = [t.run(lambda ctx, n=n: ctx.db.insert("users", {"name": n})) for n in names]
    value = data.draw(from_validator(validator, backend=t))
    assert_valid(validator, value, tables=resolver)
    if users:
        assert value["user"] in users
    else:
        assert t.query(lambda ctx: ctx.db.get(value["user"])) is None
    # messages is empty: a fresh ID of the right table, naming no document.
    assert resolver.table_for_id(value["message"]) == ("messages", False)


def test_ids_follow_the_store_as_it_changes() -> None:
    t = fresh_t()
    ids = from_validator(v.id("users"), backend=t.backend)
    first = t.run(lambda ctx: ctx.db.insert("users", {"name": "a"}))
    assert find(ids, lambda _: True) == first
    t.run(lambda ctx: ctx.db.delete(first))
    second = t.run(lambda ctx: ctx.db.insert("users", {"name": "b"}))
    assert find(ids, lambda _: True) == second


def test_ids_of_an_unknown_table_are_stable_fresh_ids() -> None:
    a = decode_id(find(from_validator(v.id("nowhere")), lambda _: True)).table_number
    b = decode_id(find(from_validator(v.id("nowhere")), lambda _: True)).table_number
    assert a == b and a >= 100_000


@pytest.mark.parametrize("backend", ["t", "backend", "store"])
def test_backend_forms(backend: str) -> None:
    t = fresh_t()
    user = t.run(lambda ctx: ctx.db.insert("users", {"name": "a"}))
    target = {"t": t, "backend": t.backend, "store": t.backend.store}[backend]
    assert find(from_validator(v.id("users"), backend=target), lambda _: True) == user


def test_not_a_backend() -> None:
    with pytest.raises(ConvexTestError, match="Expected a t from convex_test"):
        from_validator(v.id("users"), backend=object())


# ---------------------------------------------------------------------------
# documents()
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(SCHEMA.tables))
@given(data=st.data())
@examples(40)
def test_documents_match_the_schema_and_insert(table: str, data: st.DataObject) -> None:
    t = fresh_t()
    if data.draw(st.booleans(), label="with users"):
        t.run(lambda ctx: ctx.db.insert("users", {"name": "u"}))
    doc = data.draw(documents(t, table), label="doc")
    definition = SCHEMA.tables[table]
    resolver = t.backend.store.namespace("").resolver
    assert_valid(definition.document_validator, doc, tables=resolver)
    check_document(doc, table=table)
    doc_id = t.run(lambda ctx: ctx.db.insert(table, doc))
    stored = t.query(lambda ctx: ctx.db.get(doc_id))
    assert same({k: x for k, x in stored.items() if not k.startswith("_")}, doc)


@given(doc=documents(SCHEMA, "blobs"))
@examples(100)
def test_any_table_documents_have_no_reserved_top_level_fields(doc: dict[str, Any]) -> None:
    assert not any(key[:1] in ("_", "$") for key in doc)
    check_document(doc, table="blobs")


def test_any_table_documents_nest() -> None:
    find(
        documents(SCHEMA, "blobs"),
        lambda d: len(d) >= 2 and any(isinstance(x, (dict, list)) for x in d.values()),
    )


@given(data=st.data())
@examples(50)
def test_document_overrides(data: st.DataObject) -> None:
    author = "j57e7sy2156arrmzdyzdgb07sn77jedq"
    doc = data.draw(
        documents(SCHEMA, "messages", author=author, body=st.sampled_from(["a", "b"]), meta=...)
    )
    assert doc["author"] == author and doc["body"] in ("a", "b")
    no_meta = data.draw(documents(SCHEMA, "messages", meta=UNDEFINED))
    assert "meta" not in no_meta
    key = data.draw(documents(SCHEMA, "events", key="enter"))
    assert key == {"kind": "key", "key": "enter"}
    blob = data.draw(documents(SCHEMA, "blobs", owner="me", gone=UNDEFINED))
    assert blob["owner"] == "me" and "gone" not in blob


def test_fixed_override_values_are_copied_per_draw() -> None:
    meta = {"likes": Int64(1), "by": []}
    strategy = documents(SCHEMA, "messages", meta=meta)
    first = find(strategy, lambda _: True)
    first["meta"]["by"].append("x")
    assert find(strategy, lambda _: True)["meta"] == {"likes": Int64(1), "by": []}
    assert meta == {"likes": Int64(1), "by": []}


def test_documents_errors() -> None:
    with pytest.raises(
        ConvexTestError, match=r"Table \"mesages\" is not in the schema.*`messages`"
    ):
        documents(SCHEMA, "mesages")
    with pytest.raises(ConvexTestError, match=r"Cannot override `bdy`.*Did you mean `body`"):
        documents(SCHEMA, "messages", bdy="x")
    with pytest.raises(ConvexTestError, match="No value matches"):
        documents(SCHEMA, "events", key="k", x=1.0)
    with pytest.raises(ConvexTestError, match="nesting limit of 16 levels for a document"):
        documents(define_schema({"d": define_table({"x": _chain(16, ["object"])})}), "d")
    with pytest.raises(ConvexTestError, match="Expected a t from convex_test"):
        documents("schema", "messages")


def test_documents_of_a_schemaless_backend_are_any_documents() -> None:
    t = convex_test()
    doc = find(documents(t, "anything"), lambda d: len(d) >= 2)
    t.run(lambda ctx: ctx.db.insert("anything", doc))


# ---------------------------------------------------------------------------
# args_for()
# ---------------------------------------------------------------------------

send = mutation(
    args={"author": v.id("users"), "body": v.string(), "tags": v.optional(v.array(v.string()))},
    returns=v.id("messages"),
    handler=lambda ctx, args: ctx.db.insert(
        "messages", {"author": args["author"], "body": args["body"]}
    ),
)
untyped = query(lambda ctx, args: sorted(args))


@given(data=st.data())
@examples(50)
def test_args_for_a_function_object_are_accepted_by_a_call(data: st.DataObject) -> None:
    t = fresh_t()
    user = t.run(lambda ctx: ctx.db.insert("users", {"name": "a"}))
    args = data.draw(args_for(send, t))
    assert args["author"] == user
    message = t.mutation(send, args)
    assert t.query(lambda ctx: ctx.db.get(message))["body"] == args["body"]


@given(data=st.data())
@examples(30)
def test_args_for_without_t(data: st.DataObject) -> None:
    args = data.draw(args_for(send, body="hi", tags=UNDEFINED))
    assert args.keys() == {"author", "body"} and args["body"] == "hi"
    assert_valid(send.args_validator, args)  # type: ignore[arg-type]


def test_args_for_a_function_without_args_validator() -> None:
    assert find(args_for(untyped), lambda _: True) == {}
    assert find(args_for(untyped, a=1, b=st.just(2)), lambda _: True) == {"a": 1, "b": 2}
    with pytest.raises(ConvexTestError, match="Cannot infer `a`"):
        args_for(untyped, a=...)


@given(data=st.data())
@examples(30)
def test_args_for_references_resolve_through_t(data: st.DataObject) -> None:
    from convex_test.functions import internal

    t = convex_test(modules=APPS / "props")
    t.mutation(lambda ctx: ctx.db.insert("items", {"tag": "a", "n": 1.0}))
    for ref in (internal.items.write_then_fail, "items:write_then_fail"):
        args = data.draw(args_for(ref, t, docs=st.lists(documents(t, "items"), max_size=2)))
        assert args.keys() == {"docs", "delete"}
        assert t.query(lambda ctx, a=args: [ctx.db.get(i) for i in a["delete"]]).count(None) == 0
        with pytest.raises(ConvexError, match="write_then_fail"):
            t.mutation(ref, args)


def test_args_for_errors() -> None:
    with pytest.raises(ConvexTestError, match="needs a t to resolve"):
        args_for("items:nested")
    with pytest.raises(ConvexTestError, match="expects a Convex function"):
        args_for(42)
    with pytest.raises(ConvexTestError, match=r"Cannot override `bdy`.*`body`"):
        args_for(send, bdy="x")
    t = convex_test(modules=APPS / "props")
    with pytest.raises(ConvexTestError, match="items:nsted"):
        args_for("items:nsted", t)
    with pytest.raises(ConvexTestError, match=r"HTTP actions take an httpx\.Request"):
        args_for(http_action(lambda ctx, request: None))
    takes_t = internal_mutation(args={"t": v.string()}, handler=lambda ctx, args: None)
    # A field named `t` is an override, not the backend: t is positional-only.
    assert find(args_for(takes_t, t="x"), lambda _: True) == {"t": "x"}


# ---------------------------------------------------------------------------
# Packaging
# ---------------------------------------------------------------------------


def test_importing_convex_test_does_not_import_hypothesis() -> None:
    code = (
        "import sys, convex_test, convex_test.strategies, convex_test.harness\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_hypothesis_setup_hook_registers_int64() -> None:
    _hypothesis_setup_hook()
    find(st.from_type(Int64), lambda x: isinstance(x, Int64) and x < -(2**62))
