"""Full-text search: tokenizer, BM25 ranking, prefix rules, filters, index maintenance."""

from __future__ import annotations

import math
import subprocess
import sys
import unicodedata
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, UnsupportedValueError
from convex_test.search.text import (
    MAX_UNIQUE_QUERY_TERMS,
    TextIndex,
    check_filter_count,
    check_filter_field,
    check_search_field,
    check_single_search_filter,
    missing_search_filter,
    quantize_fieldnorm,
    scanned_too_many,
    tokenize,
)
from convex_test.values import UNDEFINED, Int64

# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("snake_case-kebab.dot", ["snake", "case", "kebab", "dot"]),
        ("don't stop", ["don", "t", "stop"]),
        ("a1b2 3.14 -7", ["a1b2", "3", "14", "7"]),
        ("e-mail: x@y.com", ["e", "mail", "x", "y", "com"]),
        ("", []),
        ("  \t\n ", []),
        ("!!! ... ???", []),
        ("Ünïcödé ÅNGSTRÖM", ["ünïcödé", "ångström"]),
        ("日本語テキスト です", ["日本語テキスト", "です"]),
        ("Ελληνικά ΚΕΙΜΕΝΑ", ["ελληνικά", "κειμενα"]),
        # Digits of every script, vulgar fractions and superscripts are Numeric.
        ("٣٤ ½ x²", ["٣٤", "½", "x²"]),
        ("😀hi🎉there", ["hi", "there"]),
        # Devanagari vowel signs are Other_Alphabetic (kept); the virama is not (splits).
        ("हिन्दी", ["हिन", "दी"]),
        ("ภาษาไทย", ["ภาษาไทย"]),
        # Circled letters are So but Alphabetic in Rust.
        ("ⒶⒷ", ["ⓐⓑ"]),
        # A decomposed accent (U+0301) is not alphabetic: it separates.
        ("cafe\u0301 bar", ["cafe", "bar"]),
        # tantivy lowercases per character: no word-final sigma.
        ("ΣΑΣ", ["σασ"]),
        ("İstanbul", ["i\u0307stanbul"]),
        ("tab\u00a0nbsp\u2003em", ["tab", "nbsp", "em"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("token", "kept"),
    [
        ("a" * 31, True),
        ("a" * 32, False),
        ("é" * 15 + "a", True),  # 31 bytes
        ("é" * 16, False),  # 32 bytes, 16 characters
        ("中" * 10 + "a", True),  # 31 bytes
        ("中" * 10 + "ab", False),  # 32 bytes
        ("𝒜" * 7 + "abc", True),  # 4-byte letters: 31 bytes
        ("𝒜" * 7 + "abcd", False),
        # The limit applies to the original bytes, before lowercasing.
        ("İ" * 15 + "a", True),  # 31 bytes, 46 once lowercased
        ("ẞ" * 11, False),  # 33 bytes, 22 once lowercased
    ],
)
def test_long_tokens_dropped_by_utf8_length(token: str, kept: bool) -> None:
    assert tokenize(f"x {token} y") == (["x", token.lower(), "y"] if kept else ["x", "y"])


def test_tokenize_rejects_non_strings() -> None:
    with pytest.raises(ConvexTestError, match="must be a string"):
        tokenize(5)  # type: ignore[arg-type]


def _rust_alphanumeric() -> Any:
    regex = pytest.importorskip("regex")
    return regex.compile(r"[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]")


def test_extra_alphanumeric_table_matches_unicode() -> None:
    """Every code point: `isalnum() or in table` is Rust's is_alphanumeric (per `regex`)."""
    from convex_test.search.text import _EXTRA_ALNUM

    pattern = _rust_alphanumeric()
    extra: set[int] = set()
    for lo, hi in _EXTRA_ALNUM:
        extra.update(range(lo, hi + 1))
    mismatches = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        # Only compare characters this Python's Unicode database knows: a newer `regex`
        # release may carry a newer Unicode version than unicodedata.
        if unicodedata.category(ch) == "Cn":
            continue
        if bool(pattern.match(ch)) != (ch.isalnum() or cp in extra):
            mismatches.append(hex(cp))
    assert mismatches == []


def _reference_tokenize(text: str, is_alnum: Any) -> list[str]:
    tokens, run = [], ""
    for ch in text + " ":
        if is_alnum(ch):
            run += ch
            continue
        if run and len(run.encode()) < 32:
            tokens.append("".join(c.lower() for c in run))
        run = ""
    return tokens


@settings(max_examples=300)
@given(
    st.text(
        st.characters(
            codec="utf-8",
            categories=("L", "M", "N", "P", "S", "Z"),
        )
        | st.sampled_from("aZ09 _-.,\u0301\u094d\u093f\u0e31Σ"),
        max_size=60,
    )
)
def test_tokenize_matches_char_by_char_reference(text: str) -> None:
    pattern = _rust_alphanumeric()
    assert tokenize(text) == _reference_tokenize(text, lambda c: bool(pattern.match(c)))


def test_import_stays_light() -> None:
    code = (
        "import sys, convex_test.search; "
        "assert 'numpy' not in sys.modules, 'numpy imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------
# BM25 reference (tantivy's formula, written out by hand)
# ---------------------------------------------------------------------------

K1, B = 1.2, 0.75


def bm25(tf: int, df: int, n: int, dl: int, avgdl: float, boost: float = 1.0) -> float:
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return boost * idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))


def make_index(*bodies: Any, filter_fields: tuple[str, ...] = ()) -> TextIndex:
    index = TextIndex("body", filter_fields, name="messages.by_body")
    for i, body in enumerate(bodies):
        doc = {"_id": f"d{i}", "_creationTime": float(i)}
        if body is not UNDEFINED:
            doc["body"] = body
        index.add(f"d{i}", doc)
    return index


def scores(index: TextIndex, query: str, filters: Any = ()) -> dict[str, float]:
    return dict(index.search_with_scores(query, filters))


CORPUS = ("apple banana", "apple apple cherry", "banana cherry cherry durian")


def test_bm25_single_term_hand_computed() -> None:
    index = make_index(*CORPUS)  # N=3, 9 tokens, avgdl=3
    got = scores(index, "apple")
    assert got == {
        "d0": pytest.approx(math.log(1.6) * 2.2 / 1.9),
        "d1": pytest.approx(math.log(1.6) * 4.4 / 3.2),
    }
    # Twice the term beats once.
    assert index.search("apple") == ["d1", "d0"]


def test_bm25_rarer_terms_weigh_more() -> None:
    index = make_index(*CORPUS)
    got = scores(index, "apple durian")
    assert got["d2"] == pytest.approx(bm25(1, 1, 3, 4, 3.0))
    assert got["d1"] == pytest.approx(bm25(2, 2, 3, 3, 3.0))
    # durian (in 1 doc) outweighs apple twice (in 2 docs).
    assert index.search("apple durian") == ["d2", "d1", "d0"]


def test_bm25_sums_matched_terms() -> None:
    index = make_index(*CORPUS)
    got = scores(index, "banana cherry")
    # "cherry" is the last token: exact hits keep the full weight.
    expected = bm25(1, 2, 3, 4, 3.0) + bm25(2, 2, 3, 4, 3.0)
    assert got["d2"] == pytest.approx(expected)
    # d0 and d1 hold one term each, equally rare: the shorter d0 wins.
    assert index.search("banana cherry") == ["d2", "d0", "d1"]


def test_shorter_documents_rank_higher() -> None:
    index = make_index("kiwi plus several other words here", "kiwi", "kiwi and more")
    assert index.search("kiwi") == ["d1", "d2", "d0"]


def test_field_length_is_quantized_like_tantivy() -> None:
    assert [quantize_fieldnorm(n) for n in range(41)] == list(range(41))
    assert [quantize_fieldnorm(n) for n in (41, 42, 43, 44, 59, 60, 1000)] == [
        40,
        42,
        42,
        44,
        56,
        60,
        984,
    ]
    assert quantize_fieldnorm(2**31 - 1) == 2013265944
    # Documents of 40 and 41 tokens are the same length to BM25.
    index = make_index("kiwi " + "x " * 39, "kiwi " + "x " * 40, "kiwi " + "x " * 41)
    got = scores(index, "kiwi")
    assert got["d0"] == got["d1"] > got["d2"]


def test_documents_without_a_string_field_count_in_bm25_statistics() -> None:
    plain = make_index("hello world", "goodbye")
    padded = make_index("hello world", "goodbye", 5, UNDEFINED, ["hello"], None)
    assert scores(plain, "hello") == {"d0": pytest.approx(bm25(1, 1, 2, 2, 1.5))}
    # Six documents, three tokens: the non-strings are zero-length documents.
    assert scores(padded, "hello") == {"d0": pytest.approx(bm25(1, 1, 6, 2, 0.5))}
    assert len(padded) == 6


@pytest.mark.parametrize("body", [5, 1.5, None, True, ["hello"], {"x": "hello"}, b"hello"])
def test_non_string_search_field_never_matches(body: Any) -> None:
    index = make_index(body, "hello")
    assert index.search("hello") == ["d1"]
    assert index.search("hel") == ["d1"]


# ---------------------------------------------------------------------------
# Query rules
# ---------------------------------------------------------------------------


def test_only_the_last_term_is_a_prefix() -> None:
    index = make_index("hello world", "help")
    assert set(index.search("hel")) == {"d0", "d1"}
    assert index.search("hel world") == ["d0"]  # "hel" must match exactly
    assert set(index.search("world hel")) == {"d0", "d1"}
    assert index.search("wor hello") == ["d0"]


def test_prefix_matches_score_half() -> None:
    index = make_index("hello")
    exact = scores(index, "hello")["d0"]
    assert scores(index, "hell")["d0"] == pytest.approx(exact / 2)


def test_a_term_hit_exactly_and_by_prefix_counts_once_at_full_weight() -> None:
    index = make_index("hello", "other")
    exact = scores(index, "hello")
    assert scores(index, "hello hel") == pytest.approx(exact)
    assert scores(index, "hello hello") == pytest.approx(exact)


def test_or_semantics() -> None:
    index = make_index("cat", "dog", "cat dog", "bird")
    assert index.search("cat dog")[0] == "d2"
    assert set(index.search("cat dog")) == {"d0", "d1", "d2"}
    assert index.search("fish cat") == ["d0", "d2"]


def test_query_is_case_insensitive_and_punctuation_blind() -> None:
    index = make_index("Hello, World")
    assert index.search("HELLO!!") == ["d0"]
    assert index.search("...world???") == ["d0"]


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "?!.,;", "😀"])
def test_empty_queries_match_nothing(query: str) -> None:
    assert make_index("hello", "world").search(query) == []


def test_only_the_first_16_query_terms_count() -> None:
    index = make_index("target", "t0")
    fillers = " ".join(f"t{i}" for i in range(15))
    assert "d0" in index.search(f"{fillers} target")  # 16th term
    assert "d0" not in index.search(f"{fillers} t15 target")  # 17th term: ignored
    # The 16th term is the prefix term even when more follow.
    assert "d0" in index.search(f"{fillers} targ more")


def test_long_query_tokens_are_dropped() -> None:
    index = make_index("hello")
    assert index.search("hel " + "x" * 40) == ["d0"]  # "hel" becomes the last token
    assert make_index("a" * 40).search("a" * 40) == []
    assert make_index("a" * 40).search("aaaa") == []


def test_prefix_expansion_is_capped_by_the_unique_term_budget() -> None:
    bodies = [f"w{i:03d}" for i in range(MAX_UNIQUE_QUERY_TERMS + 6)] + ["zzz"]
    index = make_index(*bodies, filter_fields=("body",))
    first_64 = {f"d{i}" for i in range(64)}
    # All expansions: the 64 lexicographically first terms.
    assert set(index.search("w")) == first_64
    # An exact term present takes one slot of the budget ...
    assert set(index.search("zzz w")) == {"d70"} | {f"d{i}" for i in range(63)}
    # ... an absent one does not ...
    assert set(index.search("nope w")) == first_64
    # ... and neither does an expansion that is also an exact term.
    assert set(index.search("w001 w")) == first_64


def test_prefix_budget_counts_filter_terms() -> None:
    index = TextIndex("body", ["tag"])
    for i in range(70):
        index.add(f"d{i}", {"body": f"w{i:03d}", "tag": "t"})
    assert set(index.search("w", [("tag", "t")])) == {f"d{i}" for i in range(63)}


def test_ties_go_to_the_newer_document_then_doc_id() -> None:
    index = TextIndex("body", [])
    index.add("b", {"body": "same text", "_creationTime": 1.0})
    index.add("a", {"body": "same text", "_creationTime": 2.0})
    index.add("c", {"body": "same text", "_creationTime": 2.0})
    index.add("z", {"body": "same text", "_creationTime": 0.5})
    assert index.search("same") == ["a", "c", "b", "z"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["a b", "a", "b c", "a a c", "ab", "abc d", "x"]), max_size=12))
def test_limit_is_a_prefix_of_the_full_ranking(bodies: list[str]) -> None:
    index = make_index(*bodies)
    full = index.search("a b")
    for limit in range(len(full) + 2):
        assert index.search("a b", limit=limit) == full[:limit]


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


def filtered_index() -> TextIndex:
    index = TextIndex("body", ["n", "meta.lang", "tag"], name="messages.by_body")
    docs: list[dict[str, Any]] = [
        {"n": Int64(1), "meta": {"lang": "en"}, "tag": None},
        {"n": 1.0, "meta": {"lang": "fr"}, "tag": "x"},
        {"n": 1, "meta": "not an object"},
        {"meta": {}, "tag": "x"},
        {"n": math.nan, "tag": 0.0},
        {"n": -0.0, "tag": [1, {"a": b"z"}]},
    ]
    for i, doc in enumerate(docs):
        index.add(f"d{i}", {"body": "common words", "_creationTime": float(i), **doc})
    return index


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([("n", Int64(1))], {"d0"}),
        ([("n", 1.0)], {"d1", "d2"}),  # a plain int is a Float64, never an Int64
        ([("n", 1)], {"d1", "d2"}),
        ([("n", UNDEFINED)], {"d3"}),
        ([("n", math.nan)], {"d4"}),  # NaN == NaN in Convex
        ([("n", -0.0)], {"d5"}),
        ([("n", 0.0)], set()),  # -0.0 != 0.0
        ([("meta.lang", "en")], {"d0"}),
        ([("meta.lang", UNDEFINED)], {"d2", "d3", "d4", "d5"}),  # missing or not an object
        ([("tag", None)], {"d0"}),  # null is not missing
        ([("tag", UNDEFINED)], {"d2"}),
        ([("tag", "x")], {"d1", "d3"}),
        ([("tag", [1, {"a": b"z"}])], {"d5"}),
        ([("tag", "x"), ("meta.lang", "fr")], {"d1"}),  # AND
        ([("tag", "x"), ("n", Int64(1))], set()),
        ([("tag", "x"), ("tag", "x")], {"d1", "d3"}),
        ([("tag", "x"), ("tag", None)], set()),
        ([("tag", "absent")], set()),
    ],
)
def test_filters(filters: list[tuple[str, Any]], expected: set[str]) -> None:
    assert set(filtered_index().search("common", filters)) == expected


def test_filters_do_not_change_scores() -> None:
    index = filtered_index()
    unfiltered = scores(index, "words")
    assert scores(index, "words", [("tag", "x")]) == {k: unfiltered[k] for k in ("d1", "d3")}


def test_filter_on_a_non_filter_field() -> None:
    with pytest.raises(ConvexTestError) as info:
        filtered_index().search("common", [("tagg", "x")])
    assert str(info.value) == (
        'Search query against messages.by_body contains an equality filter on "tagg" but that '
        "field isn't indexed for filtering in `filterFields`. The index's filterFields are "
        '["n", "meta.lang", "tag"]. Did you mean `tag`?'
    )


@pytest.mark.parametrize(
    "filters",
    ["tag", [("tag",)], [("tag", 1, 2)], [(1, "x")], ["tag"], [None], {"tag": "x"}],
)
def test_malformed_filters(filters: Any) -> None:
    with pytest.raises(ConvexTestError, match="must be a \\(field path, value\\) pair"):
        filtered_index().search("common", filters)


def test_unsupported_filter_value() -> None:
    with pytest.raises(UnsupportedValueError):
        filtered_index().search("common", [("tag", {1, 2})])


# ---------------------------------------------------------------------------
# Index maintenance
# ---------------------------------------------------------------------------


def test_remove_and_update() -> None:
    index = TextIndex("body", ["tag"])
    old = {"body": "hello world", "tag": "a", "_creationTime": 1.0}
    index.add("x", old)
    index.add("y", {"body": "help", "tag": "b", "_creationTime": 2.0})
    new = {"body": "goodbye", "tag": "b", "_creationTime": 1.0}
    index.remove("x", old)
    index.add("x", new)
    assert index.search("hello") == []
    assert index.search("hel") == ["y"]
    assert index.search("goodbye") == ["x"]
    assert index.search("goodbye", [("tag", "a")]) == []
    assert sorted(index.search("goodbye help", [("tag", "b")])) == ["x", "y"]
    index.remove("x", new)
    index.remove("y", {})
    assert len(index) == 0
    assert index.search("goodbye") == index.search("h") == []
    assert index.search("", [("tag", "b")]) == []


def test_removing_a_non_string_document() -> None:
    index = make_index(5, "hello")
    index.remove("d0", {"body": 5})
    assert scores(index, "hello") == {"d1": pytest.approx(bm25(1, 1, 1, 1, 1.0))}


def test_add_twice_and_remove_unknown_raise() -> None:
    index = make_index("hello")
    with pytest.raises(ConvexTestError, match=r"already in messages\.by_body"):
        index.add("d0", {"body": "again"})
    with pytest.raises(ConvexTestError, match=r"is not in messages\.by_body"):
        index.remove("nope", {})
    assert index.search("hello") == ["d0"]


@pytest.mark.parametrize(("doc_id", "doc"), [(1, {}), ("x", "doc"), ("x", None), (None, {})])
def test_bad_documents(doc_id: Any, doc: Any) -> None:
    with pytest.raises(ConvexTestError):
        TextIndex("body", []).add(doc_id, doc)


def test_bad_query() -> None:
    with pytest.raises(ConvexTestError, match=r"must be a string, got 5\.0"):
        make_index("x").search(5)  # type: ignore[arg-type]


def test_bad_unsupported_filter_field_value_leaves_index_unchanged() -> None:
    index = TextIndex("body", ["tag"])
    with pytest.raises(UnsupportedValueError):
        index.add("x", {"body": "hello", "tag": object()})
    assert len(index) == 0
    assert index.search("hello") == []


# A brute-force model of the whole query pipeline, used as a differential oracle.


def reference_search(
    docs: dict[str, dict[str, Any]], query: str, filters: list[tuple[str, Any]]
) -> dict[str, float]:
    from convex_test.values.order import sort_key

    tokens = tokenize(query)[:16]
    if not tokens:
        return {}
    bags = {
        d: Counter(tokenize(doc["body"])) if isinstance(doc.get("body"), str) else Counter()
        for d, doc in docs.items()
    }
    n = max(len(docs), 1)
    avgdl = sum(sum(b.values()) for b in bags.values()) / n
    vocabulary = sorted({t for b in bags.values() for t in b})
    exact = {t for t in tokens if t in vocabulary}
    budget = 64 - len(exact) - len({(f, sort_key(v)) for f, v in filters})
    prefixed = [t for t in vocabulary if t.startswith(tokens[-1]) and t not in exact]
    weights = {t: 1.0 for t in exact} | {t: 0.5 for t in prefixed[: max(budget, 0)]}
    out = {}
    for d, bag in bags.items():
        if any(sort_key(docs[d].get(f, UNDEFINED)) != sort_key(v) for f, v in filters):
            continue
        dl = quantize_fieldnorm(sum(bag.values()))
        hits = [
            bm25(bag[t], sum(1 for b in bags.values() if t in b), n, dl, avgdl, w)
            for t, w in weights.items()
            if t in bag
        ]
        if hits:
            out[d] = sum(hits)
    return out


words = st.sampled_from(["a", "ab", "abc", "b", "ba", "c", "Ab", "b,c", "ABC a"])
bodies = st.one_of(
    st.lists(words, max_size=5).map(" ".join), st.none(), st.integers(0, 3).map(float)
)


@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.integers(0, 5), bodies, st.sampled_from(["x", "y", UNDEFINED])),
        max_size=25,
    ),
    query=st.lists(words, min_size=0, max_size=3).map(" ".join),
    tag=st.sampled_from([None, "x", UNDEFINED]),
)
def test_index_matches_brute_force_after_random_writes(
    ops: list[tuple[int, Any, Any]], query: str, tag: Any
) -> None:
    index = TextIndex("body", ["tag"])
    docs: dict[str, dict[str, Any]] = {}
    for step, (key, body, tag_value) in enumerate(ops):
        doc_id = f"k{key}"
        if doc_id in docs:
            index.remove(doc_id, docs.pop(doc_id))
            if body is None:
                continue  # a delete
        doc: dict[str, Any] = {"_creationTime": float(step), "body": body}
        if tag_value is not UNDEFINED:
            doc["tag"] = tag_value
        docs[doc_id] = doc
        index.add(doc_id, doc)
    filters = [] if tag is None else [("tag", tag)]
    got = index.search_with_scores(query, filters)
    expected = reference_search(docs, query, filters)
    assert dict(got) == pytest.approx(expected)
    assert len(index) == len(docs)
    # Ranking: score desc, then newer first, then id.
    keys = [(-s, -docs[d]["_creationTime"], d) for d, s in got]
    assert keys == sorted(keys)


# ---------------------------------------------------------------------------
# Query-shape helpers
# ---------------------------------------------------------------------------


def test_check_search_field() -> None:
    check_search_field("by_body", "messages", "body", "body")
    with pytest.raises(ConvexTestError) as info:
        check_search_field("by_body", "messages", "body", "nonexistentField")
    assert str(info.value) == (
        'Search query against messages.by_body contains a search filter against "nonexistentField", '
        'which doesn\'t match the indexed `searchField` "body".'
    )


def test_check_filter_field() -> None:
    check_filter_field("by_body", "messages", ["channel"], "channel")
    with pytest.raises(ConvexTestError) as info:
        check_filter_field("by_body", "messages", ["channel", "author"], "chanel")
    assert str(info.value).startswith(
        'Search query against messages.by_body contains an equality filter on "chanel" but that '
        "field isn't indexed for filtering in `filterFields`."
    )
    assert str(info.value).endswith("Did you mean `channel`?")


def test_check_single_search_filter() -> None:
    check_single_search_filter("by_body", "messages", "body", 1)
    with pytest.raises(ConvexTestError) as info:
        check_single_search_filter("by_body", "messages", "body", 2)
    assert str(info.value) == (
        'Search query against messages.by_body contains multiple search filters against "body". '
        "Only one is allowed."
    )


def test_missing_search_filter() -> None:
    assert str(missing_search_filter("by_body", "messages", "body")) == (
        "Search query against messages.by_body does not contain any search filters. You must "
        'include a search filter like `q.search("body", searchText)`.'
    )


def test_check_filter_count() -> None:
    check_filter_count("by_body", "messages", 8)
    with pytest.raises(ConvexTestError) as info:
        check_filter_count("by_body", "messages", 9)
    assert str(info.value) == (
        "Search query against messages.by_body has too many filter conditions. Max: 8 Actual: 9"
    )


def test_scanned_too_many() -> None:
    assert str(scanned_too_many()).startswith(
        "Search query scanned too many documents (fetched 1024). Consider using a smaller limit"
    )


@pytest.mark.parametrize("limit", [-1, 1.5, "3", True])
def test_bad_limit(limit: Any) -> None:
    with pytest.raises(ConvexTestError, match="limit must be a non-negative int"):
        make_index("x").search("x", limit=limit)


def test_limit_zero_and_no_filters() -> None:
    index = make_index("x")
    assert index.search("x", limit=0) == []
    assert index.search("x", None) == ["d0"]  # type: ignore[arg-type]
    with pytest.raises(ConvexTestError, match="must be a \\(field path, value\\) pair"):
        index.search("x", 5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "filter_fields"), [(1, []), ("body", "tag"), ("body", [1]), ("body", 5)]
)
def test_bad_index_fields(field: Any, filter_fields: Any) -> None:
    with pytest.raises(ConvexTestError, match="needs a string field path"):
        TextIndex(field, filter_fields)
    from convex_test.search.vector import VectorIndex

    with pytest.raises(ConvexTestError, match="needs a string field path"):
        VectorIndex(field, 3, filter_fields)


def test_duplicate_filter_fields_collapse() -> None:
    index = TextIndex("body", ["tag", "tag"])
    assert index.filter_fields == ("tag",)
    index.add("a", {"body": "x", "tag": 1})
    assert index.search("x", [("tag", 1)]) == ["a"]
