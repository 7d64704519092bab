"""Full-text search end to end through ``t``: ``ctx.db.query(t).with_search_index(...)``.

The first tests are Python counterparts of convex-test's textSearch.test.ts and
searchFilterEq.test.ts, asserting what the real backend returns (relevance order,
ties newest first, only the last term as a prefix) where convex-test differs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from convex_test import UNDEFINED, ConvexError, api, v
from convex_test.errors import ConvexTestError
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "search_app"

SearchFn = Callable[[Any], Any]


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP)


def insert(t: ConvexTest, table: str, *docs: dict[str, Any]) -> list[str]:
    """Insert ``docs`` in order (so each is newer than the one before); return their IDs."""
    ids: list[str] = t.run(lambda ctx: [ctx.db.insert(table, doc) for doc in docs])
    return ids


def messages(t: ConvexTest, *bodies: str, author: str = "sarah") -> list[str]:
    return insert(t, "messages", *({"author": author, "body": b} for b in bodies))


def search(
    t: ConvexTest,
    text: str,
    *,
    filters: Sequence[tuple[str, Any]] = (),
    table: str = "messages",
    index: str = "body",
    field: str = "body",
    key: str = "body",
) -> list[Any]:
    """The ``key`` of every document a search query returns, in order."""

    def build(q: Any) -> Any:
        q = q.search(field, text)
        for name, value in filters:
            q = q.eq(name, value)
        return q

    docs = t.query(lambda ctx: ctx.db.query(table).with_search_index(index, build).collect())
    return [_get(doc, key) for doc in docs]


def _get(doc: dict[str, Any], key: str) -> Any:
    value: Any = doc
    for part in key.split("."):
        value = value[part]
    return value


# ---------------------------------------------------------------------------
# textSearch.test.ts
# ---------------------------------------------------------------------------


def test_text_search_counterpart(t: ConvexTest) -> None:
    t.run(
        lambda ctx: [
            ctx.db.insert("messages", {"author": "sarah", "body": "hello convex"}),
            ctx.db.insert("messages", {"author": "michal", "body": "hello next"}),
            ctx.db.insert("messages", {"author": "sarah", "body": "hello base"}),
        ]
    )
    # Every document scores the same for "hello": ties go to the newest document first
    # (convex-test returns insertion order instead).
    everyone = t.query(api.text_search.search, {"body": "hello", "author": None})
    assert [(m["author"], m["body"]) for m in everyone] == [
        ("sarah", "hello base"),
        ("michal", "hello next"),
        ("sarah", "hello convex"),
    ]
    sarah = t.query(api.text_search.search, {"body": "hello", "author": "sarah"})
    assert [m["body"] for m in sarah] == ["hello base", "hello convex"]
    # The last (here: only) term matches as a prefix.
    prefixed = t.query(api.text_search.search, {"body": "con", "author": None})
    assert [m["body"] for m in prefixed] == ["hello convex"]
    assert all(set(m) == {"_id", "_creationTime", "author", "body"} for m in everyone)


@pytest.mark.parametrize("text", ["HELLO", "Hello", "hElLo", "hello"])
def test_search_is_case_insensitive(t: ConvexTest, text: str) -> None:
    messages(t, "HeLLo WORLD", "goodbye")
    assert search(t, text) == ["HeLLo WORLD"]
    assert search(t, text.upper() + " World") == ["HeLLo WORLD"]


def test_multi_word_queries_or_their_terms_and_ignore_whitespace(t: ConvexTest) -> None:
    messages(t, "foo bar", "baz qux", "foo baz")
    # OR: a document needs one term; holding more terms ranks higher.
    assert search(t, "foo missing") == ["foo baz", "foo bar"]
    assert search(t, "  foo \t\n baz  ") == ["foo baz", "baz qux", "foo bar"]
    assert search(t, "missing nothing") == []


@pytest.mark.parametrize("text", ["", " ", "   \t\n", "!!! ,,, ---"])
def test_queries_without_terms_match_nothing(t: ConvexTest, text: str) -> None:
    messages(t, "hello world", "! , -")
    assert search(t, text) == []


# ---------------------------------------------------------------------------
# searchFilterEq.test.ts
# ---------------------------------------------------------------------------


def test_search_eq_with_undefined_values() -> None:
    from convex_test import define_schema, define_table

    schema = define_schema(
        {
            "messages": define_table(
                {
                    "body": v.string(),
                    "author": v.optional(v.string()),
                    "deletionTime": v.optional(v.number()),
                }
            ).search_index("body", search_field="body", filter_fields=["author", "deletionTime"])
        }
    )
    t = convex_test(schema)
    insert(
        t,
        "messages",
        {"body": "Hello world", "author": "alice"},
        {"body": "Goodbye world", "author": "bob", "deletionTime": 123456},
        {"body": "Test message"},
    )
    assert search(t, "world", filters=[("deletionTime", UNDEFINED)]) == ["Hello world"]
    assert search(t, "world", filters=[("deletionTime", 123456)]) == ["Goodbye world"]
    assert search(t, "message", filters=[("author", UNDEFINED)]) == ["Test message"]
    assert search(t, "world", filters=[("author", "alice")]) == ["Hello world"]


def test_search_eq_distinguishes_undefined_from_null() -> None:
    from convex_test import define_schema, define_table

    schema = define_schema(
        {
            "items": define_table(
                {"name": v.string(), "status": v.optional(v.union(v.string(), v.null()))}
            ).search_index("name", search_field="name", filter_fields=["status"])
        }
    )
    t = convex_test(schema)
    insert(
        t,
        "items",
        {"name": "item1"},
        {"name": "item2", "status": None},
        {"name": "item3", "status": "active"},
    )

    def names(status: Any) -> list[Any]:
        return search(
            t,
            "item",
            filters=[("status", status)],
            table="items",
            index="name",
            field="name",
            key="name",
        )

    # "item1" is a single token: "item" finds it as the last query term's prefix.
    assert names(UNDEFINED) == ["item1"]
    assert names(None) == ["item2"]
    assert names("active") == ["item3"]


# ---------------------------------------------------------------------------
# Tokenization
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "text", "found"),
    [
        # Punctuation and symbols separate tokens, in documents and in queries.
        ("hello, world!", "world", True),
        ("hello, world!", "world,", True),
        ("hello, world!", '"hello"', True),
        ("e-mail me", "mail", True),
        ("e-mail me", "e-mail", True),
        ("don't stop", "don", True),
        ("snake_case_name", "case", True),  # "_" is not alphanumeric
        ("version v2.0", "v2", True),
        ("user@example.com", "example", True),
        ("price: 42€", "42", True),
        # No stemming, no stop words.
        ("running shoes", "run shoes", True),
        ("running shoes", "runs", False),
        ("the and of", "the", True),
        # Accents are kept (no folding); lowercasing works on all scripts.
        ("Café crème", "café", True),
        ("Café crème", "CAFÉ", True),
        ("Café crème", "cafe crem", False),
        ("ΣΟΦΙΑ", "σοφια", True),
        ("Straße", "strasse", False),
        ("Straße", "STRAßE", True),
        # A decomposed accent (e + U+0301) is not alphanumeric: it splits the word.
        ("cafe\u0301", "cafe", True),
        ("cafe\u0301", "café", False),
        # CJK: no word segmentation, a run of ideographs/kana is one token.
        ("東京タワー", "東京タワー", True),
        ("東京タワー", "東京", True),  # as a prefix of the (last) query term
        ("東京タワー", "タワー", False),
        ("東京 タワー", "タワー", True),
        ("東京タワー", "東京 x", False),  # "東京" is no longer the last term
        # Indic vowel signs are alphanumeric (Rust's is_alphanumeric), the virama is not.
        ("हिन्दी", "हिन", True),
        ("हिन्दी", "दी", True),
        # Digits of other scripts and letter-like numbers.
        ("٣ apples", "٣", True),
        ("Ⅻ chapter", "ⅻ", True),
    ],
)
def test_tokenization_edge_cases(t: ConvexTest, body: str, text: str, found: bool) -> None:
    messages(t, body)
    assert search(t, text) == ([body] if found else [])


def test_tokens_of_32_bytes_or_more_are_dropped(t: ConvexTest) -> None:
    ok31 = "a" * 31
    long32 = "b" * 32
    accents15 = "é" * 15  # 30 bytes
    accents16 = "é" * 16  # 32 bytes
    cjk10 = "漢" * 10  # 30 bytes
    cjk11 = "字" * 11  # 33 bytes
    messages(t, f"w {ok31}", f"x {long32}", f"y {accents15}", f"z {accents16}", cjk10, cjk11)
    assert search(t, ok31) == [f"w {ok31}"]
    assert search(t, "aaaa") == [f"w {ok31}"]
    # Dropped at index time: not even a prefix of it matches.
    assert search(t, long32) == []
    assert search(t, "bbbb") == []
    assert search(t, "é") == [f"y {accents15}"]
    assert search(t, "éé") == [f"y {accents15}"]
    assert search(t, "漢") == [cjk10]
    assert search(t, "字") == []
    # Dropped at query time: the long term is no term at all, so "x" is the last one.
    assert search(t, f"{long32} x") == [f"x {long32}"]
    assert search(t, f"x {long32}") == [f"x {long32}"]


def test_only_the_first_16_query_terms_count(t: ConvexTest) -> None:
    messages(t, "target here")
    filler = [f"filler{i}" for i in range(15)]
    assert search(t, " ".join([*filler, "target"])) == ["target here"]
    assert search(t, " ".join([*filler, "other", "target"])) == []
    # The 16th term is the last one kept, so it matches as a prefix.
    assert search(t, " ".join([*filler, "tar", "unrelated"])) == ["target here"]
    # Terms dropped for their length do not use up the 16.
    assert search(t, " ".join(["z" * 40, *filler, "target"])) == ["target here"]


# ---------------------------------------------------------------------------
# Prefix rules
# ---------------------------------------------------------------------------


def test_only_the_last_term_matches_as_a_prefix(t: ConvexTest) -> None:
    messages(t, "hello world", "world matters", "wordy text")
    # "wor" must match exactly (nothing has it); "matters" is the prefix term.
    assert search(t, "wor matters") == ["world matters"]
    # Now "wor" is last: it expands to "world" and "wordy".
    assert set(search(t, "matters wor")) == {"hello world", "world matters", "wordy text"}
    assert search(t, "matters wor")[0] == "world matters"  # two matching terms
    assert search(t, "worl") == ["world matters", "hello world"]
    assert search(t, "worldly") == []


def test_an_exact_match_outranks_a_prefix_match(t: ConvexTest) -> None:
    messages(t, "test", "testing", "tests")  # the prefix matches are the newer ones
    assert search(t, "test") == ["test", "tests", "testing"]


def test_fuzzy_matching_is_off(t: ConvexTest) -> None:
    messages(t, "hello world")
    assert search(t, "helo") == []
    assert search(t, "wrold") == []


# ---------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------


def test_more_occurrences_rank_higher(t: ConvexTest) -> None:
    messages(t, "apple apple banana", "apple banana cherry", "apple apple apple")
    assert search(t, "apple") == ["apple apple apple", "apple apple banana", "apple banana cherry"]


def test_shorter_fields_rank_higher(t: ConvexTest) -> None:
    messages(t, "apple", "apple banana cherry date elder fig", "apple banana")
    assert search(t, "apple") == [
        "apple",
        "apple banana",
        "apple banana cherry date elder fig",
    ]


def test_rare_terms_weigh_more(t: ConvexTest) -> None:
    messages(t, "rare thing", "common one", "common two", "common three", "common four")
    assert search(t, "common rare")[0] == "rare thing"
    assert search(t, "rare common")[0] == "rare thing"


def test_bm25_order_matches_a_reference_implementation(t: ConvexTest) -> None:
    import math

    bodies = [
        "the quick brown fox",
        "the lazy dog sleeps",
        "quick quick quick",
        "a fox and a dog and a cat and a quick bird",
        "brown dog",
        "foxes are not dogs",
    ]
    messages(t, *bodies)
    query = ["quick", "dog"]  # "dog" is also a prefix of "dogs"
    tokens = [b.split() for b in bodies]
    average = sum(map(len, tokens)) / len(tokens)

    def term_score(term: str, doc: list[str], boost: float) -> float:
        df = sum(term in d for d in tokens)
        idf = math.log(1 + (len(tokens) - df + 0.5) / (df + 0.5))
        tf = doc.count(term)
        return boost * idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(doc) / average))

    def score(doc: list[str]) -> float:
        total = sum(term_score(q, doc, 1.0) for q in query)
        return total + term_score("dogs", doc, 0.5)

    ranked = sorted(range(len(bodies)), key=lambda i: (-score(tokens[i]), -i))
    expected = [bodies[i] for i in ranked if score(tokens[i]) > 0]
    assert search(t, "quick dog") == expected


def test_ties_go_to_the_newest_document(t: ConvexTest) -> None:
    ids = messages(t, "same words", "same words", "same words")
    found = t.query(
        lambda ctx: [
            d["_id"]
            for d in ctx.db.query("messages")
            .with_search_index("body", lambda q: q.search("body", "same"))
            .collect()
        ]
    )
    assert found == list(reversed(ids))


def test_rewriting_a_document_updates_its_rank(t: ConvexTest) -> None:
    first, second = messages(t, "alpha beta", "alpha")
    assert search(t, "alpha") == ["alpha", "alpha beta"]
    t.run(lambda ctx: ctx.db.patch(first, {"body": "alpha alpha"}))
    assert search(t, "alpha") == ["alpha alpha", "alpha"]
    t.run(lambda ctx: ctx.db.replace(second, {"author": "x", "body": "gamma"}))
    assert search(t, "alpha") == ["alpha alpha"]
    assert search(t, "gamma") == ["gamma"]


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


def test_eq_filters_are_anded(t: ConvexTest) -> None:
    insert(
        t,
        "notes",
        {"text": "hello one", "tag": "a"},
        {"text": "hello two", "tag": "b"},
        {"text": "hello three"},
        {"text": "hello four", "tag": None},
        {"text": "hello five", "tag": ["a"]},
    )

    def found(*filters: tuple[str, Any]) -> list[Any]:
        return search(
            t,
            "hello",
            filters=filters,
            table="notes",
            index="search_text",
            field="text",
            key="text",
        )

    assert found(("tag", "a")) == ["hello one"]
    assert found(("tag", "a"), ("tag", "a")) == ["hello one"]
    assert found(("tag", "a"), ("tag", "b")) == []
    assert found(("tag", UNDEFINED)) == ["hello three"]
    assert found(("tag", None)) == ["hello four"]
    assert found(("tag", ["a"])) == ["hello five"]
    assert found(("tag", "c")) == []


def test_filter_values_compare_by_type(t: ConvexTest) -> None:
    from convex_test import Int64

    insert(
        t,
        "notes",
        {"text": "n float", "tag": 1.0},
        {"text": "n int64", "tag": Int64(1)},
        {"text": "n bool", "tag": True},
        {"text": "n str", "tag": "1"},
    )

    def found(value: Any) -> list[Any]:
        return search(
            t,
            "n",
            filters=[("tag", value)],
            table="notes",
            index="search_text",
            field="text",
            key="text",
        )

    assert found(1.0) == ["n float"]
    assert found(1) == ["n float"]  # a plain int is a Float64
    assert found(Int64(1)) == ["n int64"]
    assert found(True) == ["n bool"]
    assert found("1") == ["n str"]


def test_eq_on_a_field_that_is_not_a_filter_field_is_rejected(t: ConvexTest) -> None:
    messages(t, "hello")
    with pytest.raises(ConvexTestError) as info:
        search(t, "hello", filters=[("autor", "sarah")])
    message = str(info.value)
    assert "Search query against messages.body contains an equality filter on" in message
    assert "isn't indexed for filtering in `filterFields`" in message
    assert "Did you mean `author`?" in message
    with pytest.raises(ConvexTestError, match="isn't indexed for filtering"):
        search(t, "hello", filters=[("body", "hello")])


def test_at_most_8_eq_filters(t: ConvexTest) -> None:
    messages(t, "hello")
    assert search(t, "hello", filters=[("author", "sarah")] * 8) == ["hello"]
    with pytest.raises(
        ConvexTestError, match=re.escape("too many filter conditions. Max: 8 Actual: 9")
    ):
        search(t, "hello", filters=[("author", "sarah")] * 9)


def test_nested_search_and_filter_fields(t: ConvexTest) -> None:
    insert(
        t,
        "articles",
        {"meta": {"title": "Intro to Convex", "lang": "en"}, "embedding": [1.0, 0.0]},
        {"meta": {"title": "Convex en français", "lang": "fr"}, "embedding": [0.0, 1.0]},
    )

    def titles(text: str, *filters: tuple[str, Any]) -> list[Any]:
        return search(
            t,
            text,
            filters=filters,
            table="articles",
            index="search_title",
            field="meta.title",
            key="meta.title",
        )

    assert titles("convex", ("meta.lang", "fr")) == ["Convex en français"]
    assert titles("intro") == ["Intro to Convex"]
    with pytest.raises(ConvexTestError, match="doesn't match the indexed `searchField`"):
        search(t, "convex", table="articles", index="search_title", field="meta")


# ---------------------------------------------------------------------------
# Checks against the schema
# ---------------------------------------------------------------------------


def _run_search(t: ConvexTest, table: str, index: str, build: SearchFn) -> Any:
    return t.query(lambda ctx: ctx.db.query(table).with_search_index(index, build).collect())


@pytest.mark.parametrize(
    ("table", "index", "message"),
    [
        ("messages", "bdy", "Index messages.bdy not found. Did you mean `body`?"),
        ("messages", "author", "Index messages.author is not a search index"),
        ("messages", "embedding", "Index messages.embedding is not a search index"),
        ("messages", "by_creation_time", "Index messages.by_creation_time is not a search index"),
        ("nowhere", "body", "Index nowhere.body not found."),
    ],
)
def test_the_index_must_be_a_search_index_of_the_schema(
    t: ConvexTest, table: str, index: str, message: str
) -> None:
    with pytest.raises(ConvexTestError) as info:
        _run_search(t, table, index, lambda q: q.search("body", "x"))
    assert str(info.value) == message


def test_a_search_index_is_not_a_database_index(t: ConvexTest) -> None:
    with pytest.raises(
        ConvexTestError, match=re.escape("Index messages.body is not a database index")
    ):
        t.query(lambda ctx: ctx.db.query("messages").with_index("body").collect())


def test_the_search_field_must_be_the_indexed_one(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError) as info:
        _run_search(t, "messages", "body", lambda q: q.search("author", "sarah"))
    assert str(info.value) == (
        'Search query against messages.body contains a search filter against "author", '
        'which doesn\'t match the indexed `searchField` "body".'
    )


def test_exactly_one_search_term_filter(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match="multiple search filters against"):
        _run_search(t, "messages", "body", lambda q: q.search("body", "a").search("body", "b"))
    with pytest.raises(ConvexTestError, match="does not contain any search filters"):
        _run_search(t, "messages", "body", lambda q: q.eq("author", "sarah"))


def test_search_text_must_be_a_string(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match="must be a string"):
        _run_search(t, "messages", "body", lambda q: q.search("body", 5))


def test_empty_search_text_short_circuits_like_the_backend(t: ConvexTest) -> None:
    messages(t, "hello")
    # The backend returns no results for "" before it looks at the filters.
    assert _run_search(t, "messages", "body", lambda q: q.search("body", "").eq("x", 1)) == []
    with pytest.raises(ConvexTestError, match="isn't indexed for filtering"):
        _run_search(t, "messages", "body", lambda q: q.search("body", " ").eq("x", 1))


# ---------------------------------------------------------------------------
# Non-string search fields
# ---------------------------------------------------------------------------


def test_documents_whose_search_field_is_not_a_string_never_match(t: ConvexTest) -> None:
    from convex_test import Int64

    values: list[Any] = [
        5.0,
        Int64(5),
        True,
        None,
        b"hello",
        ["hello"],
        {"hello": "hello"},
    ]
    insert(t, "notes", *({"text": value, "tag": "x"} for value in values), {"tag": "missing"})
    (hello_id,) = insert(t, "notes", {"text": "hello 5 true null", "tag": "s"})

    def found(text: str) -> list[Any]:
        return search(t, text, table="notes", index="search_text", field="text", key="_id")

    for text in ["hello", "5", "true", "null", "aGVsbG8"]:
        assert found(text) == ([hello_id] if text != "aGVsbG8" else [])
    # Turning a string into a number removes the document, and back again.
    t.run(lambda ctx: ctx.db.patch(hello_id, {"text": 5.0}))
    assert found("hello") == []
    t.run(lambda ctx: ctx.db.patch(hello_id, {"text": "hello again"}))
    assert found("hello") == [hello_id]
    t.run(lambda ctx: ctx.db.patch(hello_id, {"text": UNDEFINED}))
    assert found("hello") == []


# ---------------------------------------------------------------------------
# Composition with filter / take / first / unique / paginate / order
# ---------------------------------------------------------------------------


def test_filter_runs_after_the_search_and_keeps_relevance_order(t: ConvexTest) -> None:
    messages(t, "fox fox", "fox", author="sarah")
    messages(t, "fox fox fox", "a fox", author="michal")
    found = t.query(
        lambda ctx: [
            d["body"]
            for d in ctx.db.query("messages")
            .with_search_index("body", lambda q: q.search("body", "fox"))
            .filter(lambda q: q.neq(q.field("author"), "michal"))
            .collect()
        ]
    )
    assert found == ["fox fox", "fox"]


def test_take_first_and_unique(t: ConvexTest) -> None:
    messages(t, "red", "red red", "red blue", "blue")

    def run(fn: Callable[[Any], Any]) -> Any:
        return t.query(
            lambda ctx: fn(
                ctx.db.query("messages").with_search_index(
                    "body", lambda q: q.search("body", "red")
                )
            )
        )

    assert [d["body"] for d in run(lambda q: q.take(2))] == ["red red", "red"]
    assert run(lambda q: q.take(0)) == []
    assert run(lambda q: q.first())["body"] == "red red"
    with pytest.raises(ConvexTestError, match="unique\\(\\) query returned more than one result"):
        run(lambda q: q.unique())
    only = t.query(
        lambda ctx: (
            ctx.db.query("messages")
            .with_search_index("body", lambda q: q.search("body", "blue"))
            .filter(lambda q: q.eq(q.field("body"), "blue"))
            .unique()
        )
    )
    assert only["body"] == "blue"
    assert [d["body"] for d in run(lambda q: list(q))] == ["red red", "red", "red blue"]


def test_order_is_rejected_with_convex_message(t: ConvexTest) -> None:
    message = "Search queries must always be in relevance order. Can not set order manually."
    for order in ("asc", "desc"):
        with pytest.raises(ConvexTestError) as info:
            t.query(
                lambda ctx, order=order: (
                    ctx.db.query("messages")
                    .with_search_index("body", lambda q: q.search("body", "x"))
                    .order(order)
                    .collect()
                )
            )
        assert str(info.value) == message
    with pytest.raises(ConvexTestError) as info:
        t.query(
            lambda ctx: (
                ctx.db.query("messages")
                .with_search_index("body", lambda q: q.search("body", "x"))
                .filter(lambda q: True)
                .order("desc")
                .collect()
            )
        )
    assert str(info.value) == message


def test_paginate_walks_results_in_relevance_order(t: ConvexTest) -> None:
    bodies = [" ".join(["word"] * n + ["pad"] * (10 - n)) for n in range(1, 11)]
    messages(t, *bodies, "nothing here")
    expected = list(reversed(bodies))  # more occurrences rank higher
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        result = t.query(
            api.text_search.page,
            {"body": "word", "paginationOpts": {"numItems": 3, "cursor": cursor}},
        )
        seen.extend(m["body"] for m in result["page"])
        pages += 1
        if result["isDone"]:
            break
        cursor = result["continueCursor"]
    assert seen == expected
    # 10 results in pages of 3: 3, 3, 3, 1 (the last is short, so it is done).
    assert pages == 4


def test_paginate_with_a_filter_and_cursor_checks(t: ConvexTest) -> None:
    messages(t, *(f"item {i}" for i in range(6)))

    def page(cursor: str | None, text: str = "item") -> dict[str, Any]:
        result: dict[str, Any] = t.query(
            lambda ctx: (
                ctx.db.query("messages")
                .with_search_index("body", lambda q: q.search("body", text))
                .filter(lambda q: q.neq(q.field("body"), "item 3"))
                .paginate({"numItems": 2, "cursor": cursor})
            )
        )
        return result

    first = page(None)
    assert [m["body"] for m in first["page"]] == ["item 5", "item 4"]
    second = page(first["continueCursor"])
    assert [m["body"] for m in second["page"]] == ["item 2", "item 1"]
    third = page(second["continueCursor"])
    assert [m["body"] for m in third["page"]] == ["item 0"]
    assert third["isDone"] is True
    from convex_test.errors import InvalidCursorError

    with pytest.raises(InvalidCursorError, match="cursor is from a different query"):
        page(first["continueCursor"], text="other")


# ---------------------------------------------------------------------------
# The 1024-result cap
# ---------------------------------------------------------------------------


def _fill(t: ConvexTest, count: int) -> None:
    t.run(
        lambda ctx: [
            ctx.db.insert("messages", {"author": "bot", "body": f"spam {i}"}) for i in range(count)
        ]
    )


def _spam(t: ConvexTest, fn: Callable[[Any], Any]) -> Any:
    return t.query(
        lambda ctx: fn(
            ctx.db.query("messages").with_search_index("body", lambda q: q.search("body", "spam"))
        )
    )


SCANNED_TOO_MANY = "Search query scanned too many documents \\(fetched 1024\\)"


def test_reading_past_1024_results_raises() -> None:
    t = convex_test(modules=APP)
    _fill(t, 1100)
    assert len(_spam(t, lambda q: q.take(1024))) == 1024
    assert len(_spam(t, lambda q: q.take(10))) == 10
    with pytest.raises(ConvexTestError, match=SCANNED_TOO_MANY):
        _spam(t, lambda q: q.take(1025))
    with pytest.raises(ConvexTestError, match=SCANNED_TOO_MANY):
        _spam(t, lambda q: q.collect())
    # Filtered-out candidates count: the filter never finds a match in the first 1024.
    with pytest.raises(ConvexTestError, match=SCANNED_TOO_MANY):
        _spam(t, lambda q: q.filter(lambda f: q_false(f)).first())


def q_false(q: Any) -> Any:
    return q.eq(q.field("author"), "nobody")


def test_exactly_1024_results_cannot_be_collected() -> None:
    # The backend fails as soon as a 1025th candidate is asked for, even if none exists.
    t = convex_test(modules=APP)
    _fill(t, 1024)
    assert len(_spam(t, lambda q: q.take(1024))) == 1024
    with pytest.raises(ConvexTestError, match=SCANNED_TOO_MANY):
        _spam(t, lambda q: q.collect())
    t.run(lambda ctx: ctx.db.delete(ctx.db.query("messages").first()["_id"]))
    assert len(_spam(t, lambda q: q.collect())) == 1023


def test_pagination_stops_at_the_best_1024_results() -> None:
    t = convex_test(modules=APP)
    _fill(t, 1100)
    seen = 0
    cursor = None
    while True:
        result = t.query(
            api.text_search.page,
            {"body": "spam", "paginationOpts": {"numItems": 300, "cursor": cursor}},
        )
        seen += len(result["page"])
        if result["isDone"]:
            break
        cursor = result["continueCursor"]
    assert seen == 1024


# ---------------------------------------------------------------------------
# Transactions: read your own writes, rollbacks
# ---------------------------------------------------------------------------


def _bodies_in(ctx: Any, text: str) -> list[str]:
    return [
        d["body"]
        for d in ctx.db.query("messages")
        .with_search_index("body", lambda q: q.search("body", text))
        .collect()
    ]


def test_search_sees_the_writes_of_its_own_transaction(t: ConvexTest) -> None:
    def handler(ctx: Any) -> list[list[str]]:
        seen = [_bodies_in(ctx, "zebra")]
        doc_id = ctx.db.insert("messages", {"author": "a", "body": "a zebra"})
        seen.append(_bodies_in(ctx, "zebra"))
        ctx.db.patch(doc_id, {"body": "a striped zebra zebra"})
        ctx.db.insert("messages", {"author": "a", "body": "zebra"})
        seen.append(_bodies_in(ctx, "zebra"))
        ctx.db.delete(doc_id)
        seen.append(_bodies_in(ctx, "zeb"))
        return seen

    # "zebra" alone is short, so it outranks the longer body holding the term twice.
    assert t.run(handler) == [[], ["a zebra"], ["zebra", "a striped zebra zebra"], ["zebra"]]
    assert search(t, "zebra") == ["zebra"]


def test_rolled_back_writes_leave_the_search_index(t: ConvexTest) -> None:
    (kept,) = messages(t, "lion")

    def failing(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "a", "body": "lion cub"})
        ctx.db.patch(kept, {"body": "tiger"})
        assert _bodies_in(ctx, "lion") == ["lion cub"]
        raise ConvexError("no")

    with pytest.raises(ConvexError):
        t.run(failing)
    assert search(t, "lion") == ["lion"]
    assert search(t, "tiger") == []


def test_a_failed_nested_mutation_rolls_back_only_its_writes(t: ConvexTest) -> None:
    assert t.mutation(api.text_search.insert_with_failing_nested, {"body": "elephant"}) == [
        "elephant one"
    ]
    assert search(t, "elephant") == ["elephant one"]


def test_a_query_from_a_mutation_sees_its_writes(t: ConvexTest) -> None:
    def handler(ctx: Any) -> Any:
        ctx.db.insert("messages", {"author": "sarah", "body": "fresh news"})
        return ctx.run_query(api.text_search.search, {"body": "news", "author": "sarah"})

    assert [m["body"] for m in t.run(handler)] == ["fresh news"]
