"""define_table / define_schema: definitions, every definition error, document checks."""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import errors
from convex_test.schema import (
    SYSTEM_SCHEMA,
    SYSTEM_TABLES,
    SchemaDefinition,
    SearchIndexDefinition,
    TableDefinition,
    VectorIndexDefinition,
    define_schema,
    define_table,
    v,
)
from convex_test.values import Int64

DOCS = "To learn more, see the schema documentation at https://docs.convex.dev/database/schemas."


def definition_error(build: Any) -> str:
    with pytest.raises(errors.SchemaDefinitionError) as info:
        build()
    return str(info.value)


class Tables:
    def __init__(self, ids: dict[str, tuple[str, bool]]) -> None:
        self.ids = ids

    def table_for_id(self, id: str) -> tuple[str, bool] | None:
        return self.ids.get(id)


# ---------------------------------------------------------------------------
# define_table
# ---------------------------------------------------------------------------


def test_define_table_forms() -> None:
    fields = {"author": v.string(), "body": v.string()}
    assert define_table(fields).document_validator == v.object(fields)
    assert define_table(v.object(fields)).document_validator == v.object(fields)
    union = v.union(v.object({"a": v.string()}), v.object({"b": v.number()}))
    assert define_table(union).document_validator == union
    assert define_table(v.any()).document_validator == v.any()
    assert define_table(v.optional(v.object(fields))).document_validator == v.object(fields)


def test_define_table_drops_top_level_system_fields() -> None:
    table = define_table({"_id": v.id("t"), "_creationTime": v.number(), "a": v.string()})
    assert table.document_validator == v.object({"a": v.string()})
    union = define_table(v.union(v.object({"_id": v.string(), "a": v.null()}), v.object({})))
    assert union.document_validator == v.union(v.object({"a": v.null()}), v.object({}))


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        (v.string(), "v.string()"),
        (v.array(v.object({})), "v.array(v.object({}))"),
        (v.union(v.object({}), v.null()), "v.null()"),
        (v.union(v.union(v.object({}))), "v.union(v.object({}))"),
        (v.record(v.string(), v.any()), "v.record(v.string(), v.any())"),
        ([v.string()], "[v.string()] (list)"),
    ],
)
def test_define_table_rejects_non_object_documents(spec: Any, found: str) -> None:
    assert definition_error(lambda: define_table(spec)) == (
        "The document validator in a schema must be an object, a union of objects, or "
        f"`v.any()`. Found {found}. {DOCS}"
    )


def test_define_table_rejects_bad_fields() -> None:
    assert definition_error(lambda: define_table({"a": "string"})) == (
        "v.object() field `a` must be a validator, got 'string' (str)."
    )
    assert definition_error(lambda: define_table({"a b": v.string()})).startswith(
        "Identifier a b has invalid character ' '"
    )


# ---------------------------------------------------------------------------
# Indexes
# ---------------------------------------------------------------------------

FIELDS = {
    "author": v.string(),
    "body": v.string(),
    "channel": v.id("channels"),
    "meta": v.object({"lang": v.string(), "score": v.number()}),
    "embedding": v.array(v.float64()),
    "cuisine": v.string(),
}


def test_indexes_are_recorded_in_order() -> None:
    table = (
        define_table(FIELDS)
        .index("by_channel", ["channel"])
        .index("by_author_body", fields=["author", "body"])
        .index("by_lang", {"fields": ("meta.lang",)})
        .index("by_trimmed", [".meta.score."])
        .search_index("search_body", search_field="body", filter_fields=["channel", "channel"])
        .vector_index(
            "by_embedding", vector_field="embedding", dimensions=1536, filter_fields=["cuisine"]
        )
    )
    assert isinstance(table, TableDefinition)
    assert table.indexes == {
        "by_channel": ["channel"],
        "by_author_body": ["author", "body"],
        "by_lang": ["meta.lang"],
        "by_trimmed": ["meta.score"],
    }
    assert list(table.indexes) == ["by_channel", "by_author_body", "by_lang", "by_trimmed"]
    assert table.search_indexes == {
        "search_body": SearchIndexDefinition(search_field="body", filter_fields=("channel",))
    }
    assert table.vector_indexes == {
        "by_embedding": VectorIndexDefinition(
            vector_field="embedding", dimensions=1536, filter_fields=("cuisine",)
        )
    }
    table.indexes["by_channel"].append("x")  # a copy
    assert table.indexes["by_channel"] == ["channel"]
    assert "define_table(v.object({" in repr(table)
    assert ".index('by_channel', ['channel'])" in repr(table)


def test_fifteen_user_fields_is_the_limit() -> None:
    fields = {f"f{i}": v.number() for i in range(16)}
    define_table(fields).index("ok", [f"f{i}" for i in range(15)])
    assert definition_error(
        lambda: define_table(fields).index("too_many", [f"f{i}" for i in range(16)])
    ) == ('In index "too_many": Indexes may have up to 16 fields.')


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda t: t.index("by-x", ["a"]),
            'Invalid index name: "by-x". Identifiers must be 64 characters or less, start with '
            "a letter, and only contain letters, digits, underscores.",
        ),
        (
            lambda t: t.index("", ["a"]),
            'Invalid index name: "". Identifiers must be 64 characters or less, start with '
            "a letter, and only contain letters, digits, underscores.",
        ),
        (
            lambda t: t.index("x" * 65, ["a"]),
            f'Invalid index name: "{"x" * 65}". Identifiers must be 64 characters or less, '
            "start with a letter, and only contain letters, digits, underscores.",
        ),
        (
            lambda t: t.index(5, ["a"]),
            'Invalid index name: "5 (int)". Identifiers must be 64 characters or less, start '
            "with a letter, and only contain letters, digits, underscores.",
        ),
        (
            lambda t: t.index("by_id", ["a"]),
            'In this table cannot name an index "by_id" because the name is reserved. Indexes '
            'may not start with an underscore or be named "by_id" or "by_creation_time".',
        ),
        (
            lambda t: t.index("by_creation_time", ["a"]),
            'In this table cannot name an index "by_creation_time" because the name is reserved. '
            'Indexes may not start with an underscore or be named "by_id" or "by_creation_time".',
        ),
        (
            lambda t: t.search_index("_private", search_field="a"),
            'In this table cannot name an index "_private" because the name is reserved. Indexes '
            'may not start with an underscore or be named "by_id" or "by_creation_time".',
        ),
        (
            lambda t: t.index("x", ["a"]).index("x", ["b"]),
            'This table has two or more definitions of index "x".',
        ),
        (
            lambda t: t.index("x", ["a"]).search_index("x", search_field="a"),
            'This table has two or more definitions of index "x".',
        ),
        (
            lambda t: t.search_index("x", search_field="a").vector_index(
                "x", vector_field="e", dimensions=2
            ),
            'This table has two or more definitions of index "x".',
        ),
        (lambda t: t.index("x", []), 'In this table index "x" must have at least one field.'),
        (
            lambda t: t.index("x", "a"),
            "In index \"x\": `fields` must be a list of field paths (str), got 'a' (str). "
            "Did you mean ['a']?",
        ),
        (lambda t: t.index("x"), 'In index "x": `fields` is required.'),
        (lambda t: t.index("x", ["a-b"]), 'In index "x": Invalid index field: "a-b"'),
        (lambda t: t.index("x", ["a..b"]), 'In index "x": Invalid index field: "a..b"'),
        (lambda t: t.index("x", ["..."]), 'In index "x": Invalid index field: "..."'),
        (lambda t: t.index("x", [3]), 'In index "x": Invalid index field: "3 (int)"'),
        (
            lambda t: t.index("x", ["a", "_id"]),
            'In index "x": `_id` is not a valid index field. To load documents by ID, use '
            "`db.get(id)`.",
        ),
        (
            lambda t: t.index("x", ["a", "b", "a"]),
            'In index "x": Duplicate field "a". Index fields must be unique within an index.',
        ),
        (
            lambda t: t.index("x", ["a", "a."]),
            'In index "x": Duplicate field "a". Index fields must be unique within an index.',
        ),
        (
            lambda t: t.index("x", ["a", "_creationTime"]),
            'In index "x": `_creationTime` is automatically added to the end of each index. It '
            "should not be added explicitly in the index definition. See "
            "https://docs.convex.dev/using/indexes for more details.",
        ),
        (
            lambda t: t.index("x", ["_a"]),
            'In index "x": Reserved fields (starting with `_`) are not allowed in indexes.',
        ),
        (
            lambda t: t.index("x", ["a._b"]),
            'In index "x": Reserved fields (starting with `_`) are not allowed in indexes.',
        ),
        (
            lambda t: t.index("by_b", ["a", "b"]).index("by_a", ["a", "b"]),
            'In this table index "by_b" and index "by_a" have the same fields. Indexes must be '
            "unique within a table.",
        ),
        (
            lambda t: t.index("one", ["a"]).index("two", ["a."]),
            'In this table index "two" and index "one" have the same fields. Indexes must be '
            "unique within a table.",
        ),
        (
            lambda t: t.search_index("s1", search_field="a", filter_fields=["b", "c"]).search_index(
                "s2", search_field="a", filter_fields=["c", "b"]
            ),
            'In this table search index "s2" and search index "s1" have the same `searchField`. '
            "Search index fields must be unique within a table. You should combine the indexes "
            "with the same `searchField` into one index containing all `filterField`s and then "
            "use different subsets of the `filterField`s at query time.",
        ),
        (
            lambda t: t.vector_index("v1", vector_field="e", dimensions=3).vector_index(
                "v2", vector_field="e", dimensions=3
            ),
            'In this table vector index "v2" and vector index "v1" have the same `vectorField`. '
            "Vector index fields must be unique within a table. You should combine the indexes "
            "with the same `vectorField` into one index containing all `filterField`s and then "
            "use different subsets of the `filterField`s at query time.",
        ),
        (lambda t: t.search_index("s"), 'In index "s": `search_field` is required.'),
        (
            lambda t: t.search_index("s", search_field="a b"),
            'In index "s": Invalid index field: "a b"',
        ),
        (
            lambda t: t.search_index("s", search_field="a", filter_fields=["ok", "-"]),
            'In index "s": Invalid index field: "-"',
        ),
        (
            lambda t: t.search_index("s", search_field="a", filter_fields="b"),
            "In index \"s\": `filter_fields` must be a list of field paths (str), got 'b' (str). "
            "Did you mean ['b']?",
        ),
        (
            lambda t: t.search_index(
                "s", search_field="a", filter_fields=[f"f{i}" for i in range(17)]
            ),
            'In index "s": Search indexes may have up to 16 filter fields.',
        ),
        (
            lambda t: t.vector_index(
                "vi", vector_field="e", dimensions=8, filter_fields=[f"f{i}" for i in range(17)]
            ),
            'In index "vi": Search indexes may have up to 16 filter fields.',
        ),
        (
            lambda t: t.vector_index("vi", dimensions=8),
            'In index "vi": `vector_field` is required.',
        ),
        (
            lambda t: t.vector_index("vi", vector_field="e"),
            'In index "vi": `dimensions` is required.',
        ),
        (
            lambda t: t.vector_index("vi", vector_field="e", dimensions=1),
            "Dimensions 1 must be between 2 and 4096.",
        ),
        (
            lambda t: t.vector_index("vi", vector_field="e", dimensions=4097),
            "Dimensions 4097 must be between 2 and 4096.",
        ),
        (
            lambda t: t.vector_index("vi", vector_field="e", dimensions="8"),
            "In index \"vi\": `dimensions` must be an integer, got '8' (str).",
        ),
        (
            lambda t: t.vector_index("vi", vector_field="e", dimensions=True),
            'In index "vi": `dimensions` must be an integer, got True (bool).',
        ),
    ],
)
def test_index_definition_errors(build: Any, message: str) -> None:
    assert definition_error(lambda: build(define_table(v.any()))) == message


def test_index_limits_are_inclusive() -> None:
    table = define_table(v.any())
    table.vector_index("d2", vector_field="a", dimensions=2)
    table.vector_index("d4096", vector_field="b", dimensions=4096.0)  # type: ignore[arg-type]
    table.search_index("s16", search_field="c", filter_fields=[f"f{i}" for i in range(16)])
    assert table.vector_indexes["d4096"].dimensions == 4096
    # Same field, other dimensions: a different vector index for the backend.
    table.vector_index("d3", vector_field="a", dimensions=3)
    # Same search field with other filter fields is fine.
    table.search_index("s_other", search_field="c", filter_fields=["x"])


def test_at_most_64_indexes_per_table() -> None:
    table = define_table(v.any())
    for i in range(62):
        table.index(f"i{i}", [f"f{i}"])
    table.search_index("s", search_field="x")
    table.vector_index("vec", vector_field="e", dimensions=4)
    assert definition_error(lambda: table.index("one_more", ["z"])) == (
        "This table cannot have more than 64 indexes."
    )


# ---------------------------------------------------------------------------
# define_schema
# ---------------------------------------------------------------------------


def test_define_schema() -> None:
    messages = define_table(FIELDS).index("by_channel", ["channel"])
    channels = define_table({"name": v.string()})
    schema = define_schema({"messages": messages, "channels": channels})
    assert isinstance(schema, SchemaDefinition)
    assert schema.tables == {"messages": messages, "channels": channels}
    assert schema.table_names() == ["messages", "channels"]
    assert schema.schema_validation is True
    assert define_schema({}, schema_validation=False).schema_validation is False
    assert "define_schema({'messages': define_table(" in repr(schema)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            {"a-b": define_table({})},
            'Invalid table name: "a-b". Identifiers must start with a letter and can only '
            "contain letters, digits, and underscores.",
        ),
        (
            {"1a": define_table({})},
            'Invalid table name: "1a". Identifiers must start with a letter and can only '
            "contain letters, digits, and underscores.",
        ),
        (
            {"_": define_table({})},
            'Invalid table name: "_". Identifiers must start with a letter and can only '
            "contain letters, digits, and underscores.",
        ),
        ({"_storage": define_table({})}, "_storage is a reserved table name."),
        ({"_mine": define_table({})}, "_mine is a reserved table name."),
        (
            {"t": {"a": v.string()}},
            "Table \"t\" must be defined with define_table(...), got {'a': v.string()} (dict).",
        ),
        (
            [("t", define_table({}))],
            "define_schema() takes a dict of table name -> define_table(...), got",
        ),
    ],
)
def test_define_schema_errors(tables: Any, message: str) -> None:
    assert definition_error(lambda: define_schema(tables)).startswith(message)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            define_table({"a": v.string()}).index("by_b", ["b"]),
            'In table "t" the index "by_b" is invalid because it references the field "b" that '
            "does not exist.",
        ),
        (
            define_table({"a": v.object({"x": v.string()})}).index("by_ay", ["a", "a.y"]),
            'In table "t" the index "by_ay" is invalid because it references the field "a.y" '
            "that does not exist.",
        ),
        (
            define_table({"a": v.string()}).index("by_ax", ["a.x"]),
            'In table "t" the index "by_ax" is invalid because it references the field "a.x" '
            "that does not exist.",
        ),
        (
            define_table({"a": v.string()}).search_index("s", search_field="body"),
            'In table "t" the index "s" is invalid because it references the field "body" that '
            "does not exist.",
        ),
        (
            define_table({"a": v.string()}).search_index(
                "s", search_field="a", filter_fields=["nope"]
            ),
            'In table "t" the index "s" is invalid because it references the field "nope" that '
            "does not exist.",
        ),
        (
            define_table({"a": v.string()}).vector_index("vi", vector_field="e", dimensions=2),
            'In table "t" the index "vi" is invalid because it references the field "e" that '
            "does not exist.",
        ),
        (
            define_table({"e": v.array(v.string())}).vector_index(
                "vi", vector_field="e", dimensions=2
            ),
            'In table "t" the vector index "vi" is invalid because it references the field "e" '
            "that is neither an array of float64 or optional array of float64.",
        ),
        (
            define_table({"e": v.number()}).vector_index("vi", vector_field="e", dimensions=2),
            'In table "t" the vector index "vi" is invalid because it references the field "e" '
            "that is neither an array of float64 or optional array of float64.",
        ),
        (
            define_table({"n": v.number()}).search_index("s", search_field="n"),
            'In table "t" the search index "s" is invalid because it references the field "n" '
            "that can never be a string.",
        ),
        (
            define_table({"o": v.object({"n": v.array(v.string())})}).search_index(
                "s", search_field="o.n"
            ),
            'In table "t" the search index "s" is invalid because it references the field "o.n" '
            "that can never be a string.",
        ),
    ],
)
def test_field_reference_errors(table: TableDefinition, message: str) -> None:
    assert definition_error(lambda: define_schema({"t": table})) == message
    # With schema_validation off, references are not checked.
    define_schema({"t": table}, schema_validation=False)


@pytest.mark.parametrize(
    "table",
    [
        define_table(v.any()).index("x", ["anything.at.all"]).search_index("s", search_field="z"),
        define_table(v.union(v.object({"a": v.string()}), v.object({"b": v.number()})))
        .index("by_a", ["a"])
        .index("by_b", ["b"]),
        define_table({"o": v.optional(v.union(v.null(), v.object({"x": v.any()})))}).index(
            "deep", ["o.x.y.z"]
        ),
        define_table({"a": v.string()}).search_index("s", search_field="a", filter_fields=["_id"]),
        define_table({"s": v.optional(v.union(v.literal("x"), v.null()))}).search_index(
            "s1", search_field="s"
        ),
        define_table({"s": v.id("t")}).search_index("s1", search_field="s"),
        define_table({"e": v.optional(v.array(v.float64()))}).vector_index(
            "v1", vector_field="e", dimensions=3, filter_fields=["unchecked"]
        ),
        define_table({"e": v.union(v.null(), v.array(v.any()))}).vector_index(
            "v1", vector_field="e", dimensions=3
        ),
        define_table({"o": v.any()}).vector_index("v1", vector_field="o.e", dimensions=3),
    ],
)
def test_field_references_that_are_possible(table: TableDefinition) -> None:
    define_schema({"t": table})


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

SCHEMA = define_schema(
    {
        "messages": define_table(
            {"author": v.string(), "n": v.optional(v.int64()), "channel": v.id("channels")}
        ),
        "shapes": define_table(
            v.union(
                v.object({"kind": v.literal("circle"), "r": v.number()}),
                v.object({"kind": v.literal("square"), "side": v.number()}),
            )
        ),
        "free": define_table(v.any()),
    }
)
TABLES = Tables({"c1": ("channels", False), "m1": ("messages", False), "s1": ("_storage", True)})


def test_validate_document_returns_canonical_copy() -> None:
    doc = {"author": "a", "n": 5, "channel": "c1"}
    out = SCHEMA.validate_document("messages", doc, tables=TABLES)
    assert out == {"author": "a", "n": Int64(5), "channel": "c1"}
    assert type(out["n"]) is Int64
    assert out is not doc
    assert doc["n"] == 5 and type(doc["n"]) is int


def test_validate_document_strips_system_fields() -> None:
    doc = {"_id": "m1", "_creationTime": 1.0, "author": "a", "channel": "c1"}
    assert SCHEMA.validate_document("messages", doc, tables=TABLES) == {
        "author": "a",
        "channel": "c1",
    }
    assert "_id" in doc


def _schema_error(table: str, doc: Any) -> str:
    with pytest.raises(errors.SchemaValidationError) as info:
        SCHEMA.validate_document(table, doc, tables=TABLES)
    return str(info.value)


PREFIX = (
    'Failed to insert or update a document in table "{}" because it does not match the schema: '
)


@pytest.mark.parametrize(
    ("table", "doc", "error"),
    [
        (
            "messages",
            {"author": 5, "channel": "c1"},
            "Value does not match validator.\nPath: .author\nValue: 5.0\nValidator: v.string()",
        ),
        (
            "messages",
            {"author": "a", "channel": "m1"},
            'Found ID "m1" from table `messages`, which does not match the table name in '
            'validator `v.id("channels")`.Path: .channel',
        ),
        (
            "messages",
            {"author": "a", "channel": "c1", "extra": True},
            "Object contains extra field `extra` that is not in the validator.\n\n"
            'Object: {author: "a", channel: "c1", extra: true}\n'
            'Validator: v.object({author: v.string(), channel: v.id("channels"), '
            "n: v.optional(v.int64())})",
        ),
        (
            "messages",
            {"_id": "m1", "channel": "c1"},
            "Object is missing the required field `author`. Consider wrapping the field "
            "validator in `v.optional(...)` if this is expected.\n\n"
            'Object: {channel: "c1"}\n'
            'Validator: v.object({author: v.string(), channel: v.id("channels"), '
            "n: v.optional(v.int64())})",
        ),
        (
            "shapes",
            {"kind": "triangle"},
            'Value does not match validator.\n\nValue: {kind: "triangle"}\nValidator: '
            'v.union(v.object({kind: v.literal("circle"), r: v.float64()}), '
            'v.object({kind: v.literal("square"), side: v.float64()}))',
        ),
    ],
)
def test_validate_document_errors(table: str, doc: Any, error: str) -> None:
    message = _schema_error(table, doc)
    assert message == PREFIX.format(table) + error
    assert isinstance(errors.SchemaValidationError(message), errors.ValidationError)


def test_validate_document_non_convex_value_is_unsupported() -> None:
    with pytest.raises(errors.UnsupportedValueError, match=r"at path \.author"):
        SCHEMA.validate_document("messages", {"author": {1}, "channel": "c1"}, tables=TABLES)


def test_tables_outside_the_schema_and_validation_off_are_not_checked() -> None:
    assert SCHEMA.validate_document("other", {"x": (1, 2), "_id": "i"}) == {"x": [1, 2]}
    assert SCHEMA.validate_document("free", {"anything": [1]}) == {"anything": [1]}
    loose = define_schema({"t": define_table({"a": v.string()})}, schema_validation=False)
    assert loose.validate_document("t", {"a": 1}) == {"a": 1}
    with pytest.raises(errors.UnsupportedValueError):
        loose.validate_document("t", {"a": {1}})


def test_doc_validator_adds_system_fields() -> None:
    assert SCHEMA.doc("messages") == v.object(
        {
            "author": v.string(),
            "n": v.optional(v.int64()),
            "channel": v.id("channels"),
            "_id": v.id("messages"),
            "_creationTime": v.number(),
        }
    )
    shapes = SCHEMA.doc("shapes")
    assert shapes.validate({"kind": "circle", "r": 1, "_id": "x", "_creationTime": 2.0})
    assert SCHEMA.doc("free") == v.any()
    assert definition_error(lambda: SCHEMA.doc("mesages")).endswith("Did you mean `messages`?")


# ---------------------------------------------------------------------------
# System tables
# ---------------------------------------------------------------------------


def test_system_tables() -> None:
    assert set(SYSTEM_TABLES) == {"_scheduled_functions", "_storage"}
    assert SYSTEM_SCHEMA.table_names() == ["_scheduled_functions", "_storage"]
    storage = {"sha256": "x" * 44, "size": 3.0}
    for content_type in ("text/plain", None):
        doc = {**storage, "contentType": content_type, "_id": "s1", "_creationTime": 1.0}
        assert SYSTEM_SCHEMA.validate_document("_storage", doc)["contentType"] == content_type
    assert SYSTEM_SCHEMA.validate_document("_storage", storage) == storage
    job = {"name": "messages.js:send", "args": [{"a": 1}], "scheduledTime": 1.0}
    for state in (
        {"kind": "pending"},
        {"kind": "inProgress"},
        {"kind": "success"},
        {"kind": "canceled"},
        {"kind": "failed", "error": "boom"},
    ):
        SYSTEM_SCHEMA.validate_document("_scheduled_functions", {**job, "state": state})
    done = {**job, "state": {"kind": "success"}, "completedTime": 2.0}
    assert SYSTEM_SCHEMA.validate_document("_scheduled_functions", done) == done
    with pytest.raises(errors.SchemaValidationError):
        SYSTEM_SCHEMA.validate_document(
            "_scheduled_functions", {**job, "state": {"kind": "failed"}}
        )
