"""Vector search end to end through ``t``: ``ctx.vector_search`` in actions.

Starts with the Python counterpart of convex-test's vectorSearch.test.ts, asserting the
real backend's behaviour where convex-test differs (ties by document ID, limit 1..256
defaulting to 10, filter fields checked, malformed vectors not indexed).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from convex_test import UNDEFINED, ConvexError, Int64, api, internal
from convex_test.errors import ConvexTestError
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "search_app"


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP)


def insert(t: ConvexTest, table: str, *docs: dict[str, Any]) -> list[str]:
    ids: list[str] = t.run(lambda ctx: [ctx.db.insert(table, doc) for doc in docs])
    return ids


def vsearch(
    t: ConvexTest,
    vector: Any,
    *,
    table: str = "messages",
    index: str = "embedding",
    **options: Any,
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = t.action(
        lambda ctx: ctx.vector_search(table, index, {"vector": vector, **options})
    )
    return results


def ids_of(results: list[dict[str, Any]]) -> list[str]:
    return [r["_id"] for r in results]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 0.0 if na == 0 or nb == 0 else dot / (na * nb)


# ---------------------------------------------------------------------------
# vectorSearch.test.ts
# ---------------------------------------------------------------------------


def test_vector_search_counterpart(t: ConvexTest) -> None:
    convex, _next, base, rad = insert(
        t,
        "messages",
        {"author": "sarah", "body": "convex", "embedding": [1, 1, 1]},
        {"author": "michal", "body": "next", "embedding": [0, 0, 0]},
        {"author": "sarah", "body": "base", "embedding": [1, 1, 0]},
        {"author": "michal", "body": "rad", "embedding": [1, 1, 0]},
    )
    top3 = t.action(
        api.vector_search.vector_search, {"embedding": [1, 1, 1], "author": None, "limit": 3}
    )
    # base and rad tie: the backend puts the larger document ID first (convex-test keeps
    # insertion order).
    tied = sorted([base, rad], reverse=True)
    assert [m["_id"] for m in top3] == [convex, *tied]
    assert [m["score"] for m in top3] == pytest.approx([1.0, math.sqrt(2 / 3), math.sqrt(2 / 3)])
    assert {m["body"] for m in top3} == {"convex", "base", "rad"}
    sarah = t.action(
        api.vector_search.vector_search, {"embedding": [1, 1, 1], "author": "sarah", "limit": 10}
    )
    assert [(m["author"], m["body"]) for m in sarah] == [("sarah", "convex"), ("sarah", "base")]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


def test_results_are_ids_and_cosine_scores_best_first(t: ConvexTest) -> None:
    vectors = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [3.0, 0.1, 0.2]]
    ids = insert(t, "messages", *({"author": "a", "body": "b", "embedding": v} for v in vectors))
    query = [2.0, 0.5, 0.0]
    results = vsearch(t, query)
    assert all(set(r) == {"_id", "_score"} for r in results)
    assert all(type(r["_score"]) is float for r in results)
    expected = sorted(
        ((cosine(vec, query), doc_id) for vec, doc_id in zip(vectors, ids, strict=True)),
        reverse=True,
    )
    assert ids_of(results) == [doc_id for _, doc_id in expected]
    assert [r["_score"] for r in results] == pytest.approx([s for s, _ in expected])
    assert results[-1]["_score"] == pytest.approx(-cosine([1.0, 0.0, 0.0], query))


def test_scores_ignore_vector_length(t: ConvexTest) -> None:
    ids = insert(
        t,
        "messages",
        {"author": "a", "body": "short", "embedding": [0.001, 0.002, 0.0]},
        {"author": "a", "body": "long", "embedding": [1000.0, 2000.0, 0.0]},
        {"author": "a", "body": "zero", "embedding": [0.0, 0.0, 0.0]},
    )
    results = vsearch(t, [1.0, 2.0, 0.0])
    assert [r["_score"] for r in results[:2]] == pytest.approx([1.0, 1.0])
    assert results[2] == {"_id": ids[2], "_score": 0.0}  # a zero vector scores 0


def test_ties_go_to_the_larger_document_id(t: ConvexTest) -> None:
    ids = insert(
        t,
        "messages",
        *({"author": "a", "body": str(i), "embedding": [1.0, 2.0, 3.0]} for i in range(12)),
    )
    assert ids_of(vsearch(t, [1.0, 2.0, 3.0])) == sorted(ids, reverse=True)[:10]
    assert ids_of(vsearch(t, [1.0, 2.0, 3.0], limit=3)) == sorted(ids, reverse=True)[:3]


def test_results_are_plain_data_read_from_committed_state(t: ConvexTest) -> None:
    (doc_id,) = insert(t, "messages", {"author": "a", "body": "b", "embedding": [1.0, 0.0, 0.0]})

    def action(ctx: Any) -> list[Any]:
        before = ctx.vector_search("messages", "embedding", {"vector": [0.0, 1.0, 0.0]})
        new_id = ctx.run_mutation(
            internal.vector_fixtures.insert_message,
            {"author": "b", "body": "c", "embedding": [0.0, 1.0, 0.0]},
        )
        after = ctx.vector_search("messages", "embedding", {"vector": [0.0, 1.0, 0.0]})
        with pytest.raises(ConvexError):
            ctx.run_mutation(
                internal.vector_fixtures.insert_then_fail,
                {"author": "c", "body": "d", "embedding": [0.0, 1.0, 0.0]},
            )
        rolled_back = ctx.vector_search("messages", "embedding", {"vector": [0.0, 1.0, 0.0]})
        return [before, new_id, after, rolled_back]

    before, new_id, after, rolled_back = t.action(action)
    assert ids_of(before) == [doc_id]
    assert ids_of(after) == [new_id, doc_id]
    assert ids_of(rolled_back) == [new_id, doc_id]


# ---------------------------------------------------------------------------
# limit
# ---------------------------------------------------------------------------


def _many(t: ConvexTest, count: int) -> list[str]:
    return insert(
        t,
        "messages",
        *({"author": "a", "body": "b", "embedding": [1.0, float(i), 0.0]} for i in range(count)),
    )


def test_limit_defaults_to_10(t: ConvexTest) -> None:
    _many(t, 30)
    assert len(vsearch(t, [1.0, 0.0, 0.0])) == 10
    assert len(vsearch(t, [1.0, 0.0, 0.0], limit=None)) == 10


@pytest.mark.parametrize(("limit", "count"), [(1, 1), (3, 3), (3.0, 3), (256, 256)])
def test_limit_takes_1_to_256(t: ConvexTest, limit: Any, count: int) -> None:
    _many(t, 300)
    results = vsearch(t, [1.0, 0.0, 0.0], limit=limit)
    assert len(results) == count
    scores = [r["_score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_limit_larger_than_the_index_returns_everything(t: ConvexTest) -> None:
    ids = _many(t, 4)
    assert sorted(ids_of(vsearch(t, [1.0, 0.0, 0.0], limit=100))) == sorted(ids)


def test_limit_over_256_is_rejected(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        vsearch(t, [1.0, 0.0, 0.0], limit=257)
    assert str(info.value) == "Vector queries can fetch at most 256 results, requested 257."


@pytest.mark.parametrize("limit", [0, -1, 2.5, "10", True, Int64(5)])
def test_invalid_limits_are_rejected(t: ConvexTest, limit: Any) -> None:
    with pytest.raises(ConvexTestError, match="limit"):
        vsearch(t, [1.0, 0.0, 0.0], limit=limit)


# ---------------------------------------------------------------------------
# The query vector
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("vector", "size"), [([1.0, 0.0], 2), ([1.0, 0.0, 0.0, 0.0], 4)])
def test_dimension_mismatch(t: ConvexTest, vector: list[float], size: int) -> None:
    with pytest.raises(ConvexTestError) as info:
        vsearch(t, vector)
    assert str(info.value) == f"Expected a vector with dimensions 3, received {size}."


@pytest.mark.parametrize(
    ("vector", "match"),
    [
        ([], "`vector` must be a non-empty Array in vectorSearch"),
        (None, "`vector` must be a list of numbers"),
        ("abc", "`vector` must be a list of numbers"),
        ([1.0, "x", 0.0], "must contain only finite numbers"),
        ([1.0, math.nan, 0.0], "must contain only finite numbers"),
        ([1.0, True, 0.0], "must contain only finite numbers"),
    ],
)
def test_invalid_query_vectors(t: ConvexTest, vector: Any, match: str) -> None:
    with pytest.raises(ConvexTestError, match=match):
        vsearch(t, vector)


def test_a_missing_vector_option_is_an_error(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match="`vector` must be a list of numbers"):
        t.action(lambda ctx: ctx.vector_search("messages", "embedding", {"limit": 3}))


def test_the_query_vector_may_be_any_sequence_of_numbers(t: ConvexTest) -> None:
    (doc_id,) = insert(t, "messages", {"author": "a", "body": "b", "embedding": [1.0, 2.0, 3.0]})
    assert ids_of(vsearch(t, (1, 2, 3))) == [doc_id]
    assert ids_of(vsearch(t, [1, 2, 3])) == [doc_id]


# ---------------------------------------------------------------------------
# Which documents are indexed
# ---------------------------------------------------------------------------


def test_only_vectors_of_exactly_the_index_dimensions_are_indexed(t: ConvexTest) -> None:
    bad: list[Any] = [
        [1.0, 0.0],
        [1.0, 0.0, 0.0, 0.0],
        [],
        [Int64(1), Int64(0), Int64(0)],
        [1.0, True, 0.0],
        [1.0, "0", 0.0],
        [[1.0], [0.0], [0.0]],
        "1,0,0",
        {"0": 1.0},
        None,
        1.0,
    ]
    insert(t, "notes", *({"vec": value, "tag": "bad"} for value in bad), {"tag": "missing"})
    good = insert(
        t, "notes", {"vec": [1.0, 0.0, 0.0], "tag": "good"}, {"vec": [1, 0, 1], "tag": "good"}
    )
    found = vsearch(t, [1.0, 0.0, 0.0], table="notes", index="by_vec", limit=256)
    assert ids_of(found) == good


def test_patching_a_vector_in_and_out_of_the_index(t: ConvexTest) -> None:
    (doc_id,) = insert(t, "notes", {"vec": [1.0, 2.0], "tag": "x"})

    def found() -> list[str]:
        return ids_of(vsearch(t, [1.0, 0.0, 0.0], table="notes", index="by_vec"))

    assert found() == []
    t.run(lambda ctx: ctx.db.patch(doc_id, {"vec": [1.0, 2.0, 3.0]}))
    assert found() == [doc_id]
    t.run(lambda ctx: ctx.db.patch(doc_id, {"vec": [1.0, 2.0, Int64(3)]}))
    assert found() == []
    t.run(lambda ctx: ctx.db.patch(doc_id, {"vec": [0.0, 0.0, 3.0]}))
    assert vsearch(t, [0.0, 0.0, 1.0], table="notes", index="by_vec")[0]["_score"] == 1.0
    t.run(lambda ctx: ctx.db.delete(doc_id))
    assert found() == []


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


@pytest.fixture
def authored(t: ConvexTest) -> dict[str, str]:
    docs = [
        ("sarah", "convex", [1.0, 0.0, 0.0]),
        ("sarah", "base", [0.9, 0.1, 0.0]),
        ("michal", "rad", [0.8, 0.2, 0.0]),
        ("michal", "next", [0.7, 0.3, 0.0]),
        ("lee", "convex", [0.6, 0.4, 0.0]),
    ]
    ids = insert(t, "messages", *({"author": a, "body": b, "embedding": e} for a, b, e in docs))
    return {f"{a}/{b}": doc_id for (a, b, _), doc_id in zip(docs, ids, strict=True)}


def test_eq_filter(t: ConvexTest, authored: dict[str, str]) -> None:
    found = vsearch(t, [1.0, 0.0, 0.0], filter=lambda q: q.eq("author", "michal"))
    assert ids_of(found) == [authored["michal/rad"], authored["michal/next"]]


def test_or_filters_union_their_values_even_across_fields(
    t: ConvexTest, authored: dict[str, str]
) -> None:
    found = vsearch(
        t,
        [1.0, 0.0, 0.0],
        filter=lambda q: q.or_(q.eq("author", "michal"), q.eq("body", "convex")),
    )
    assert ids_of(found) == [
        authored["sarah/convex"],
        authored["michal/rad"],
        authored["michal/next"],
        authored["lee/convex"],
    ]
    nested = vsearch(
        t,
        [1.0, 0.0, 0.0],
        filter=lambda q: q.or_(q.or_(q.eq("author", "lee")), q.or_(q.eq("author", "nobody"))),
    )
    assert ids_of(nested) == [authored["lee/convex"]]
    # An empty or_ is no condition at all.
    assert len(vsearch(t, [1.0, 0.0, 0.0], filter=lambda q: q.or_())) == 5


def test_eq_undefined_matches_a_missing_field(t: ConvexTest) -> None:
    with_tag, without_tag, null_tag = insert(
        t,
        "notes",
        {"vec": [1.0, 0.0, 0.0], "tag": "x"},
        {"vec": [1.0, 0.0, 0.0]},
        {"vec": [1.0, 0.0, 0.0], "tag": None},
    )

    def found(value: Any) -> list[str]:
        return ids_of(
            vsearch(
                t,
                [1.0, 0.0, 0.0],
                table="notes",
                index="by_vec",
                filter=lambda q: q.eq("tag", value),
            )
        )

    assert found(UNDEFINED) == [without_tag]
    assert found(None) == [null_tag]
    assert found("x") == [with_tag]


def test_filters_on_nested_fields(t: ConvexTest) -> None:
    en, fr = insert(
        t,
        "articles",
        {"meta": {"title": "a", "lang": "en"}, "embedding": [1.0, 0.0]},
        {"meta": {"title": "b", "lang": "fr"}, "embedding": [1.0, 0.1]},
    )
    found = vsearch(
        t,
        [1.0, 0.0],
        table="articles",
        index="by_embedding",
        filter=lambda q: q.eq("meta.lang", "fr"),
    )
    assert ids_of(found) == [fr]
    assert ids_of(vsearch(t, [1.0, 0.0], table="articles", index="by_embedding")) == [en, fr]


def test_filter_on_a_field_outside_filter_fields(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        vsearch(t, [1.0, 0.0, 0.0], filter=lambda q: q.eq("auther", "sarah"))
    message = str(info.value)
    assert 'contains a filter on "auther"' in message
    assert "isn't indexed for filtering in `filterFields`" in message
    assert "Did you mean `author`?" in message
    with pytest.raises(ConvexTestError, match="isn't indexed for filtering"):
        vsearch(t, [1.0, 0.0, 0.0], filter=lambda q: q.eq("score", 1.0))


@pytest.mark.parametrize(
    "build",
    [
        lambda q: q.and_(q.eq("author", "a"), q.eq("body", "b")),
        lambda q: q.neq("author", "a"),
        lambda q: q.not_(q.eq("author", "a")),
        lambda q: q.gt("author", "a"),
        lambda q: q.eq(q.field("author"), "a"),
        lambda q: True,
        lambda q: "author",
    ],
)
def test_only_eq_and_or_are_allowed(t: ConvexTest, build: Any) -> None:
    with pytest.raises(
        ConvexTestError, match=re.escape("Filters should be a combination of `q.eq` and `q.or`")
    ):
        vsearch(t, [1.0, 0.0, 0.0], filter=build)


def test_at_most_64_filter_values(t: ConvexTest, authored: dict[str, str]) -> None:
    def values(n: int) -> Any:
        return lambda q: q.or_(
            q.eq("author", "michal"), *(q.eq("body", f"b{i}") for i in range(n - 1))
        )

    assert len(vsearch(t, [1.0, 0.0, 0.0], filter=values(64))) == 2
    with pytest.raises(ConvexTestError, match=re.escape("too many conditions. Max: 64 Actual: 65")):
        vsearch(t, [1.0, 0.0, 0.0], filter=values(65))


# ---------------------------------------------------------------------------
# Names and options
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "index", "message"),
    [
        ("messages", "embeding", "Index messages.embeding not found. Did you mean `embedding`?"),
        (
            "mesages",
            "embedding",
            "Index mesages.embedding not found. Did you mean `messages.embedding`?",
        ),
        ("messages", "body", "Index messages.body is not a vector index"),
        ("messages", "author", "Index messages.author is not a vector index"),
        ("messages", "by_id", "Index messages.by_id is not a vector index"),
    ],
)
def test_the_index_must_be_a_vector_index_of_the_schema(
    t: ConvexTest, table: str, index: str, message: str
) -> None:
    with pytest.raises(ConvexTestError) as info:
        vsearch(t, [1.0, 0.0, 0.0], table=table, index=index)
    assert str(info.value) == message


def test_a_vector_index_is_not_a_database_or_search_index(t: ConvexTest) -> None:
    with pytest.raises(
        ConvexTestError, match=re.escape("Index messages.embedding is not a database index")
    ):
        t.query(lambda ctx: ctx.db.query("messages").with_index("embedding").collect())


def test_unknown_query_options_are_rejected(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        vsearch(t, [1.0, 0.0, 0.0], limt=3)
    assert "Unknown vector search option `limt`" in str(info.value)
    assert "Did you mean `limit`?" in str(info.value)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((5, "embedding", {"vector": [1.0, 0.0, 0.0]}), "Arg 1 `tableName`"),
        (("messages", None, {"vector": [1.0, 0.0, 0.0]}), "Arg 2 `indexName`"),
        (("messages", "embedding", [1.0, 0.0, 0.0]), "Arg 3 `query`"),
    ],
)
def test_argument_types_are_checked(t: ConvexTest, args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(ConvexTestError, match=match):
        t.action(lambda ctx: ctx.vector_search(*args))


# ---------------------------------------------------------------------------
# Only in actions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "label"), [("query", "a query"), ("mutation", "a mutation")])
def test_vector_search_exists_only_in_actions(t: ConvexTest, kind: str, label: str) -> None:
    call = t.query if kind == "query" else t.mutation
    with pytest.raises(ConvexTestError) as info:
        call(lambda ctx: ctx.vector_search("messages", "embedding", {"vector": [1.0, 0.0, 0.0]}))
    assert str(info.value) == (
        f"ctx.vector_search is not available in {label} function. "
        "Vector search is only available in actions."
    )
    with pytest.raises(ConvexTestError, match="only available in actions"):
        t.run(lambda ctx: ctx.vector_search)


def test_vector_search_from_a_named_action_and_an_http_action(t: ConvexTest) -> None:
    (doc_id,) = insert(t, "messages", {"author": "a", "body": "b", "embedding": [0.0, 1.0, 0.0]})
    found = t.action(
        api.vector_search.vector_search, {"embedding": [0.0, 1.0, 0.0], "author": "a", "limit": 1}
    )
    assert [m["_id"] for m in found] == [doc_id]
    response = t.fetch("/nearest?x=0&y=1&z=0")
    assert response.status_code == 200
    assert response.json() == [{"_id": doc_id, "_score": 1.0}]


def test_each_component_searches_its_own_tables(t: ConvexTest) -> None:
    t.register_component("library", modules=APP)
    (app_doc,) = insert(t, "messages", {"author": "a", "body": "b", "embedding": [1.0, 0.0, 0.0]})
    component_doc = t.run(
        lambda ctx: ctx.db.insert(
            "messages", {"author": "a", "body": "b", "embedding": [1.0, 0.0, 0.0]}
        ),
        component="library",
    )

    def nearest(ctx: Any) -> list[str]:
        return ids_of(ctx.vector_search("messages", "embedding", {"vector": [1.0, 0.0, 0.0]}))

    assert t.action(nearest) == [app_doc]
    assert t.action(nearest, component="library") == [component_doc]
