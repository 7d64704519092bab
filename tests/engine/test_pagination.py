"""paginate(): pages, isDone, cursors, split limits, one paginate per function."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test import errors
from convex_test.engine import DatabaseReader
from convex_test.engine.pagination import (
    decode_cursor,
    encode_cursor,
    pagination_opts_validator,
)
from convex_test.values.types import UNDEFINED, Int64
from tests.engine.support import Engine, messages_schema


def seed(eng: Engine, n: int) -> list[str]:
    return eng.insert_many(
        "messages",
        [
            {"author": f"u{i % 3}", "body": f"message {i}", "channel": f"c{i % 3}", "n": float(i)}
            for i in range(n)
        ],
    )


@pytest.fixture
def eng() -> Engine:
    engine = Engine(messages_schema())
    seed(engine, 25)
    return engine


def page(eng: Engine, opts: dict[str, Any], build: Any = None) -> dict[str, Any]:
    def fn(db: DatabaseReader) -> Any:
        query = build(db) if build is not None else db.query("messages")
        return query.paginate(opts)

    return eng.query(fn)


def paginate_all(
    eng: Engine, num_items: int, build: Any = None, max_pages: int = 50
) -> list[dict[str, Any]]:
    pages = []
    cursor = None
    for _ in range(max_pages):
        result = page(eng, {"numItems": num_items, "cursor": cursor}, build)
        pages.append(result)
        if result["isDone"]:
            break
        cursor = result["continueCursor"]
    return pages


def ns(result: dict[str, Any]) -> list[int]:
    return [int(d["n"]) for d in result["page"]]


def test_full_scan_pages(eng: Engine) -> None:
    pages = paginate_all(eng, 10)
    assert [ns(p) for p in pages] == [list(range(10)), list(range(10, 20)), list(range(20, 25))]
    assert [p["isDone"] for p in pages] == [False, False, True]
    assert set(pages[0]) == {"page", "isDone", "continueCursor", "splitCursor", "pageStatus"}
    assert all(p["pageStatus"] is None for p in pages)


def test_desc_and_index_pages(eng: Engine) -> None:
    pages = paginate_all(eng, 10, lambda db: db.query("messages").order("desc"))
    assert [ns(p) for p in pages] == [
        list(range(24, 14, -1)),
        list(range(14, 4, -1)),
        list(range(4, -1, -1)),
    ]
    pages = paginate_all(
        eng,
        3,
        lambda db: db.query("messages").with_index("by_channel", lambda q: q.eq("channel", "c0")),
    )
    assert [ns(p) for p in pages] == [[0, 3, 6], [9, 12, 15], [18, 21, 24], []]
    assert [p["isDone"] for p in pages] == [False, False, False, True]


def test_filtered_pages(eng: Engine) -> None:
    pages = paginate_all(
        eng, 10, lambda db: db.query("messages").filter(lambda q: q.gte(q.field("n"), 20))
    )
    assert [ns(p) for p in pages] == [list(range(20, 25))]
    assert pages[0]["isDone"] is True


def test_a_full_final_page_is_not_done() -> None:
    eng = Engine(messages_schema())
    seed(eng, 20)
    pages = paginate_all(eng, 10)
    assert [ns(p) for p in pages] == [list(range(10)), list(range(10, 20)), []]
    assert [p["isDone"] for p in pages] == [False, False, True]
    # The end cursor keeps answering "done".
    again = page(eng, {"numItems": 10, "cursor": pages[-1]["continueCursor"]})
    assert again["page"] == [] and again["isDone"] is True
    assert again["continueCursor"] == pages[-1]["continueCursor"]


def test_page_larger_than_the_table(eng: Engine) -> None:
    result = page(eng, {"numItems": 30, "cursor": None})
    assert ns(result) == list(range(25)) and result["isDone"] is True


def test_empty_table() -> None:
    eng = Engine(messages_schema())
    result = page(eng, {"numItems": 10, "cursor": None})
    assert result["page"] == [] and result["isDone"] is True
    assert page(eng, {"numItems": 10, "cursor": None}, lambda db: db.query("nothing"))["isDone"]


def test_a_cursor_from_a_table_not_created_yet_is_valid_once_it_exists() -> None:
    # Without a schema a table exists from its first insert; the end cursor of the
    # empty query before that is a cursor of the same query (by_creation_time).
    engine = Engine()
    first = engine.query(lambda db: db.query("later").paginate({"numItems": 5, "cursor": None}))
    assert (first["page"], first["isDone"]) == ([], True)
    engine.insert_many("later", [{"n": 1.0}])
    after_end = engine.query(
        lambda db: db.query("later").paginate({"numItems": 5, "cursor": first["continueCursor"]})
    )
    assert (after_end["page"], after_end["isDone"]) == ([], True)
    fresh = engine.query(lambda db: db.query("later").paginate({"numItems": 5, "cursor": None}))
    assert [d["n"] for d in fresh["page"]] == [1.0]


def test_cursor_survives_deleting_the_boundary_document(eng: Engine) -> None:
    first = page(eng, {"numItems": 10, "cursor": None})
    eng.mutation(lambda db: db.delete(first["page"][9]["_id"]))
    eng.mutation(lambda db: db.insert("messages", {"author": "late", "body": "late", "n": 99}))
    second = page(eng, {"numItems": 10, "cursor": first["continueCursor"]})
    assert ns(second) == list(range(10, 20)) and second["isDone"] is False


def test_cursor_survives_deletes_on_an_index() -> None:
    eng = Engine(messages_schema())
    seed(eng, 12)

    def build(db: DatabaseReader) -> Any:
        return db.query("messages").with_index("by_author_n", lambda q: q.eq("author", "u1"))

    first = page(eng, {"numItems": 2, "cursor": None}, build)
    assert ns(first) == [1, 4]
    eng.mutation(lambda db: db.delete(first["page"][1]["_id"]))
    eng.mutation(lambda db: db.delete(first["page"][0]["_id"]))
    second = page(eng, {"numItems": 2, "cursor": first["continueCursor"]}, build)
    assert ns(second) == [7, 10]


def test_optional_field_index_orders_missing_first() -> None:
    eng = Engine(messages_schema())
    eng.insert_many(
        "messages",
        [
            {"author": "a", "body": "1", "channel": "z", "n": 1},
            {"author": "a", "body": "2", "n": 2},
            {"author": "a", "body": "3", "channel": "a", "n": 3},
        ],
    )
    pages = paginate_all(eng, 2, lambda db: db.query("messages").with_index("by_channel"))
    assert [ns(p) for p in pages] == [[2, 3], [1]]


def test_end_cursor_fixes_the_page(eng: Engine) -> None:
    first = page(eng, {"numItems": 9, "cursor": None})
    again = page(eng, {"numItems": 3, "cursor": None, "endCursor": first["continueCursor"]})
    assert ns(again) == list(range(9)) and again["isDone"] is False
    assert again["continueCursor"] == first["continueCursor"]
    # New documents inside the range grow the page; the end cursor holds.
    eng.mutation(lambda db: db.delete(first["page"][0]["_id"]))
    regrown = page(eng, {"numItems": 3, "cursor": None, "endCursor": first["continueCursor"]})
    assert ns(regrown) == list(range(1, 9))
    to_end = paginate_all(eng, 100)[-1]["continueCursor"]
    whole = page(eng, {"numItems": 1, "cursor": first["continueCursor"], "endCursor": to_end})
    assert ns(whole) == list(range(9, 25)) and whole["isDone"] is True


def test_maximum_rows_read(eng: Engine) -> None:
    result = page(eng, {"numItems": 10, "cursor": None, "maximumRowsRead": 4})
    assert ns(result) == [0, 1, 2, 3]
    assert result["pageStatus"] == "SplitRequired" and result["isDone"] is False
    split = result["splitCursor"]
    assert split is not None
    rest = page(eng, {"numItems": 100, "cursor": result["continueCursor"]})
    assert ns(rest) == list(range(4, 25))
    from_split = page(eng, {"numItems": 3, "cursor": split})
    assert ns(from_split) == [3, 4, 5]


def test_maximum_rows_read_counts_filtered_rows(eng: Engine) -> None:
    result = page(
        eng,
        {"numItems": 10, "cursor": None, "maximumRowsRead": 5},
        lambda db: db.query("messages").filter(lambda q: q.eq(q.field("author"), "u0")),
    )
    assert ns(result) == [0, 3] and result["pageStatus"] == "SplitRequired"


def test_maximum_bytes_read(eng: Engine) -> None:
    result = page(eng, {"numItems": 10, "cursor": None, "maximumBytesRead": 1})
    assert ns(result) == [0] and result["pageStatus"] == "SplitRequired"
    assert result["splitCursor"] is None


def test_split_recommended_for_big_reads(eng: Engine) -> None:
    result = page(eng, {"numItems": 25, "cursor": None, "maximumRowsRead": 20})
    assert result["pageStatus"] == "SplitRequired"
    result = page(
        eng,
        {"numItems": 2, "cursor": None, "maximumRowsRead": 30},
        lambda db: db.query("messages").filter(lambda q: q.gte(q.field("n"), 23)),
    )
    assert ns(result) == [23, 24] and result["pageStatus"] == "SplitRecommended"


def test_transaction_read_limit_ends_the_page(eng: Engine) -> None:
    txn, db = eng.begin(read_only=True)
    txn.limits.documents_read = 7
    result = db.query("messages").paginate({"numItems": 20, "cursor": None})
    assert ns(result) == list(range(7)) and result["pageStatus"] == "SplitRequired"
    txn.rollback()


def test_split_cursor_is_the_middle_row(eng: Engine) -> None:
    result = page(eng, {"numItems": 5, "cursor": None})
    assert result["splitCursor"] is not None
    rest = page(eng, {"numItems": 2, "cursor": result["splitCursor"]})
    assert ns(rest) == [3, 4]
    small = page(eng, {"numItems": 2, "cursor": None})
    assert small["splitCursor"] is None


# --------------------------------------------------------------------------- cursor errors


def test_cursor_of_another_query(eng: Engine) -> None:
    cursor = page(eng, {"numItems": 2, "cursor": None})["continueCursor"]
    others = [
        lambda db: db.query("messages").order("desc"),
        lambda db: db.query("messages").filter(lambda q: q.eq(q.field("n"), 1)),
        lambda db: db.query("messages").with_index("by_author"),
        lambda db: db.query("messages").with_index("by_author", lambda q: q.eq("author", "u1")),
        lambda db: db.query("users"),
    ]
    for build in others:
        with pytest.raises(errors.InvalidCursorError) as info:
            page(eng, {"numItems": 2, "cursor": cursor}, build)
        assert str(info.value) == (
            "InvalidCursor: Tried to run a query starting from a cursor, but it looks like "
            "this cursor is from a different query."
        )
        assert info.value.data == {"isConvexSystemError": True, "paginationError": "InvalidCursor"}
        assert isinstance(info.value, errors.ConvexError)
    same_but_different_size = page(eng, {"numItems": 5, "cursor": cursor})
    assert ns(same_but_different_size) == [2, 3, 4, 5, 6]
    explicit_asc = page(
        eng, {"numItems": 1, "cursor": cursor}, lambda db: db.query("messages").order("asc")
    )
    assert ns(explicit_asc) == [2]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "", "!!!", base64.urlsafe_b64encode(b'{"q": 1}').decode(), '["1", "x"]',
     base64.urlsafe_b64encode(json.dumps({"q": "x", "p": 5}).encode()).decode()],
)  # fmt: skip
def test_garbled_cursor(eng: Engine, cursor: str) -> None:
    with pytest.raises(errors.InvalidCursorError) as info:
        page(eng, {"numItems": 2, "cursor": cursor})
    assert str(info.value) in (
        "Failed to parse cursor",
        "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this "
        "cursor is from a different query.",
    )


def test_cursor_with_a_wrong_position_shape(eng: Engine) -> None:
    good = page(eng, {"numItems": 2, "cursor": None})["continueCursor"]
    fingerprint, _ = decode_cursor(good)
    bad = encode_cursor(fingerprint, ["just one value"])
    with pytest.raises(errors.InvalidCursorError, match="Failed to parse cursor"):
        page(eng, {"numItems": 2, "cursor": bad})


def test_cursor_round_trip_of_every_value_type() -> None:
    values = [
        UNDEFINED,
        None,
        True,
        Int64(-3),
        1.5,
        float("-inf"),
        "s",
        b"\x00",
        [1.0],
        {"a": None},
    ]
    fingerprint, position = decode_cursor(encode_cursor("abc", values))
    assert fingerprint == "abc"
    assert position is not None and len(position) == len(values)
    assert position[0] is UNDEFINED and type(position[3]) is Int64
    assert decode_cursor(encode_cursor("abc", None)) == ("abc", None)


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("opts", "text"),
    [
        ({"numItems": -1, "cursor": None}, "`options.numItems` must be a positive number. Received `-1`."),
        ({"numItems": -2.5, "cursor": None}, "`options.numItems` must be a positive number. Received `-2.5`."),
        ({"numItems": None, "cursor": None}, "`options.numItems` must be a positive number. Received `null`."),
        ({"numItems": "5", "cursor": None}, "`options.numItems` must be a positive number. Received `5`."),
        ({"cursor": None}, "`options.numItems` must be a positive number. Received `undefined`."),
        ({"numItems": 0, "cursor": None}, "Must request at least 1 document while paginating"),
        ({"numItems": 32001, "cursor": None}, "Requested too many items: 32001"),
        ({"numItems": 1, "cursor": None, "maximumRowsRead": 0}, "maximumRowsRead and maximumBytesRead must be greater than 0"),
        ({"numItems": 1, "cursor": None, "maximumBytesRead": 0}, "maximumRowsRead and maximumBytesRead must be greater than 0"),
    ],
)  # fmt: skip
def test_bad_options(eng: Engine, opts: dict[str, Any], text: str) -> None:
    with pytest.raises(errors.ConvexTestError) as info:
        page(eng, opts)
    assert str(info.value) == text


@pytest.mark.parametrize(
    "opts",
    [
        5,
        None,
        {"numItems": 2.5, "cursor": None},
        {"numItems": True, "cursor": None},
        {"numItems": 2},
        {"numItems": 2, "cursor": 5},
        {"numItems": 2, "cursor": None, "maximumRowsRead": -1},
        {"numItems": 2, "cursor": None, "maximumRowsRead": 1.5},
        {"numItems": 2, "cursor": None, "endCursor": 3},
    ],
)
def test_malformed_options(eng: Engine, opts: Any) -> None:
    with pytest.raises(errors.ConvexTestError):
        page(eng, opts)


def test_page_size_limits_and_float_num_items(eng: Engine) -> None:
    assert len(page(eng, {"numItems": 32000, "cursor": None})["page"]) == 25
    assert ns(page(eng, {"numItems": 2.0, "cursor": None, "id": 7})) == [0, 1]


def test_one_paginate_per_function(eng: Engine) -> None:
    def twice(db: DatabaseReader) -> Any:
        db.query("messages").paginate({"numItems": 1, "cursor": None})
        return db.system.query("_storage").paginate({"numItems": 1, "cursor": None})

    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(twice)
    assert str(info.value) == (
        "This query or mutation function ran multiple paginated queries. Convex only supports "
        "a single paginated query in each function."
    )

    def failed_first(db: DatabaseReader) -> Any:
        with pytest.raises(errors.InvalidCursorError):
            db.query("messages").paginate({"numItems": 1, "cursor": "garbage"})
        return db.query("messages").paginate({"numItems": 1, "cursor": None})

    assert ns(eng.query(failed_first)) == [0]


def test_paginate_is_app_only() -> None:
    eng = Engine()
    eng.store.add_namespace("counter", None)
    with pytest.raises(errors.ConvexTestError) as info:
        eng.query(lambda db: db.query("t").paginate({"numItems": 1, "cursor": None}), "counter")
    assert str(info.value).startswith("paginate() is only supported in the app.")


def test_paginate_closes_the_query(eng: Engine) -> None:
    def fn(db: DatabaseReader) -> Any:
        query = db.query("messages").full_table_scan()
        query.paginate({"numItems": 1, "cursor": None})
        return query.collect()

    with pytest.raises(errors.ConvexTestError, match="chained with another operator"):
        eng.query(fn)


def test_page_documents_are_copies(eng: Engine) -> None:
    result = page(eng, {"numItems": 1, "cursor": None})
    result["page"][0]["body"] = "changed"
    assert page(eng, {"numItems": 1, "cursor": None})["page"][0]["body"] == "message 0"


def test_pagination_opts_validator() -> None:
    checked = pagination_opts_validator.validate({"numItems": 5, "cursor": None})
    assert checked == {"numItems": 5, "cursor": None}
    pagination_opts_validator.validate(
        {"numItems": 5, "cursor": "x", "endCursor": None, "id": 1, "maximumRowsRead": 3}
    )
    with pytest.raises(errors.ValidationError):
        pagination_opts_validator.validate({"numItems": 5})


# --------------------------------------------------------------------------- property

ops = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 5)),
        st.tuples(st.just("delete"), st.integers(0, 1000)),
        st.tuples(st.just("page"), st.integers(1, 4)),
    ),
    max_size=40,
)


@settings(max_examples=120, deadline=None)
@given(
    initial=st.integers(0, 12), steps=ops, order=st.sampled_from(["asc", "desc"]), idx=st.booleans()
)
def test_pages_concatenate_to_the_range_under_concurrent_writes(
    initial: int, steps: list[Any], order: str, idx: bool
) -> None:
    """Every document present during the whole walk is returned exactly once, in order;
    no document is returned twice; and no returned document lies behind the cursor."""
    eng = Engine(messages_schema())
    counter = [0]

    def insert(author_n: int) -> None:
        counter[0] += 1
        eng.mutation(
            lambda db: db.insert(
                "messages",
                {"author": f"u{author_n % 2}", "body": str(counter[0]), "n": float(author_n)},
            )
        )

    for i in range(initial):
        insert(i)

    def build(db: DatabaseReader) -> Any:
        base = db.query("messages")
        query = base.with_index("by_author_n", lambda q: q.eq("author", "u1")) if idx else base
        return query.order(order)

    def current() -> list[str]:
        return [d["_id"] for d in eng.query(lambda db: build(db).collect())]

    start_ids = set(current())
    deleted: set[str] = set()
    returned: list[str] = []
    cursor = None
    done = False
    for step in [*steps, *[("page", 4)] * 200]:
        if step[0] == "insert":
            insert(step[1])
        elif step[0] == "delete":
            rows = eng.query(lambda db: db.query("messages").collect())
            if rows:
                victim = rows[step[1] % len(rows)]["_id"]
                eng.mutation(lambda db, victim=victim: db.delete(victim))
                deleted.add(victim)
        elif not done:
            result = page(eng, {"numItems": step[1], "cursor": cursor}, build)
            returned += [d["_id"] for d in result["page"]]
            cursor = result["continueCursor"]
            done = result["isDone"]
    assert done
    assert len(returned) == len(set(returned))
    assert (start_ids - deleted) <= set(returned)
    final_order = current()
    survivors = [i for i in returned if i in final_order]
    assert survivors == [i for i in final_order if i in set(survivors)]
