"""Port of convex-test ``convex/textSearch.test.ts`` with its own data.

Real-backend semantics (convex-semantics §8): results come in BM25 relevance order (ties:
newest first), terms are ORed and only the last term matches as a prefix.  JS convex-test
returns matches in insertion order and prefix-matches every term.
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import api


def seed(t: Any, rows: list[tuple[str, str]]) -> None:
    def insert(ctx: Any) -> None:
        for author, body in rows:
            ctx.db.insert("messages", {"author": author, "body": body})

    t.run(insert)


def search(t: Any, body: str, author: str | None = None) -> list[str]:
    found = t.query(api.text_search.text_search, {"body": body, "author": author})
    return [m["author"] + ": " + m["body"] for m in found]


def test_text_search(t: Any) -> None:
    seed(t, [("sarah", "hello convex"), ("michal", "hello next"), ("sarah", "hello base")])
    # Equal scores: newest first.
    assert search(t, "hello") == ["sarah: hello base", "michal: hello next", "sarah: hello convex"]
    assert search(t, "hello", "sarah") == ["sarah: hello base", "sarah: hello convex"]
    assert search(t, "con") == ["sarah: hello convex"]


CASES = [
    ("HELLO", None, ["alice: Hello World"]),
    ("goodbye", None, ["bob: GOODBYE WORLD"]),
    # Same length, same term count: newest first.
    ("WoRlD", None, ["bob: GOODBYE WORLD", "alice: Hello World"]),
    # A prefix of the last term; the shorter field ranks higher.
    ("TEX", None, ["diana: lowercase text", "charlie: Mixed Case Text"]),
    ("TEXT", "charlie", ["charlie: Mixed Case Text"]),
]


@pytest.mark.parametrize(("body", "author", "expected"), CASES)
def test_case_insensitive_text_search(
    t: Any, body: str, author: str | None, expected: list[str]
) -> None:
    seed(
        t,
        [
            ("alice", "Hello World"),
            ("bob", "GOODBYE WORLD"),
            ("charlie", "Mixed Case Text"),
            ("diana", "lowercase text"),
        ],
    )
    assert search(t, body, author) == expected


MULTI_WORD = [
    # Both terms beat one; "Foo" and "Bar" tie (same length and weight): newest first.
    ("foo bar", ["alice: Foo Bar Baz", "diana: Bar", "charlie: Foo"]),
    ("hello world", ["bob: Hello World"]),
    ("foo baz", ["alice: Foo Bar Baz", "charlie: Foo"]),
    # "missing" matches nothing; the shorter field ranks higher for "foo".
    ("foo missing", ["charlie: Foo", "alice: Foo Bar Baz"]),
    ("   foo   bar   ", ["alice: Foo Bar Baz", "diana: Bar", "charlie: Foo"]),
]


@pytest.mark.parametrize(("body", "expected"), MULTI_WORD)
def test_multi_word_query_matching(t: Any, body: str, expected: list[str]) -> None:
    seed(
        t,
        [
            ("alice", "Foo Bar Baz"),
            ("bob", "Hello World"),
            ("charlie", "Foo"),
            ("diana", "Bar"),
            ("eve", "Something Else"),
        ],
    )
    assert search(t, body) == expected
