"""Differential fidelity suite: the JS oracle's scenarios replayed through ``convex_test``.

``data/results.json`` holds what the real JS ``convex-test`` 0.0.60 observably did for
each scenario of ``/work/shared/oracle/oracle.test.ts`` (fresh backend, clock frozen at
``FIXED_NOW``).  Each test below runs the same steps against the Python port of the
oracle app (``app/``) with ``convex_test(modules=APP, start_time=FIXED_NOW)`` and
compares what is observably the same.

Where convex-test deviates from the real backend we assert the **real backend's**
behaviour and name the difference with :func:`diverges`; where we knowingly deviate from
the real backend ourselves, :func:`we_differ`.  Every name used must have a row in
``docs/divergences.md`` (checked by :func:`test_every_divergence_is_documented`), and each
call also checks that the two answers really differ, so a stale entry fails.  IDs (``<counter><table>`` in convex-test) and ``_creationTime`` bumps (``+0.001``)
never match by value; documents are compared by body, IDs by table, times by the rules.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

import pytest

from convex_test import (
    UNDEFINED,
    ArgumentValidationError,
    ConvexError,
    ConvexTestError,
    Int64,
    InvalidCursorError,
    InvalidIdError,
    SchemaValidationError,
    UnsupportedValueError,
    api,
    internal,
)
from convex_test.harness import ConvexTest, convex_test
from convex_test.ids import decode_id
from convex_test.values.order import values_equal
from tests.engine.support import MISSING_VALUE
from tests.engine.support import MIXED as ENGINE_MIXED
from tests.oracle.oracle_results import FIXED_NOW, JsError, JsOutcome, load, outcome

APP: Final = Path(__file__).parent / "app"
DIVERGENCES_DOC: Final = Path(__file__).parents[2] / "docs" / "divergences.md"
RESULTS: Final = load()
JS: Final[dict[str, Any]] = RESULTS["scenarios"]

# Schema tables are numbered from 10001 in declaration order (SPEC §6).
TABLE_NUMBERS: Final = {"messages": 10001, "items": 10002, "vecs": 10003}
JS_ID: Final = re.compile(r"^0*\d+(?P<table>[A-Za-z_]\w*)$")
GOOD: Final = {"author": "a", "body": "b", "channel": "c", "n": 1.0}

# slug -> one line.  Each slug names a row of docs/divergences.md, in the section of
# its dict: convex-test differs from the real backend (we follow the backend) ...
BACKEND_DIVERGENCES: Final = {
    "ids": "document ID format",
    "creation-time": "_creationTime of writes at the same clock reading",
    "filter-comparisons": "filter lt/gt/lte/gte across types",
    "paginate-last-page": "isDone on a page that ends exactly on the last document",
    "paginate-zero-items": "numItems 0",
    "paginate-split": "pageStatus SplitRecommended after a filter skipped rows",
    "paginate-end-cursor": "isDone of a page fixed by endCursor",
    "cursor-format": "cursor strings",
    "paginate-bad-cursor": "a garbled cursor",
    "search-tokenizer": "text search tokens",
    "search-ranking": "text search result order",
    "vector-default-limit": "vector search without limit",
    "vector-limit-range": "vector search limit 0 or > 256",
    "vector-dimensions": "vector search with a query of the wrong dimension",
    "error-texts": "error classes and messages",
    "normalize-id": "normalizeId of malformed IDs / unknown tables",
    "get-invalid-id": "db.get of a string that is not an ID",
    "system-table-guard": "db.get of a system-table ID through ctx.db",
    "scheduled-doc": "_scheduled_functions document fields",
    "schedule-completed-time": "completedTime of a job that failed",
    "schedule-window": "runAt more than 5 years in the past",
    "storage-url": "ctx.storage.getUrl URL",
    "storage-metadata": "ctx.storage.getMetadata",
    "storage-content-type": "contentType of _storage documents",
    "storage-get-url-invalid": "getUrl of a string that is not a storage ID",
}
# ... and where we knowingly differ from the real backend.
OUR_DIVERGENCES: Final = {
    "schema-undeclared-table": "insert into a table missing from the schema",
    "function-name": "name of a scheduled function",
    "key-order": "key order of returned documents",
    "udf-sandbox": "fetch / timers inside queries and mutations",
    "query-writes": "a query calling ctx.db.insert / ctx.run_mutation",
}
OURS_HEADING: Final = "## Where we knowingly differ from the real backend"


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------


def fresh(start_time: float = FIXED_NOW) -> ConvexTest:
    """A new backend running the oracle app, clock at ``start_time``."""
    return convex_test(modules=APP, start_time=start_time)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One of our steps: its value, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(fn: Callable[[], Any]) -> Outcome:
    """Run one step the way the oracle's ``capture(...)`` does."""
    try:
        return Outcome(fn())
    except Exception as exc:
        return Outcome(error=exc)


def same(a: Any, b: Any) -> bool:
    """Convex equality (``Int64(2) != 2.0``, ``-0.0 != 0.0``, ``NaN == NaN``), deep."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    try:
        return values_equal(a, b)
    except Exception:  # not a Convex value (a JsError, a tuple...)
        return bool(a == b)


def assert_same(ours: Any, js: Any) -> None:
    assert same(ours, js), f"ours {ours!r} != JS {js!r}"


def ok(entry: Any) -> Any:
    """The value of a JS step that must have succeeded."""
    js = outcome(entry)
    assert js.ok, js.error
    return js.value


def js_error(entry: Any) -> JsError:
    """The error of a JS step that must have failed."""
    js = outcome(entry)
    assert js.error is not None, f"JS step succeeded: {js.value!r}"
    return js.error


def raised(ours: Outcome, cls: type[BaseException], match: str = "") -> BaseException:
    """Our step raised ``cls`` with a message matching ``match`` (a regex)."""
    assert ours.error is not None, f"expected {cls.__name__}, got {ours.value!r}"
    assert isinstance(ours.error, cls), repr(ours.error)
    assert re.search(match, str(ours.error), re.DOTALL), f"{match!r} not in {str(ours.error)!r}"
    return ours.error


def _observed(step: Any) -> tuple[bool, Any]:
    if isinstance(step, (Outcome, JsOutcome)):
        return step.ok, step.value
    return True, step


def diverges(slug: str, *, js: Any, ours: Any) -> None:
    """convex-test's ``js`` differs from the real backend, which we follow (``ours``).

    The caller has already asserted ``ours`` is the real backend's answer; this checks
    that the recorded JS output really is different (so the doc row stays true).
    """
    assert slug in BACKEND_DIVERGENCES, f"{slug!r}: add it to BACKEND_DIVERGENCES and the doc"
    _assert_different(slug, js, ours)


def _assert_different(slug: str, js: Any, ours: Any) -> None:
    js_ok, js_value = _observed(js)
    ours_ok, ours_value = _observed(ours)
    if js_ok and ours_ok:
        assert not same(js_value, ours_value), f"{slug}: JS and ours agree on {ours_value!r}"
    elif not js_ok and not ours_ok:
        js_message = js.error.message if isinstance(js, JsOutcome) and js.error else ""
        ours_message = str(ours.error) if isinstance(ours, Outcome) else ""
        assert js_message != ours_message, f"{slug}: same error {ours_message!r}"


def we_differ(slug: str, *, backend: Any = UNDEFINED, ours: Any = UNDEFINED) -> None:
    """Where we knowingly differ from the real backend (a SPEC choice or a mock limit).

    ``backend`` is the real backend's answer (often the JS step, where convex-test
    agrees with it); when given with ``ours``, also checks that the two differ.
    """
    assert slug in OUR_DIVERGENCES, f"{slug!r}: add it to OUR_DIVERGENCES and the doc"
    if backend is not UNDEFINED and ours is not UNDEFINED:
        _assert_different(slug, backend, ours)


def id_of(value: Any, table: str) -> str:
    """``value`` is a real-format ID of user table ``table`` (32 base32 chars)."""
    assert isinstance(value, str) and len(value) == 32, value
    assert decode_id(value).table_number == TABLE_NUMBERS[table], value
    return value


def system_id_of(t: ConvexTest, value: Any, table: str) -> str:
    assert isinstance(value, str)
    assert t.run(lambda ctx: ctx.db.system.normalize_id(table, value)) == value
    return value


def js_id_of(value: Any, table: str) -> str:
    """``value`` is a convex-test ID (``<zero-padded counter><table>``) of ``table``."""
    match = JS_ID.match(value)
    assert match is not None and match["table"] == table, value
    return str(value)


def body(doc: dict[str, Any]) -> dict[str, Any]:
    """A document without its system fields."""
    return {k: v for k, v in doc.items() if k not in ("_id", "_creationTime")}


def then(t: float, steps: int = 1) -> float:
    """``t`` advanced by ``steps`` representable doubles (the backend's in-transaction bump)."""
    for _ in range(steps):
        t = math.nextafter(t, math.inf)
    return t


def seed_messages(t: ConvexTest, count: int) -> list[str]:
    """The oracle's ``seedMessages``: one transaction, ``n = i``."""

    def seed(ctx: Any) -> list[str]:
        return [
            ctx.db.insert(
                "messages",
                {
                    "author": f"u{i % 4}",
                    "body": f"message {i}",
                    "channel": f"c{i % 3}",
                    "n": float(i),
                },
            )
            for i in range(count)
        ]

    ids: list[str] = t.run(seed)
    return ids


def _insert(table: str, doc: dict[str, Any], ctx: Any) -> Any:
    return ctx.db.insert(table, doc)


def _take(n: Any, ctx: Any) -> Any:
    return ctx.db.query("messages").take(n)


def ns(docs: Iterable[dict[str, Any]]) -> list[Any]:
    return [d["n"] for d in docs]


def tags(docs: Iterable[dict[str, Any]]) -> list[Any]:
    return [d["tag"] for d in docs]


def bodies(docs: Iterable[dict[str, Any]]) -> list[Any]:
    return [d["body"] for d in docs]


# ---------------------------------------------------------------------------------
# the results file and the doc
# ---------------------------------------------------------------------------------


def test_results_file_is_the_oracle_run() -> None:
    meta = RESULTS["meta"]
    assert meta["fixedNow"] == FIXED_NOW
    assert (meta["convexTest"], meta["convex"]) == ("0.0.60", "1.48.0")
    assert list(JS) == [
        "i_mixed_type_index_order",
        "ii_pagination",
        "iii_text_search",
        "iv_vector_search",
        "v_schema_validation_errors",
        "vi_argument_validation",
        "vii_ids_and_normalizeId",
        "viii_scheduler",
        "ix_storage",
        "x_http_fetch",
        "xi_identity",
        "xii_mutation_rollback",
        "xiii_convex_error",
        "xiv_query_writes",
        "xv_unique",
        "xvi_patch_undefined",
        "xvii_system_fields",
        "xviii_crud_and_queries",
    ]


def test_tagged_json_decoding() -> None:
    i = JS["i_mixed_type_index_order"]
    returned = {row["tag"]: row["value"] for row in i["valuesAsReturnedByQuery"]}
    assert type(returned["int:2n"]) is Int64 and returned["int:2n"] == 2
    assert math.copysign(1.0, returned["num:-0"]) == -1.0
    assert math.isnan(returned["num:NaN"]) and returned["num:+Inf"] == math.inf
    assert returned["bytes:0102"] == b"\x01\x02"
    assert type(returned["num:-1"]) is float
    assert i["eqLookups"]["undefined"] == {"ok": ["missing"]}
    error = js_error(JS["ii_pagination"]["bad cursor string"])
    assert error.name == "Error" and not error.is_convex_error


def _slugs(section: str) -> set[str]:
    # The slug closes the first cell of its row: "| behaviour (`slug`) | ...".
    return set(re.findall(r"^\| [^|\n]*\(`([a-z0-9-]+)`\) \|", section, flags=re.MULTILINE))


def test_every_divergence_is_documented() -> None:
    backend_section, ours_section = DIVERGENCES_DOC.read_text(encoding="utf-8").split(OURS_HEADING)
    for section, registry in (
        (backend_section, BACKEND_DIVERGENCES),
        (ours_section, OUR_DIVERGENCES),
    ):
        documented = _slugs(section)
        assert documented == set(registry), (
            f"missing from the doc: {sorted(set(registry) - documented)}; "
            f"not in the registry: {sorted(documented - set(registry))}"
        )
    source = Path(__file__).read_text(encoding="utf-8")
    unused = [
        slug
        for slug in (*BACKEND_DIVERGENCES, *OUR_DIVERGENCES)
        if not re.search(rf'(diverges|we_differ)\(\s*"{slug}"', source)
    ]
    assert not unused, f"documented but never exercised: {unused}"


# ---------------------------------------------------------------------------------
# (i) ordering of a mixed-type index
# ---------------------------------------------------------------------------------

# The oracle's values, one per kind, in insertion order (shared with the engine tests);
# a missing field is UNDEFINED here.
MIXED: Final[list[tuple[str, Any]]] = [
    (tag, UNDEFINED if value is MISSING_VALUE else value) for tag, value in ENGINE_MIXED
]

PROBES: Final[list[tuple[str, Any]]] = [
    ("0", 0.0),
    ("-0", -0.0),
    ("NaN", math.nan),
    ("null", None),
    ("undefined", UNDEFINED),
    ("2 (float)", 2.0),
    ("2n", Int64(2)),
    ("a", "a"),
    ("[1]", [1.0]),
    ("{a:1}", {"a": 1.0}),
    ("{b:2,a:1}", {"b": 2.0, "a": 1.0}),
    ("bytes 0102", b"\x01\x02"),
]


@pytest.fixture(scope="module")
def mixed() -> ConvexTest:
    t = fresh()

    def seed(ctx: Any) -> None:
        for tag, value in MIXED:
            ctx.db.insert(
                "items", {"tag": tag} if value is UNDEFINED else {"tag": tag, "value": value}
            )

    t.run(seed)
    return t


def test_i_index_order(mixed: ConvexTest) -> None:
    js = JS["i_mixed_type_index_order"]
    assert js["insertedTagsInOrder"] == [tag for tag, _ in MIXED]
    asc = mixed.query(api.items.byValue, {"order": "asc"})
    assert tags(asc) == js["asc"]
    assert tags(mixed.query(api.items.byValue, {"order": "desc"})) == js["desc"]
    # Values come back as stored (a missing field stays missing).
    returned = [{"tag": d["tag"], "value": d.get("value", UNDEFINED)} for d in asc]
    for row, js_row in zip(returned, js["valuesAsReturnedByQuery"], strict=True):
        js_value = js_row["value"]
        if js_value == "<field absent from returned doc>":
            js_value = UNDEFINED
        assert row["tag"] == js_row["tag"]
        assert_same(row["value"], js_value)


@pytest.mark.parametrize(("label", "probe"), PROBES, ids=[label for label, _ in PROBES])
def test_i_index_eq(mixed: ConvexTest, label: str, probe: Any) -> None:
    found = mixed.run(
        lambda ctx: tags(
            ctx.db.query("items").with_index("by_value", lambda q: q.eq("value", probe)).collect()
        )
    )
    assert found == ok(JS["i_mixed_type_index_order"]["eqLookups"][label])


def test_i_index_ranges(mixed: ConvexTest) -> None:
    ranges = JS["i_mixed_type_index_order"]["ranges"]

    def by_range(build: Callable[[Any], Any]) -> list[Any]:
        found: list[Any] = mixed.run(
            lambda ctx: tags(ctx.db.query("items").with_index("by_value", build).collect())
        )
        return found

    assert by_range(lambda q: q.gt("value", None).lt("value", "")) == ranges["gt(null).lt('')"]
    assert by_range(lambda q: q.gte("value", True)) == ranges["gte(true)"]


def _filtered(t: ConvexTest, predicate: Callable[[Any], Any]) -> list[Any]:
    found: list[Any] = t.run(lambda ctx: tags(ctx.db.query("items").filter(predicate).collect()))
    return found


def test_i_filter_equalities(mixed: ConvexTest) -> None:
    filters = JS["i_mixed_type_index_order"]["filters"]
    eq0 = _filtered(mixed, lambda q: q.eq(q.field("value"), 0.0))
    assert eq0 == ok(filters["filter eq(value, 0)"])
    missing = _filtered(mixed, lambda q: q.eq(q.field("value"), UNDEFINED))
    assert missing == ok(filters["filter eq(value, undefined)"])
    nested = _filtered(mixed, lambda q: q.eq(q.field("value.a"), 1.0))
    assert nested == ok(filters["filter eq(value.a, 1)"])


def test_i_filter_comparisons_use_the_total_order(mixed: ConvexTest) -> None:
    """Real backend: lt/gt compare with the Convex total order, like index ranges.

    convex-test uses raw JS ``<``/``>``: ``gt(value, 0)`` finds ``true``, ``[1]`` and
    ``2n`` but not NaN; ``lt(value, "b")`` finds bytes, arrays and objects.
    """
    filters = JS["i_mixed_type_index_order"]["filters"]
    in_order = [tag for tag, _ in MIXED]
    asc = JS["i_mixed_type_index_order"]["asc"]  # the total order, as the index shows it
    gt0 = _filtered(mixed, lambda q: q.gt(q.field("value"), 0.0))
    # Everything after 0.0 in the total order, in insertion (= table scan) order.
    after_zero = set(asc[asc.index("num:0") + 1 :])
    assert gt0 == [tag for tag in in_order if tag in after_zero]
    assert "num:NaN" in gt0 and "int:2n" not in gt0
    diverges("filter-comparisons", js=outcome(filters["filter gt(value, 0)"]), ours=gt0)

    lt_b = _filtered(mixed, lambda q: q.lt(q.field("value"), "b"))
    before_b = set(asc[: asc.index("str:ab") + 1])  # every value < "b"
    assert lt_b == [tag for tag in in_order if tag in before_b]
    assert "missing" in lt_b and "bytes:00" not in lt_b
    diverges("filter-comparisons", js=outcome(filters["filter lt(value, 'b')"]), ours=lt_b)


def test_i_returned_key_order(mixed: ConvexTest) -> None:
    doc = mixed.run(
        lambda ctx: (
            ctx.db.query("items").filter(lambda q: q.eq(q.field("tag"), "obj:{b:2,a:1}")).unique()
        )
    )
    # Equal as values; our dicts keep the written key order, the backend (and
    # convex-test) return keys sorted.
    returned = JS["i_mixed_type_index_order"]["valuesAsReturnedByQuery"]
    (js_row,) = [row for row in returned if row["tag"] == "obj:{b:2,a:1}"]
    assert same(doc["value"], js_row["value"])
    assert list(doc["value"]) == ["b", "a"]
    assert list(js_row["value"]) == ["a", "b"]
    we_differ("key-order", backend=list(js_row["value"]), ours=list(doc["value"]))


# ---------------------------------------------------------------------------------
# (ii) pagination
# ---------------------------------------------------------------------------------

PAGE_KEYS: Final = ["continueCursor", "isDone", "page", "pageStatus", "splitCursor"]


def paginate_all(
    t: ConvexTest, args: dict[str, Any], num_items: float, max_pages: int = 20
) -> list[Any]:
    """The oracle's ``paginateAll``: page until ``isDone`` (or an error)."""
    pages: list[Any] = []
    cursor = None
    for _ in range(max_pages):
        opts = {"numItems": num_items, "cursor": cursor}
        step = attempt(partial(t.query, api.messages.paginate, {**args, "paginationOpts": opts}))
        if not step.ok:
            pages.append(step)
            break
        page = step.value
        pages.append(
            {
                "pageSize": len(page["page"]),
                "ns": ns(page["page"]),
                "isDone": page["isDone"],
                "continueCursor": page["continueCursor"],
                "splitCursor": page.get("splitCursor"),
                "pageStatus": page.get("pageStatus"),
                "keys": sorted(page),
            }
        )
        if page["isDone"]:
            break
        cursor = page["continueCursor"]
    return pages


def _opaque(cursor: Any) -> None:
    """Our cursors are opaque strings (not convex-test's JSON lists)."""
    assert isinstance(cursor, str) and cursor
    with pytest.raises(ValueError):
        json.loads(cursor)


def _compare_pages(ours: list[Any], js: list[Any]) -> None:
    assert len(ours) == len(js)
    for mine, theirs in zip(ours, js):
        assert mine["ns"] == theirs["ns"]
        assert mine["isDone"] == theirs["isDone"]
        assert mine["keys"] == theirs["keys"] == PAGE_KEYS
        assert mine["pageStatus"] == theirs["pageStatus"]
        _opaque(mine["continueCursor"])
    for mine, theirs in zip(ours[:-1], js[:-1]):
        assert theirs["continueCursor"] != "_end_cursor"
        assert mine["continueCursor"] != ours[-1]["continueCursor"]


@pytest.fixture(scope="module")
def paged() -> ConvexTest:
    t = fresh()
    seed_messages(t, 25)
    return t


@pytest.mark.parametrize(
    ("label", "args", "num_items"),
    [
        ("25 docs, full scan asc, numItems 10", {}, 10.0),
        ("25 docs, full scan desc, numItems 10", {"order": "desc"}, 10.0),
        ("25 docs, numItems 30", {}, 30.0),
    ],
)
def test_ii_pages_match(
    paged: ConvexTest, label: str, args: dict[str, Any], num_items: float
) -> None:
    js = JS["ii_pagination"][label]
    ours = paginate_all(paged, args, num_items)
    _compare_pages(ours, js)
    diverges("cursor-format", js=js[0]["continueCursor"], ours=ours[0]["continueCursor"])


@pytest.mark.parametrize(
    ("label", "args", "num_items", "expected"),
    [
        ("25 docs, numItems 25", {}, 25.0, [list(range(25)), []]),
        (
            "25 docs, by_channel c0, numItems 3",
            {"channel": "c0"},
            3.0,
            [[0, 3, 6], [9, 12, 15], [18, 21, 24], []],
        ),
    ],
)
def test_ii_full_last_page_is_not_done(
    paged: ConvexTest, label: str, args: dict[str, Any], num_items: float, expected: list[Any]
) -> None:
    """Real backend: a page that fills up on the last document has ``isDone: false``;
    the next page is empty and done.  convex-test already says done on the full page."""
    js = JS["ii_pagination"][label]
    ours = paginate_all(paged, args, num_items)
    assert [page["ns"] for page in ours] == expected
    assert [page["isDone"] for page in ours] == [False] * (len(expected) - 1) + [True]
    assert [page["ns"] for page in js] == expected[:-1]
    assert js[-1]["isDone"] is True
    diverges(
        "paginate-last-page", js=[p["isDone"] for p in js], ours=[p["isDone"] for p in ours[:-1]]
    )


def test_ii_exact_multiple_and_empty_table() -> None:
    t = fresh()
    seed_messages(t, 20)
    ours = paginate_all(t, {}, 10.0)
    js = JS["ii_pagination"]["20 docs, numItems 10 (exact multiple)"]
    assert [p["ns"] for p in ours] == [list(range(10)), list(range(10, 20)), []]
    assert [p["ns"] for p in js] == [list(range(10)), list(range(10, 20))]
    diverges("paginate-last-page", js=js[-1]["isDone"], ours=ours[1]["isDone"])

    empty = paginate_all(fresh(), {}, 10.0)
    _compare_pages(empty, JS["ii_pagination"]["empty table"])


def test_ii_filter_skipping_rows(paged: ConvexTest) -> None:
    """A filter skipping 20 rows is no reason for ``SplitRecommended`` on the backend
    (only pages near the read limits or longer than 6144 items get it)."""
    js = JS["ii_pagination"]["25 docs, filter n>=20, numItems 10"]
    ours = paginate_all(paged, {"minN": 20.0}, 10.0)
    assert [p["ns"] for p in ours] == [p["ns"] for p in js] == [[20, 21, 22, 23, 24]]
    assert ours[0]["isDone"] is js[0]["isDone"] is True
    assert ours[0]["pageStatus"] is None
    assert js[0]["pageStatus"] == "SplitRecommended"
    diverges("paginate-split", js=js[0]["pageStatus"], ours=ours[0]["pageStatus"])


def test_ii_zero_items(paged: ConvexTest) -> None:
    js = JS["ii_pagination"]["25 docs, numItems 0"]
    ours = paginate_all(paged, {}, 0.0, max_pages=3)
    assert len(ours) == 1
    raised(ours[0], ConvexTestError, "^Must request at least 1 document while paginating$")
    assert [p["ns"] for p in js] == [[0], [1], [2]]  # convex-test: one document per page
    diverges("paginate-zero-items", js=js[0]["ns"], ours=ours[0])


def test_ii_cursor_survives_deleting_its_document() -> None:
    t = fresh()
    seed_messages(t, 25)
    first = t.query(api.messages.paginate, {"paginationOpts": {"numItems": 10.0, "cursor": None}})

    def change(ctx: Any) -> None:
        ctx.db.delete(first["page"][9]["_id"])
        ctx.db.insert("messages", {"author": "late", "body": "late", "channel": "c0", "n": 99.0})

    t.run(change)
    second = t.query(
        api.messages.paginate,
        {"paginationOpts": {"numItems": 10.0, "cursor": first["continueCursor"]}},
    )
    js = JS["ii_pagination"]["cursor after deleting cursor doc"]
    assert ns(second["page"]) == js["secondPageNs"]
    assert second["isDone"] is js["isDone"] is False

    # endCursor = the first page's cursor: the page runs up to it, whatever numItems.
    js_end = ok(JS["ii_pagination"]["endCursor reuse"])
    end = t.query(
        api.messages.paginate,
        {
            "paginationOpts": {
                "numItems": 10.0,
                "cursor": None,
                "endCursor": first["continueCursor"],
            }
        },
    )
    assert ns(end["page"]) == js_end["ns"] == list(range(9))
    # Backend: isDone is whether the returned cursor (= endCursor) is the end; it is not.
    assert end["continueCursor"] == first["continueCursor"]
    assert end["isDone"] is False
    diverges("paginate-end-cursor", js=js_end["isDone"], ours=end["isDone"])


def test_ii_bad_cursor_and_options(paged: ConvexTest) -> None:
    js = JS["ii_pagination"]
    bad = attempt(
        lambda: paged.query(
            api.messages.paginate, {"paginationOpts": {"numItems": 10.0, "cursor": "garbage"}}
        )
    )
    raised(bad, InvalidCursorError, "^Failed to parse cursor$")
    assert "is not valid JSON" in js_error(js["bad cursor string"]).message
    diverges("paginate-bad-cursor", js=outcome(js["bad cursor string"]), ours=bad)

    limited = paged.query(
        api.messages.paginate,
        {"paginationOpts": {"numItems": 10.0, "cursor": None, "maximumRowsRead": 4.0}},
    )
    js_limited = ok(js["maximumRowsRead 4"])
    assert ns(limited["page"]) == js_limited["ns"] == [0, 1, 2, 3]
    assert limited["isDone"] is js_limited["isDone"] is False
    assert limited["pageStatus"] == js_limited["pageStatus"] == "SplitRequired"
    assert isinstance(limited["splitCursor"], str) and isinstance(js_limited["splitCursor"], str)

    def twice(ctx: Any) -> str:
        ctx.db.query("messages").paginate({"numItems": 1, "cursor": None})
        ctx.db.query("messages").paginate({"numItems": 1, "cursor": None})
        return "no error"

    two = attempt(lambda: paged.query(twice))
    raised(two, ConvexTestError, "ran multiple paginated queries")
    diverges("error-texts", js=outcome(js["two paginate calls in one query"]), ours=two)


# ---------------------------------------------------------------------------------
# (iii) text search
# ---------------------------------------------------------------------------------

SEARCH_DOCS: Final = [
    ("hello world", "c1"),
    ("Hello there", "c1"),
    ("help me", "c2"),
    ("world hello", "c2"),
    ("shell game", "c1"),
    ("HELLO WORLD", "c1"),
    ("hello-world", "c2"),
    ("say hello", "c1"),
    ("nothing here", "c2"),
    ("worldly helpers", "c1"),
]
ORDER_OF: Final = {text: i for i, (text, _) in enumerate(SEARCH_DOCS)}


@pytest.fixture(scope="module")
def searchable() -> ConvexTest:
    t = fresh()
    t.run(
        lambda ctx: [
            ctx.db.insert("messages", {"author": "s", "body": text, "channel": channel, "n": i})
            for i, (text, channel) in enumerate(SEARCH_DOCS)
        ]
    )
    return t


def _search(t: ConvexTest, query: str, channel: str | None = None) -> list[Any]:
    args = {"query": query} if channel is None else {"query": query, "channel": channel}
    return bodies(t.query(api.messages.search, args))


def _newest_first(found: Iterable[str]) -> list[str]:
    return sorted(found, key=lambda text: -ORDER_OF[text])


@pytest.mark.parametrize("query", ["hel", "HELLO", "xyz", "", "  "])
@pytest.mark.parametrize("channel", [None, "c1"])
def test_iii_search_same_matches(searchable: ConvexTest, query: str, channel: str | None) -> None:
    """Queries where the real tokenizer and convex-test's find the same documents."""
    label = f"q={json.dumps(query)}" + ("" if channel is None else f" channel={channel}")
    js = ok(JS["iii_text_search"][label])
    ours = _search(searchable, query, channel)
    assert sorted(ours) == sorted(js)
    if query == "HELLO":
        # Every match has one "hello" in two tokens: equal BM25 scores, newest first.
        assert ours == _newest_first(js)
        diverges("search-ranking", js=js, ours=ours)


def test_iii_search_prefix_relevance(searchable: ConvexTest) -> None:
    ours = _search(searchable, "hel")
    # "hel" (the last, so a prefix, term) expands to hello, help, helpers; the rare terms
    # score higher, ties newest first.
    assert ours[:2] == ["worldly helpers", "help me"]
    assert ours[2:] == _newest_first(
        ["hello world", "Hello there", "world hello", "HELLO WORLD", "hello-world", "say hello"]
    )


@pytest.mark.parametrize("channel", [None, "c1"])
def test_iii_search_tokenizer(searchable: ConvexTest, channel: str | None) -> None:
    """Tokens are runs of alphanumerics: ``hello-world`` holds ``hello`` and ``world``."""
    suffix = "" if channel is None else f" channel={channel}"
    js = JS["iii_text_search"]

    def in_channel(texts: Iterable[str]) -> list[str]:
        return [x for x in texts if channel is None or dict(SEARCH_DOCS)[x] == channel]

    world = _search(searchable, "world", channel)
    expected = in_channel(
        ["hello world", "world hello", "HELLO WORLD", "hello-world", "worldly helpers"]
    )
    assert sorted(world) == sorted(expected)
    diverges("search-tokenizer", js=outcome(js[f'q="world"{suffix}']), ours=sorted(world))

    # "hello-world" = "hello" OR "world*": the same documents as "hello world".
    dashed = _search(searchable, "hello-world", channel)
    spaced = _search(searchable, "hello world", channel)
    assert dashed == spaced
    js_spaced = ok(js[f'q="hello world"{suffix}'])
    assert sorted(spaced) == sorted(js_spaced)
    # Documents holding both terms first (newest first), then the rest.
    both = in_channel(["hello world", "world hello", "HELLO WORLD", "hello-world"])
    assert spaced[: len(both)] == _newest_first(both)
    diverges("search-tokenizer", js=outcome(js[f'q="hello-world"{suffix}']), ours=dashed)
    diverges("search-ranking", js=js_spaced, ours=spaced)


def test_iii_search_newest_first_and_paginate() -> None:
    t = fresh()
    t.run(
        lambda ctx: [
            ctx.db.insert("messages", {"author": "s", "body": text, "channel": channel, "n": i})
            for i, (text, channel) in enumerate(SEARCH_DOCS)
        ]
    )
    t.mutation(
        api.messages.send, {"author": "s", "body": "hello again", "channel": "c1", "n": 100.0}
    )
    js = JS["iii_text_search"]
    found = _search(t, "hello")
    assert sorted(found) == sorted(js['q="hello" after later insert'])
    assert found[0] == "hello again"  # equal scores: the newest document first
    diverges("search-ranking", js=js['q="hello" after later insert'], ours=found)

    def page(cursor: str | None) -> dict[str, Any]:
        result: dict[str, Any] = t.query(
            api.messages.searchPaginate,
            {"query": "hello", "paginationOpts": {"numItems": 3.0, "cursor": cursor}},
        )
        return result

    p1 = page(None)
    p2 = page(p1["continueCursor"])
    p3 = page(p2["continueCursor"])
    js_pages = js["paginate q=hello numItems 3"]
    assert [p1["isDone"], p2["isDone"]] == [p["isDone"] for p in js_pages] == [False, False]
    assert bodies(p1["page"] + p2["page"] + p3["page"]) == found
    assert p3["isDone"] is True
    diverges("search-ranking", js=js_pages[0]["bodies"], ours=bodies(p1["page"]))

    ordered = attempt(
        lambda: t.run(
            lambda ctx: (
                ctx.db.query("messages")
                .with_search_index("search_body", lambda q: q.search("body", "hello"))
                .order("desc")
                .collect()
            )
        )
    )
    error = raised(ordered, ConvexTestError)
    assert str(error) == js_error(js["search + order desc"]).message


# ---------------------------------------------------------------------------------
# (iv) vector search
# ---------------------------------------------------------------------------------

VECS: Final[list[tuple[list[float], str]]] = [
    ([1, 0, 0, 0, 0, 0, 0, 0], "a"),
    ([0, 1, 0, 0, 0, 0, 0, 0], "a"),
    ([1, 1, 0, 0, 0, 0, 0, 0], "b"),
    ([-1, 0, 0, 0, 0, 0, 0, 0], "b"),
    ([0, 0, 0, 0, 0, 0, 0, 0], "a"),
    ([0.5, 0.25, 0.125, 0, 0, 0, 0, 1], "c"),
    ([2, 0, 0, 0, 0, 0, 0, 0], "c"),
    ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "a"),
    ([1, 2, 3, 4, 5, 6, 7, 8], "b"),
    ([-0.3, 0.9, 0.1, -0.2, 0.4, 0, 0.05, 0.6], "c"),
    ([3, 0, 0, 0, 0, 0, 0, 0], "a"),
    ([0.9, 0.1, 0, 0, 0, 0, 0, 0], "b"),
]
QUERY: Final = [1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


@pytest.fixture(scope="module")
def vectors() -> tuple[ConvexTest, list[str]]:
    t = fresh()
    ids = [
        t.mutation(api.vectors.insert, {"embedding": [float(x) for x in e], "kind": kind})
        for e, kind in VECS
    ]
    return t, ids


def _label(ids: list[str], results: list[dict[str, Any]]) -> list[tuple[int, float]]:
    return [(ids.index(r["_id"]), r["_score"]) for r in results]


def _compare_hits(ids: list[str], ours: list[dict[str, Any]], js: list[dict[str, Any]]) -> None:
    """Same documents with the same scores; equal scores ordered by larger ``_id`` first."""
    mine = _label(ids, ours)
    assert len(mine) == len(js)
    for (_, score), theirs in zip(mine, js):
        assert score == pytest.approx(theirs["_score"], abs=1e-12)
    # convex-test keeps ties in insertion order; ours by ID, so compare tie groups as sets.
    groups = _tie_groups(mine)
    assert groups == _tie_groups([(int(r["idx"]), r["_score"]) for r in js])
    for group in groups:
        in_order = [idx for idx, _ in mine if idx in group]
        assert in_order == sorted(group, key=lambda idx: ids[idx], reverse=True)


def _tie_groups(hits: list[tuple[int, float]]) -> list[set[int]]:
    groups: list[set[int]] = []
    last: float | None = None
    for idx, score in hits:
        if last is not None and math.isclose(score, last, abs_tol=1e-12):
            groups[-1].add(idx)
        else:
            groups.append({idx})
        last = score
    return groups


def test_iv_vector_ids(vectors: tuple[ConvexTest, list[str]]) -> None:
    _, ids = vectors
    js_ids = JS["iv_vector_search"]["ids"]
    for ours, theirs in zip(ids, js_ids, strict=True):
        id_of(ours, "vecs")
        js_id_of(theirs, "vecs")
    diverges("ids", js=js_ids, ours=ids)


@pytest.mark.parametrize(
    ("label", "args"),
    [
        ("limit 5", {"vector": QUERY, "limit": 5.0}),
        ("limit 5 kind=a", {"vector": QUERY, "limit": 5.0, "kind": "a"}),
        ("query = e1 (ties between e1, 2*e1, 3*e1)", {"vector": [1.0] + [0.0] * 7, "limit": 12.0}),
    ],
)
def test_iv_vector_search(
    vectors: tuple[ConvexTest, list[str]], label: str, args: dict[str, Any]
) -> None:
    t, ids = vectors
    _compare_hits(ids, t.action(api.vectors.search, args), JS["iv_vector_search"][label])


def test_iv_or_filter(vectors: tuple[ConvexTest, list[str]]) -> None:
    t, ids = vectors
    ours = t.action(api.vectors.searchMultiKind, {"vector": QUERY, "kinds": ["b", "c"]})
    _compare_hits(ids, ours, ok(JS["iv_vector_search"]["kind in [b,c] (or filter)"]))


def test_iv_limits_and_dimensions(vectors: tuple[ConvexTest, list[str]]) -> None:
    t, ids = vectors
    js = JS["iv_vector_search"]

    # No limit: the backend's default is 10 (convex-test returns every document).
    default = t.action(api.vectors.search, {"vector": QUERY})
    js_all = ok(js["no limit"])
    assert len(js_all) == 12 and len(default) == 10
    assert [ids.index(r["_id"]) for r in default] == [
        ids.index(r["_id"]) for r in t.action(api.vectors.search, {"vector": QUERY, "limit": 10.0})
    ]
    assert (
        _tie_groups(_label(ids, default))[:4]
        == _tie_groups([(int(r["idx"]), r["_score"]) for r in js_all])[:4]
    )
    diverges("vector-default-limit", js=len(js_all), ours=len(default))

    wrong = attempt(lambda: t.action(api.vectors.search, {"vector": [1.0, 0.0, 0.0], "limit": 3.0}))
    raised(wrong, ConvexTestError, r"^Expected a vector with dimensions 8, received 3\.$")
    diverges("vector-dimensions", js=outcome(js["wrong dimension query (3)"]), ours=wrong)

    zero = attempt(lambda: t.action(api.vectors.search, {"vector": QUERY, "limit": 0.0}))
    raised(zero, ConvexTestError, "limit")
    diverges("vector-limit-range", js=outcome(js["limit 0"]), ours=zero)
    many = attempt(lambda: t.action(api.vectors.search, {"vector": QUERY, "limit": 300.0}))
    raised(
        many, ConvexTestError, r"^Vector queries can fetch at most 256 results, requested 300\.$"
    )
    diverges("vector-limit-range", js=outcome(js["limit 300"]), ours=many)

    empty = attempt(lambda: t.action(api.vectors.search, {"vector": [], "limit": 3.0}))
    assert str(raised(empty, ConvexTestError)) == js_error(js["empty vector"]).message


def test_iv_wrong_dimension_document_is_stored_not_indexed() -> None:
    t = fresh()
    short = t.mutation(api.vectors.insert, {"embedding": [1.0, 2.0, 3.0], "kind": "a"})
    assert ok(JS["iv_vector_search"]["insert wrong-dimension embedding (3)"])  # accepted there too
    id_of(short, "vecs")
    full = t.mutation(api.vectors.insert, {"embedding": [1.0] + [0.0] * 7, "kind": "a"})
    hits = t.action(api.vectors.search, {"vector": [1.0] + [0.0] * 7, "limit": 10.0})
    assert [hit["_id"] for hit in hits] == [full]


# ---------------------------------------------------------------------------------
# (v) schema validation
# ---------------------------------------------------------------------------------

SCHEMA_PREFIX: Final = (
    r'^Failed to insert or update a document in table "{table}" because it does not match '
    r"the schema: "
)
BAD_DOCS: Final[list[tuple[str, dict[str, Any], str]]] = [
    (
        "missing field n",
        {"author": "a", "body": "b", "channel": "c"},
        "Object is missing the required field `n`",
    ),
    ("extra field", {**GOOD, "extra": 1.0}, "Object contains extra field `extra`"),
    ("wrong type n:string", {**GOOD, "n": "5"}, 'Path: .n\nValue: "5"\nValidator: v.float64'),
    (
        "wrong type author:number",
        {**GOOD, "author": 5.0},
        "Path: .author\nValue: 5.0\nValidator: v.string",
    ),
    ("wrong type n:bigint", {**GOOD, "n": Int64(5)}, "Path: .n\nValue: 5\nValidator: v.float64"),
    ("null for string", {**GOOD, "body": None}, "Path: .body\nValue: null\n"),
    ("array for string", {**GOOD, "body": ["x"]}, 'Path: .body\nValue: \\["x"\\]\n'),
    ("object for number", {**GOOD, "n": {"x": 1.0}}, "Path: .n\nValue: {x: 1.0}\n"),
]


@pytest.mark.parametrize(("label", "doc", "message"), BAD_DOCS, ids=[b[0] for b in BAD_DOCS])
def test_v_schema_validation_errors(label: str, doc: dict[str, Any], message: str) -> None:
    t = fresh()
    js = JS["v_schema_validation_errors"]
    via_mutation = attempt(lambda: t.mutation(api.messages.insertRaw, {"doc": doc}))
    via_run = attempt(lambda: t.run(lambda ctx: ctx.db.insert("messages", doc)))
    for ours, key in (
        (via_mutation, f"mutation insertRaw: {label}"),
        (via_run, f"t.run insert: {label}"),
    ):
        error = raised(ours, SchemaValidationError, SCHEMA_PREFIX.format(table="messages"))
        assert message in str(error) or re.search(message, str(error)), str(error)
        assert js_error(js[key]).message.startswith("Validator error: ")
        diverges("error-texts", js=outcome(js[key]), ours=ours)
    assert t.query(api.messages.list, {}) == []


def test_v_underscore_field_fails_the_document_rules_before_the_schema() -> None:
    # The backend validates the document (ResolvedDocument::new) before enforcing the
    # schema; convex-test only runs its schema validator.
    t = fresh()
    js = JS["v_schema_validation_errors"]
    label = "field starting with underscore"
    doc = {**GOOD, "_private": 1.0}
    via_mutation = attempt(lambda: t.mutation(api.messages.insertRaw, {"doc": doc}))
    via_run = attempt(lambda: t.run(lambda ctx: ctx.db.insert("messages", doc)))
    for ours, key in (
        (via_mutation, f"mutation insertRaw: {label}"),
        (via_run, f"t.run insert: {label}"),
    ):
        error = raised(ours, UnsupportedValueError, r"^Document\(value: \{_creationTime: ")
        assert str(error).endswith(
            "}) isn't a valid document: Field '_private' starts with an underscore, which is "
            "only allowed for system fields like '_id'"
        ), str(error)
        assert not isinstance(error, SchemaValidationError)
        assert js_error(js[key]).message == "Validator error: Unexpected field `_private` in object"
        diverges("error-texts", js=outcome(js[key]), ours=ours)
    assert t.query(api.messages.list, {}) == []


def test_v_accepted_and_rejected_values() -> None:
    t = fresh()
    js = JS["v_schema_validation_errors"]
    nan_id = t.mutation(api.messages.insertRaw, {"doc": {**GOOD, "n": math.nan}})
    run_id = t.run(lambda ctx: ctx.db.insert("messages", {**GOOD, "n": math.nan}))
    js_id_of(ok(js["mutation insertRaw: NaN for number (allowed?)"]), "messages")
    js_id_of(ok(js["t.run insert: NaN for number (allowed?)"]), "messages")
    for doc_id in (nan_id, run_id):
        assert math.isnan(t.query(api.messages.get, {"id": id_of(doc_id, "messages")})["n"])

    for key, step in (
        (
            "mutation insertRaw: bad field name $x",
            lambda: t.mutation(api.messages.insertRaw, {"doc": {**GOOD, "$x": 1.0}}),
        ),
        (
            "t.run insert: bad field name $x",
            lambda: t.run(lambda ctx: ctx.db.insert("messages", {**GOOD, "$x": 1.0})),
        ),
    ):
        ours = attempt(step)
        # Convex's JS `convexToJson` rejects the key inside the function, before any
        # syscall, so convex-test shows the real text here, and so do we.
        raised(
            ours, UnsupportedValueError, r"^Field name \$x starts with a '\$', which is reserved"
        )
        assert js_error(js[key]).message == "Field name $x starts with a '$', which is reserved."

    for key, table, doc, path in (
        (
            "vecs embedding ['x']",
            "vecs",
            {"embedding": ["x"], "kind": "a"},
            r"Path: \.embedding\[0\]",
        ),
        ("vecs embedding [1n]", "vecs", {"embedding": [Int64(1)], "kind": "a"}, r"Value: 1\n"),
        ("items without tag", "items", {"value": 1.0}, "missing the required field `tag`"),
    ):
        ours = attempt(partial(t.run, partial(_insert, table, doc)))
        raised(ours, SchemaValidationError, SCHEMA_PREFIX.format(table=table) + ".*" + path)
        diverges("error-texts", js=outcome(js[key]), ours=ours)


def test_v_undeclared_table() -> None:
    """SPEC §3: with a schema, a write to a table missing from it is rejected.  The real
    backend (and convex-test) create the table and validate nothing."""
    t = fresh()
    js = outcome(JS["v_schema_validation_errors"]["insert into undeclared table"])
    js_id_of(js.value, "nosuchtable")
    ours = attempt(lambda: t.run(lambda ctx: ctx.db.insert("nosuchtable", {"x": 1.0})))
    raised(ours, SchemaValidationError, 'Table "nosuchtable" is not in the schema')
    we_differ("schema-undeclared-table", backend=js, ours=ours)


def test_v_failed_updates_change_nothing() -> None:
    t = fresh()
    js = JS["v_schema_validation_errors"]
    doc_id = t.mutation(api.messages.send, GOOD)
    for key, step, message in (
        (
            "patch n to string",
            lambda: t.mutation(api.messages.patch, {"id": doc_id, "fields": {"n": "x"}}),
            'Path: .n\nValue: "x"',
        ),
        (
            "patch extra field",
            lambda: t.mutation(api.messages.patch, {"id": doc_id, "fields": {"extra": True}}),
            "extra field `extra`",
        ),
        (
            "replace missing fields",
            lambda: t.mutation(api.messages.replace, {"id": doc_id, "doc": {"author": "only"}}),
            "missing the required field `body`",
        ),
    ):
        ours = attempt(step)
        assert message in str(
            raised(ours, SchemaValidationError, SCHEMA_PREFIX.format(table="messages"))
        )
        diverges("error-texts", js=outcome(js[key]), ours=ours)
    doc = t.query(api.messages.get, {"id": doc_id})
    js_doc = js["doc unchanged after failed patches"]
    assert_same(body(doc), body(js_doc))
    assert doc["_creationTime"] == FIXED_NOW  # the first write of this backend
    assert js_doc["_creationTime"] == FIXED_NOW + 0.003  # after three +0.001 bumps
    diverges("creation-time", js=js_doc["_creationTime"], ours=doc["_creationTime"])


# ---------------------------------------------------------------------------------
# (vi) argument validation
# ---------------------------------------------------------------------------------


def test_vi_argument_validation() -> None:
    t = fresh()
    js = JS["vi_argument_validation"]
    cases: list[tuple[str, Callable[[], Any], str]] = [
        (
            "n as string",
            lambda: t.mutation(api.messages.send, {**GOOD, "n": "1"}),
            r'^Value does not match validator\.\nPath: \.n\nValue: "1"\nValidator: v\.float64\(\)$',
        ),
        (
            "missing body",
            lambda: t.mutation(api.messages.send, {"author": "a", "channel": "c", "n": 1.0}),
            "^Object is missing the required field `body`",
        ),
        (
            "extra arg",
            lambda: t.mutation(api.messages.send, {**GOOD, "extra": 1.0}),
            "^Object contains extra field `extra` that is not in the validator",
        ),
        (
            "union literal mismatch",
            lambda: t.query(api.messages.byChannel, {"channel": "c", "order": "sideways"}),
            r'Path: \.order\nValue: "sideways"\nValidator: v\.union\(v\.literal\("asc"\), v\.literal\("desc"\)\)',
        ),
        (
            "id not an id",
            lambda: t.query(api.messages.get, {"id": "hello"}),
            r'Value: "hello"\nValidator: v\.id\("messages"\)',
        ),
        (
            "id as number",
            lambda: t.query(api.messages.get, {"id": 123.0}),
            r'Value: 123\.0\nValidator: v\.id\("messages"\)',
        ),
        (
            "paginationOpts missing numItems",
            lambda: t.query(api.messages.paginate, {"paginationOpts": {"cursor": None}}),
            r"missing the required field `numItems`.*\nPath: \.paginationOpts",
        ),
        (
            "args not an object",
            lambda: t.query(api.messages.list, "str"),  # type: ignore[arg-type]
            "^Expected to receive an object as the function's argument",
        ),
    ]
    for key, step, message in cases:
        ours = attempt(step)
        raised(ours, ArgumentValidationError, message)
        assert js_error(js[key]).message.startswith("Validator error: ")
        diverges("error-texts", js=outcome(js[key]), ours=ours)

    item = t.run(lambda ctx: ctx.db.insert("items", {"tag": "x", "value": 1.0}))
    wrong_table = attempt(lambda: t.query(api.messages.get, {"id": item}))
    raised(
        wrong_table,
        ArgumentValidationError,
        rf'^Found ID "{item}" from table `items`, which does not match the table name in '
        r'validator `v\.id\("messages"\)`\.Path: \.id$',
    )
    diverges("error-texts", js=outcome(js["id of wrong table"]), ours=wrong_table)


def test_vi_function_resolution() -> None:
    t = fresh()
    js = JS["vi_argument_validation"]
    missing = attempt(lambda: t.query(api.messages.doesNotExist, {}))
    raised(missing, ConvexTestError, "messages:doesNotExist")
    no_module = attempt(lambda: t.query(api.nomodule.fn, {}))
    raised(no_module, ConvexTestError, "nomodule:fn")
    for key, ours in (("unknown function", missing), ("unknown module", no_module)):
        diverges("error-texts", js=outcome(js[key]), ours=ours)

    as_query = attempt(lambda: t.query(api.messages.send, GOOD))
    raised(
        as_query,
        ConvexTestError,
        "^Trying to execute messages:send as Query, but it is defined as Mutation\\.$",
    )
    as_mutation = attempt(lambda: t.mutation(api.messages.list, {}))
    raised(
        as_mutation,
        ConvexTestError,
        "^Trying to execute messages:list as Mutation, but it is defined as Query\\.$",
    )
    diverges("error-texts", js=outcome(js["mutation called as query"]), ours=as_query)
    diverges("error-texts", js=outcome(js["query called as mutation"]), ours=as_mutation)

    # Tests are admin: internal functions are callable, as in convex-test.
    direct = t.mutation(internal.messages.scheduledInsert, {"body": "direct", "fail": False})
    assert_same(direct, ok(js["internal function via t.mutation"]))


# ---------------------------------------------------------------------------------
# (vii) IDs and normalizeId
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_ids() -> tuple[ConvexTest, dict[str, str]]:
    t = fresh()

    def seed(ctx: Any) -> dict[str, str]:
        return {
            "m1": ctx.db.insert("messages", {**GOOD, "n": 1.0}),
            "i1": ctx.db.insert("items", {"tag": "t", "value": 1.0}),
            "v1": ctx.db.insert("vecs", {"embedding": [1.0] + [0.0] * 7, "kind": "a"}),
            "m2": ctx.db.insert("messages", {**GOOD, "n": 2.0}),
            "s1": ctx.storage.store(b"x"),
        }

    ids: dict[str, str] = t.run(seed)
    ids["scheduledFunction"] = t.mutation(api.messages.scheduleAndCancel, {})
    return t, ids


def test_vii_id_format(with_ids: tuple[ConvexTest, dict[str, str]]) -> None:
    t, ids = with_ids
    js = JS["vii_ids_and_normalizeId"]
    tables = {"m1": "messages", "i1": "items", "v1": "vecs", "m2": "messages"}
    for key, table in tables.items():
        id_of(ids[key], table)
        js_id_of(js["ids"][key], table)
    system_id_of(t, ids["s1"], "_storage")
    system_id_of(t, ids["scheduledFunction"], "_scheduled_functions")
    # Both are 32 characters long (convex-test zero-pads its counter to 32 - len(table)).
    assert {len(value) for value in ids.values()} == set(js["lengths"].values()) == {32}
    diverges("ids", js=js["ids"], ours=ids)


def test_vii_normalize_id(with_ids: tuple[ConvexTest, dict[str, str]]) -> None:
    t, ids = with_ids
    js = JS["vii_ids_and_normalizeId"]

    def norm(table: str, value: str) -> Outcome:
        return attempt(lambda: t.query(api.items.normalize, {"table": table, "id": value}))

    assert norm("messages", ids["m1"]).value == ids["m1"]
    for key, table, value in (
        ("normalizeId(items, messageId)", "items", ids["m1"]),
        ("normalizeId(messages, 'garbage')", "messages", "garbage"),
        ("normalizeId(messages, '12345')", "messages", "12345"),
        ("normalizeId(messages, '')", "messages", ""),
    ):
        ours = norm(table, value)
        assert ours.ok and ours.value is None
        assert ok(js[key]) is None
    # convex-test accepts any "<digits><table>"; the backend only a valid ID of the table.
    for key, table, value in (
        ("normalizeId(messages, '1messages')", "messages", "1messages"),
        ("normalizeId(nosuchtable, '1nosuchtable')", "nosuchtable", "1nosuchtable"),
    ):
        ours = norm(table, value)
        assert ours.ok and ours.value is None
        assert ok(js[key]) == value
        diverges("normalize-id", js=outcome(js[key]), ours=ours)

    from_db = norm("_storage", ids["s1"])
    assert (
        str(raised(from_db, ConvexTestError))
        == js_error(js["normalizeId(_storage, storageId) from db"]).message
    )
    system = t.run(lambda ctx: ctx.db.system.normalize_id("_storage", ids["s1"]))
    assert system == ids["s1"]
    assert ok(js["db.system.normalizeId(_storage, storageId)"]) == js["ids"]["s1"]


def test_vii_get(with_ids: tuple[ConvexTest, dict[str, str]]) -> None:
    t, ids = with_ids
    js = JS["vii_ids_and_normalizeId"]
    other_table = attempt(lambda: t.run(lambda ctx: ctx.db.get("items", ids["m1"])))
    raised(
        other_table,
        InvalidIdError,
        r'^Invalid argument `id` for `db\.get`: expected to be an Id<"items">, got Id<"messages"> instead\.$',
    )
    diverges("error-texts", js=outcome(js["db.get(table=items, messageId)"]), ours=other_table)
    assert t.run(lambda ctx: ctx.db.get("messages", ids["m1"])["_id"]) == ids["m1"]

    not_an_id = attempt(lambda: t.run(lambda ctx: ctx.db.get("not-an-id")))
    raised(
        not_an_id, InvalidIdError, r"^Invalid argument `id` for `db\.get`: Unable to decode ID: "
    )
    assert ok(js["db.get('not-an-id')"]) is None
    diverges("get-invalid-id", js=outcome(js["db.get('not-an-id')"]), ours=not_an_id)

    def delete_then_get(ctx: Any) -> Any:
        ctx.db.delete(ids["m2"])
        return ctx.db.get(ids["m2"])

    deleted = attempt(lambda: t.run(delete_then_get))
    assert deleted.ok and deleted.value is None
    assert ok(js["db.get(deleted id)"]) is None

    storage_doc = attempt(lambda: t.run(lambda ctx: ctx.db.get(ids["s1"])))
    raised(storage_doc, ConvexTestError, r"^System tables can only be accessed with db\.system\.$")
    diverges(
        "system-table-guard", js=outcome(js["db.get(storageId) from user reader"]), ours=storage_doc
    )

    job = t.run(lambda ctx: ctx.db.system.get(ids["scheduledFunction"]))
    js_job = ok(js["db.get(scheduledFunctionId) via db.system"])
    assert_same(job["args"], js_job["args"])
    assert job["name"] == js_job["name"] == "messages:scheduledInsert"
    assert job["scheduledTime"] == js_job["scheduledTime"] == FIXED_NOW + 1000
    assert job["state"] == js_job["state"] == {"kind": "canceled"}
    # The backend stamps completedTime when a job is canceled.
    assert job["completedTime"] == FIXED_NOW and "completedTime" not in js_job
    diverges("scheduled-doc", js=js_job, ours=job)


# ---------------------------------------------------------------------------------
# (viii) scheduled functions
# ---------------------------------------------------------------------------------


def _jobs(t: ConvexTest) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = t.run(
        lambda ctx: ctx.db.system.query("_scheduled_functions").collect()
    )
    return jobs


def test_viii_scheduler() -> None:
    t = fresh()
    js = JS["viii_scheduler"]
    ok_id = t.mutation(api.messages.scheduleInsert, {"delayMs": 5000.0, "body": "later"})
    fail_id = t.mutation(
        api.messages.scheduleInsert, {"delayMs": 1000.0, "body": "doomed", "fail": True}
    )
    cancel_id = t.mutation(api.messages.scheduleAndCancel, {})
    for job_id in (ok_id, fail_id, cancel_id):
        system_id_of(t, job_id, "_scheduled_functions")

    before = _jobs(t)
    assert [j["_id"] for j in before] == [ok_id, fail_id, cancel_id]
    for mine, theirs in zip(before, js["before"], strict=True):
        for key in ("args", "name", "scheduledTime", "state"):
            assert_same(mine[key], theirs[key])
    assert [j["_creationTime"] for j in before] == [FIXED_NOW, then(FIXED_NOW), then(FIXED_NOW, 2)]
    assert [j["_creationTime"] for j in js["before"]] == [
        FIXED_NOW,
        FIXED_NOW + 0.001,
        FIXED_NOW + 0.002,
    ]
    diverges(
        "creation-time",
        js=[j["_creationTime"] for j in js["before"]],
        ours=[j["_creationTime"] for j in before],
    )
    assert before[0]["name"] == "messages:scheduledInsert"
    # SPEC §8 names jobs "module:function"; the backend uses the canonical "module.js:function".
    we_differ("function-name", backend="messages.js:scheduledInsert", ours=before[0]["name"])

    assert t.query(api.messages.list, {}) == js["messagesBefore"] == []
    assert t.now_ms() == js["nowBefore"]
    t.finish_all_scheduled_functions()
    assert t.now_ms() == js["nowAfter"] == FIXED_NOW + 5000

    after = {j["_id"]: j for j in _jobs(t)}
    js_after = js["after"]
    assert (
        [after[i]["state"]["kind"] for i in (ok_id, fail_id, cancel_id)]
        == [j["state"]["kind"] for j in js_after]
        == ["success", "failed", "canceled"]
    )
    # Backend: success and cancel stamp completedTime too; a failure carries its error.
    assert after[ok_id]["completedTime"] == FIXED_NOW + 5000
    assert "completedTime" not in js_after[0]
    diverges("scheduled-doc", js=js_after[0], ours=after[ok_id])
    assert after[fail_id]["state"]["error"].endswith("scheduled function failed on purpose")
    assert js_after[1]["state"] == {"kind": "failed"}
    diverges("scheduled-doc", js=js_after[1]["state"], ours=after[fail_id]["state"])
    # The failed job completed when it ran (+1 s); convex-test stamps the time of the
    # last fake timer (+5 s).
    assert after[fail_id]["completedTime"] == FIXED_NOW + 1000
    assert js_after[1]["completedTime"] == FIXED_NOW + 5000
    diverges(
        "schedule-completed-time",
        js=js_after[1]["completedTime"],
        ours=after[fail_id]["completedTime"],
    )

    messages = t.query(api.messages.list, {})
    (js_message,) = js["messagesAfter"]
    assert [body(m) for m in messages] == [body(js_message)]
    # The failed job's insert rolled back, so the one that ran at +5 s is the first
    # write at that time: exactly +5 s (convex-test bumped it by 0.001).
    assert messages[0]["_creationTime"] == FIXED_NOW + 5000
    diverges("creation-time", js=js_message["_creationTime"], ours=messages[0]["_creationTime"])


def test_viii_schedule_times() -> None:
    js = JS["viii_scheduler"]
    # The oracle made t2 after the first backend's fake timers had run (clock +5 s).
    start = js["nowAfter"]
    t2 = fresh(start)
    target = internal.messages.scheduledInsert
    negative = attempt(
        lambda: t2.mutation(
            lambda ctx: ctx.scheduler.run_after(-1000, target, {"body": "neg", "fail": False})
        )
    )
    assert str(raised(negative, ConvexTestError)) == js_error(js["runAfter(-1000)"]).message

    epoch = attempt(
        lambda: t2.mutation(
            lambda ctx: ctx.scheduler.run_at(0, target, {"body": "past", "fail": False})
        )
    )
    raised(epoch, ConvexTestError, "more than 5 years in the past")
    diverges("schedule-window", js=outcome(js["runAt(0)"]), ours=epoch)

    when = datetime.fromtimestamp((FIXED_NOW + 60_000) / 1000, UTC)
    dated = t2.mutation(
        lambda ctx: ctx.scheduler.run_at(when, target, {"body": "date", "fail": False})
    )
    system_id_of(t2, dated, "_scheduled_functions")
    (job,) = _jobs(t2)
    js_date_job = js["t2 jobs before"][1]
    for key in ("args", "name", "scheduledTime", "state"):
        assert_same(job[key], js_date_job[key])
    assert job["_creationTime"] == start
    t2.finish_all_scheduled_functions()
    (done,) = _jobs(t2)
    assert done["state"] == js["t2 jobs after"][1]["state"] == {"kind": "success"}
    assert bodies(t2.query(api.messages.list, {})) == ["date"]
    assert js["t2 messages after"] == ["past", "date"]


# ---------------------------------------------------------------------------------
# (ix) storage
# ---------------------------------------------------------------------------------


def test_ix_storage_action() -> None:
    t = fresh()
    js = JS["ix_storage"]
    ours = t.action(api.files.storeAndDescribe, {"text": "hello world"})
    theirs = js["action"]
    system_id_of_deleted = ours["storageId"]
    assert isinstance(system_id_of_deleted, str) and len(system_id_of_deleted) == 32
    assert ours["readBack"] == theirs["readBack"] == "hello world"
    assert ours["afterDeleteUrl"] is theirs["afterDeleteUrl"] is None
    assert ours["afterDeleteBlob"] is theirs["afterDeleteBlob"] is None

    doc, js_doc = ours["systemDoc"], theirs["systemDoc"]
    assert doc["_id"] == ours["storageId"] and doc["_creationTime"] == FIXED_NOW
    assert doc["sha256"] == js_doc["sha256"]  # base64 of the SHA-256, as on the backend
    assert_same(doc["size"], js_doc["size"])
    assert doc["contentType"] == "text/plain" and "contentType" not in js_doc
    diverges("storage-content-type", js=body(js_doc), ours=body(doc))

    # URL: the backend serves files by their storage UUID; convex-test embeds the sha256.
    uuid = ours["metadata"]["ok"]["storageId"]
    assert ours["url"] == f"{t.backend.files.site_url}/api/storage/{uuid}"
    assert theirs["url"].endswith(f"/api/storage/{js_doc['sha256']}")
    diverges("storage-url", js=theirs["url"], ours=ours["url"])

    metadata = ours["metadata"]["ok"]
    assert metadata == {
        "storageId": uuid,
        "sha256": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
        "size": 11.0,
        "contentType": "text/plain",
    }
    assert "does not support" in theirs["metadata"]["error"]
    diverges("storage-metadata", js=theirs["metadata"], ours=ours["metadata"])

    assert t.query(internal.files.listStorage, {}) == js["storageAfterDelete"] == []


def test_ix_storage_documents() -> None:
    t = fresh()
    js = JS["ix_storage"]
    t.action(api.files.storeAndDescribe, {"text": "hello world"})
    sid = t.run(lambda ctx: ctx.storage.store(bytes([1, 2, 3])))
    system_id_of(t, sid, "_storage")
    doc = t.run(lambda ctx: ctx.db.system.get(sid))
    js_doc = js["systemDocViaRun"]
    assert doc["sha256"] == js_doc["sha256"] and same(doc["size"], js_doc["size"])
    assert doc["contentType"] is None  # the backend's null when none was given
    diverges("storage-content-type", js=body(js_doc), ours=body(doc))
    url = t.run(lambda ctx: ctx.storage.get_url(sid))
    assert url.startswith(f"{t.backend.files.site_url}/api/storage/")
    diverges("storage-url", js=js["urlViaRun"], ours=url)
    assert t.fetch(url).content == bytes([1, 2, 3])

    empty = t.run(lambda ctx: ctx.db.system.get(ctx.storage.store(b"")))
    assert empty["sha256"] == js["emptyBlob"]["sha256"] and same(
        empty["size"], js["emptyBlob"]["size"]
    )

    upload = t.action(lambda ctx: ctx.storage.generate_upload_url())
    js_upload = ok(js["generateUploadUrl"])
    assert re.sub(r"token=.*", "token=<random>", upload) == (
        f"{t.backend.files.site_url}/api/storage/upload?token=<random>"
    )
    assert js_upload.endswith("/api/storage/upload?token=<random>")

    bad = attempt(lambda: t.action(lambda ctx: ctx.storage.get_url("99999_storage")))
    raised(bad, InvalidIdError, "99999_storage")
    diverges("storage-get-url-invalid", js=outcome(js["getUrlUnknownId"]), ours=bad)


# ---------------------------------------------------------------------------------
# (x) HTTP actions through t.fetch
# ---------------------------------------------------------------------------------

FETCHES: Final[list[tuple[str, str, str, bytes | None]]] = [
    ("GET /hello", "/hello", "GET", None),
    ("GET /hello?who=bob", "/hello?who=bob", "GET", None),
    ("GET /hello/", "/hello/", "GET", None),
    ("POST /hello (method mismatch)", "/hello", "POST", None),
    ("POST /echo", "/echo", "POST", b"ping"),
    ("GET /echo", "/echo", "GET", None),
    ("GET /files/a/b.txt?x=1", "/files/a/b.txt?x=1", "GET", None),
    ("GET /files/", "/files/", "GET", None),
    ("GET /files", "/files", "GET", None),
    ("GET /nope", "/nope", "GET", None),
]


@pytest.mark.parametrize(
    ("label", "path", "method", "content"), FETCHES, ids=[f[0] for f in FETCHES]
)
def test_x_http_fetch(label: str, path: str, method: str, content: bytes | None) -> None:
    t = fresh()
    response = t.fetch(path, method, content=content)
    js = ok(JS["x_http_fetch"][label])
    assert response.status_code == js["status"]
    assert response.headers.get("x-route") == js["xRoute"]
    if js["contentType"] == "application/json":
        assert response.headers["content-type"] == "application/json"
        assert response.json() == json.loads(js["body"])
    else:
        assert response.text == js["body"]
    if js["status"] == 404:
        # The backend's router (convex-js router.ts, in the isolate) answers
        # `new Response(text, {status: 404})`: Fetch's default content type, as here.
        assert js["contentType"] == "text/plain;charset=UTF-8"
        assert response.headers["content-type"] == js["contentType"]
    else:
        assert response.headers["content-type"] == js["contentType"]


def test_x_404_content_type_is_the_backends() -> None:
    response = fresh().fetch("/nope")
    assert response.headers["content-type"] == ok(JS["x_http_fetch"]["GET /nope"])["contentType"]


def test_x_http_fetch_identity_and_bad_path() -> None:
    t = fresh()
    response = t.with_identity({"name": "A"}).fetch("/files/x")
    js = ok(JS["x_http_fetch"]["GET /files/x as identity"])
    assert response.status_code == js["status"] == 200
    assert response.json() == json.loads(js["body"])

    bad = attempt(lambda: t.fetch("nope"))
    raised(bad, ConvexTestError, "^Path given to `t.fetch` must start with a `/`")
    assert js_error(JS["x_http_fetch"]["GET nope (no leading slash)"]).message.startswith(
        "Path given to `t.fetch` must start with a `/`"
    )


# ---------------------------------------------------------------------------------
# (xi) identity
# ---------------------------------------------------------------------------------

IDENTITIES: Final[list[tuple[str, dict[str, Any] | None]]] = [
    ("no identity", None),
    ("withIdentity({name:'A'})", {"name": "A"}),
    ("withIdentity({})", {}),
    ("withIdentity({name:'A', email:'a@x.io'})", {"name": "A", "email": "a@x.io"}),
    ("withIdentity({subject:'user1'})", {"subject": "user1"}),
    (
        "withIdentity({subject:'user1', issuer:'https://iss.example'})",
        {"subject": "user1", "issuer": "https://iss.example"},
    ),
    ("withIdentity({tokenIdentifier:'custom'})", {"tokenIdentifier": "custom"}),
    ("withIdentity({name:'A', custom:{x:1}})", {"name": "A", "custom": {"x": 1.0}}),
]


@pytest.mark.parametrize(("label", "identity"), IDENTITIES, ids=[i[0] for i in IDENTITIES])
def test_xi_identity(label: str, identity: dict[str, Any] | None) -> None:
    t = fresh()
    view = t if identity is None else t.with_identity(identity)
    assert_same(view.query(api.messages.whoami, {}), JS["xi_identity"][label])


def test_xi_identity_inside_run() -> None:
    t = fresh().with_identity({"name": "A"})
    assert_same(
        t.run(lambda ctx: ctx.auth.get_user_identity()), JS["xi_identity"]["identity inside t.run"]
    )


# ---------------------------------------------------------------------------------
# (xii) rollback
# ---------------------------------------------------------------------------------


def test_xii_mutation_rollback() -> None:
    t = fresh()
    js = JS["xii_mutation_rollback"]
    error = attempt(lambda: t.mutation(api.messages.insertThenThrow, {}))
    assert str(raised(error, RuntimeError)) == js_error(js["error"]).message
    assert len(t.query(api.messages.list, {})) == js["countAfter"] == 0

    def run_boom(ctx: Any) -> None:
        ctx.db.insert("messages", {"author": "r", "body": "r", "channel": "r", "n": 0.0})
        raise RuntimeError("run boom")

    assert (
        str(raised(attempt(lambda: t.run(run_boom)), RuntimeError))
        == js_error(js["runError"]).message
    )
    assert len(t.query(api.messages.list, {})) == js["countAfterRun"] == 0

    def action(ctx: Any) -> None:
        ctx.run_mutation(
            api.messages.send, {"author": "act", "body": "kept", "channel": "a", "n": 1.0}
        )
        ctx.run_mutation(api.messages.insertThenThrow, {})

    action_error = attempt(lambda: t.action(action))
    assert str(raised(action_error, RuntimeError)) == js_error(js["actionError"]).message
    assert bodies(t.query(api.messages.list, {})) == js["bodiesAfterAction"] == ["kept"]

    next_id = t.mutation(api.messages.send, {"author": "a", "body": "b", "channel": "c", "n": 0.0})
    id_of(next_id, "messages")
    js_id_of(js["nextIdAfterRollbacks"], "messages")
    diverges("ids", js=js["nextIdAfterRollbacks"], ours=next_id)


# ---------------------------------------------------------------------------------
# (xiii) ConvexError
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["object", "string", "bigint", "plain"])
def test_xiii_convex_error(kind: str) -> None:
    t = fresh()
    js = JS["xiii_convex_error"][kind]
    ours = attempt(lambda: t.mutation(api.messages.throwConvexError, {"kind": kind}))
    expected = js["error"]
    assert ours.error is not None
    assert (
        isinstance(ours.error, ConvexError)
        is js["instanceOfConvexError"]
        is expected.is_convex_error
    )
    assert str(ours.error) == expected.message
    if expected.is_convex_error:
        assert isinstance(ours.error, ConvexError)
        assert_same(ours.error.data, expected.data)
    assert t.query(api.messages.list, {}) == []


def test_xiii_convex_error_through_an_action() -> None:
    t = fresh()
    js = JS["xiii_convex_error"]

    def action(ctx: Any) -> Any:
        try:
            ctx.run_mutation(api.messages.throwConvexError, {"kind": "object"})
        except ConvexError as exc:
            return {"caughtData": exc.data, "message": str(exc)}
        return "no error"

    caught = t.action(action)
    expected = ok(js["via action runMutation"])
    assert_same(caught["caughtData"], expected["caughtData"])
    assert caught["message"] == expected["message"]
    assert len(t.query(api.messages.list, {})) == js["messagesAfter"] == 0


# ---------------------------------------------------------------------------------
# (xiv) writes from a query
# ---------------------------------------------------------------------------------


def test_xiv_query_writes() -> None:
    t = fresh()
    js = JS["xiv_query_writes"]
    doc = {"author": "a", "body": "b", "channel": "c", "n": 1.0}
    for key, step, message in (
        (
            "viaFunction",
            lambda: t.query(api.messages.insertFromQuery, {}),
            "ctx.db.insert is not available in a query",
        ),
        (
            "inlineQuery",
            lambda: t.query(lambda ctx: ctx.db.insert("messages", doc)),
            "ctx.db.insert is not available in a query",
        ),
        (
            "queryRunsMutation",
            lambda: t.query(lambda ctx: ctx.run_mutation(api.messages.send, doc)),
            "^Cannot call a mutation function from a query function$",
        ),
    ):
        ours = attempt(step)
        raised(ours, ConvexTestError, message)
        # A query's ctx simply lacks the write methods, in convex-test as on the backend.
        assert js_error(js[key]).name == "TypeError"
        we_differ("query-writes", backend=outcome(js[key]), ours=ours)
    assert t.query(api.messages.list, {}) == []

    system = attempt(
        lambda: t.run(lambda ctx: ctx.db.insert("_storage", {"sha256": "x", "size": 1.0}))
    )
    assert str(raised(system, ConvexTestError)) == js_error(js["insertSystemTable"]).message

    # convex-test (like the backend) refuses fetch()/setTimeout in queries and mutations;
    # Python handlers are not sandboxed, so there is no step to replay.
    assert "not supported in Convex queries or mutations" in js_error(js["fetchInQuery"]).message
    assert "not supported" in js_error(js["setTimeoutInMutation"]).message
    we_differ("udf-sandbox")


# ---------------------------------------------------------------------------------
# (xv) unique()
# ---------------------------------------------------------------------------------


def test_xv_unique() -> None:
    t = fresh()
    ids = seed_messages(t, 4)  # channels c0, c1, c2, c0
    js = JS["xv_unique"]
    two = attempt(lambda: t.query(api.messages.uniqueByChannel, {"channel": "c0"}))
    raised(two, ConvexTestError)
    template = "unique() query returned more than one result from table messages:\n [{}, {}, ...]"
    assert str(two.error) == template.format(ids[0], ids[3])
    js_ids = re.findall(r"\d+messages", js_error(js["twoResults"]).message)
    assert js_error(js["twoResults"]).message == template.format(*js_ids)
    assert t.query(api.messages.uniqueByChannel, {"channel": "c1"})["n"] == ok(js["oneResult"])
    assert t.query(api.messages.uniqueByChannel, {"channel": "zz"}) is ok(js["zeroResults"]) is None


# ---------------------------------------------------------------------------------
# (xvi) patch with UNDEFINED
# ---------------------------------------------------------------------------------


def test_xvi_patch_undefined() -> None:
    t = fresh()
    js = JS["xvi_patch_undefined"]
    item = t.run(lambda ctx: ctx.db.insert("items", {"tag": "p", "value": {"deep": 1.0}}))
    before = t.run(lambda ctx: ctx.db.get(item))
    assert_same(body(before), body(js["before"]))
    cleared = t.mutation(api.items.clearValue, {"id": item})
    assert_same(body(cleared), body(js["afterClear"]))
    assert list(cleared) == js["keysAfterClear"]
    assert_same(
        body(t.mutation(api.items.setValue, {"id": item, "value": [1.0, Int64(2)]})),
        body(js["afterSet"]),
    )

    mid = t.mutation(api.messages.send, {"author": "a", "body": "b", "channel": "c", "n": 1.0})

    def required_to_undefined(ctx: Any) -> Any:
        ctx.db.patch(mid, {"n": UNDEFINED})
        return ctx.db.get(mid)

    ours = attempt(lambda: t.run(required_to_undefined))
    raised(ours, SchemaValidationError, "missing the required field `n`")
    diverges("error-texts", js=outcome(js["requiredFieldToUndefined"]), ours=ours)

    def replace_with_undefined(ctx: Any) -> Any:
        ctx.db.replace(item, {"tag": "r", "value": UNDEFINED})
        doc = ctx.db.get(item)
        return {"doc": doc, "keys": list(doc)}

    replaced = t.run(replace_with_undefined)
    expected = ok(js["replaceWithUndefinedField"])
    assert_same(body(replaced["doc"]), body(expected["doc"]))
    assert replaced["keys"] == expected["keys"]

    def insert_with_undefined(ctx: Any) -> Any:
        doc = ctx.db.get(ctx.db.insert("items", {"tag": "u", "value": UNDEFINED}))
        return {"doc": doc, "keys": list(doc)}

    inserted = t.run(insert_with_undefined)
    expected = ok(js["insertWithUndefinedField"])
    assert_same(body(inserted["doc"]), body(expected["doc"]))
    assert inserted["keys"] == expected["keys"]

    def patch_nested(ctx: Any) -> Any:
        ctx.db.patch(item, {"value": {"a": 1.0, "b": UNDEFINED}})
        return ctx.db.get(item)

    assert_same(body(t.run(patch_nested)), body(ok(js["patchNested"])))

    def patch_deleted(ctx: Any) -> None:
        tmp = ctx.db.insert("items", {"tag": "tmp"})
        ctx.db.delete(tmp)
        ctx.db.patch(tmp, {"tag": "x"})

    ours = attempt(lambda: t.run(patch_deleted))
    raised(ours, ConvexTestError, r"^Update on nonexistent document ID \w{32}$")
    diverges("error-texts", js=outcome(js["patchNonexistent"]), ours=ours)

    def delete_twice(ctx: Any) -> None:
        tmp = ctx.db.insert("items", {"tag": "tmp"})
        ctx.db.delete(tmp)
        ctx.db.delete(tmp)

    ours = attempt(lambda: t.run(delete_twice))
    raised(ours, ConvexTestError, r"^Delete on nonexistent document ID \w{32}$")
    diverges("error-texts", js=outcome(js["deleteTwice"]), ours=ours)


# ---------------------------------------------------------------------------------
# (xvii) system fields
# ---------------------------------------------------------------------------------


def test_xvii_system_fields() -> None:
    t = fresh()
    js = JS["xvii_system_fields"]
    doc_id = t.mutation(api.messages.send, GOOD)
    doc = t.query(api.messages.get, {"id": doc_id})
    assert_same(body(doc), body(js["doc"]))
    assert doc["_creationTime"] == js["doc"]["_creationTime"] == FIXED_NOW
    # Sorted keys happen to be the written order here.
    assert list(doc) == js["keyOrder"]

    for key, step, cls, message in (
        (
            "insert with _id",
            lambda: t.run(lambda ctx: ctx.db.insert("messages", {**GOOD, "_id": doc_id})),
            InvalidIdError,
            rf"doesn't match '_id' field \"{doc_id}\"",
        ),
        (
            "insert with _creationTime",
            lambda: t.run(lambda ctx: ctx.db.insert("messages", {**GOOD, "_creationTime": 5.0})),
            ConvexTestError,
            "doesn't match '_creationTime' field 5.0",
        ),
        (
            "insert items with _id (v.any table)",
            lambda: t.run(lambda ctx: ctx.db.insert("items", {"tag": "x", "_id": "zzz"})),
            InvalidIdError,
            "doesn't match '_id' field \"zzz\"",
        ),
        (
            "patch with different _id",
            lambda: t.run(lambda ctx: ctx.db.patch(doc_id, {"_id": "123messages"})),
            InvalidIdError,
            '"123messages"',
        ),
        (
            "patch with different _creationTime",
            lambda: t.run(lambda ctx: ctx.db.patch(doc_id, {"_creationTime": 1.0})),
            ConvexTestError,
            "'_creationTime' field 1.0",
        ),
    ):
        ours = attempt(step)
        raised(ours, cls, message)
        diverges("error-texts", js=outcome(js[key]), ours=ours)

    def patch_same_id(ctx: Any) -> Any:
        ctx.db.patch(doc_id, {"_id": doc_id, "n": 2.0})
        return ctx.db.get(doc_id)

    patched = t.run(patch_same_id)
    assert_same(body(patched), body(ok(js["patch with same _id"])))

    def replace_full(ctx: Any) -> Any:
        current = ctx.db.get(doc_id)
        ctx.db.replace(doc_id, {**current, "body": "replaced"})
        return ctx.db.get(doc_id)

    replaced = t.run(replace_full)
    expected = ok(js["replace with full doc incl system fields"])
    assert_same(body(replaced), body(expected))
    assert replaced["_id"] == doc_id and replaced["_creationTime"] == expected["_creationTime"]


# ---------------------------------------------------------------------------------
# (xviii) CRUD, index ranges, filters
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crud() -> tuple[ConvexTest, list[str], dict[str, Any]]:
    """The first steps of the scenario (they change the data the later ones read)."""
    t = fresh()
    ids = seed_messages(t, 12)
    steps = {
        "get": t.query(api.messages.get, {"id": ids[0]}),
        "patch": t.mutation(api.messages.patch, {"id": ids[0], "fields": {"body": "patched"}}),
        "replace": t.mutation(
            api.messages.replace,
            {"id": ids[1], "doc": {"author": "r", "body": "replaced", "channel": "c9", "n": -1.0}},
        ),
        "removeReturnsGet": t.mutation(api.messages.remove, {"id": ids[2]}),
    }
    return t, ids, steps


def test_xviii_crud(crud: tuple[ConvexTest, list[str], dict[str, Any]]) -> None:
    t, ids, steps = crud
    js = JS["xviii_crud_and_queries"]
    for key, doc_id in (("get", ids[0]), ("patch", ids[0]), ("replace", ids[1])):
        assert_same(body(steps[key]), body(js[key]))
        assert steps[key]["_id"] == doc_id
    assert steps["removeReturnsGet"] is js["removeReturnsGet"] is None

    # One transaction inserted all twelve: each took the next double after the last
    # (convex-test adds 0.001 ms, drifting in float sums).
    times = [d["_creationTime"] for d in t.query(api.messages.list, {})]
    expected = [then(FIXED_NOW, k) for k in range(12) if k != 2]
    assert times == expected
    assert js["creationTimes"][:2] == [FIXED_NOW, FIXED_NOW + 0.001]
    diverges("creation-time", js=js["creationTimes"], ours=times)


def test_xviii_queries(crud: tuple[ConvexTest, list[str], dict[str, Any]]) -> None:
    t, ids, _ = crud
    js = JS["xviii_crud_and_queries"]
    assert ns(t.query(api.messages.list, {})) == js["listAscNs"]
    assert ns(t.query(api.messages.list, {"order": "desc"})) == js["listDescNs"]
    assert ns(t.query(api.messages.byChannel, {"channel": "c0"})) == js["byChannelC0"]
    assert (
        ns(t.query(api.messages.byChannel, {"channel": "c0", "order": "desc", "take": 2.0}))
        == js["byChannelC0DescTake2"]
    )
    assert (
        ns(t.query(api.messages.byAuthorRange, {"author": "u1", "gt": 1.0}))
        == js["by_author_n u1 gt 1"]
    )
    assert (
        ns(
            t.query(
                api.messages.byAuthorRange, {"author": "u1", "gt": 1.0, "lte": 9.0, "order": "desc"}
            )
        )
        == js["by_author_n u1 gt 1 lte 9 desc"]
    )
    assert (
        t.query(api.messages.firstByAuthorAfter, {"author": "u2", "gt": 2.0})["n"]
        == js["first u2 gt 2"]
    )
    assert (
        t.query(api.messages.firstByAuthorAfter, {"author": "u2", "gt": 100.0})
        is js["first u2 gt 100"]
        is None
    )
    assert ns(t.query(api.messages.filtered, {"channel": "c1", "minN": 3.0})) == js["filter c1 n>3"]
    assert ns(t.query(api.messages.filteredComplex, {})) == js["filter complex desc"]
    assert t.run(lambda ctx: ctx.db.query("messages").count()) == ok(js["count"])

    # The oracle's bound FIXED_NOW + 0.005 is the 6th document's time there; use ours.
    sixth = t.query(api.messages.get, {"id": ids[5]})["_creationTime"]
    after = t.run(
        lambda ctx: ns(
            ctx.db.query("messages")
            .with_index("by_creation_time", lambda q: q.gt("_creationTime", sixth))
            .collect()
        )
    )
    assert after == ok(js["by_creation_time gt"])
    by_id = t.run(
        lambda ctx: ns(
            ctx.db.query("messages").with_index("by_id", lambda q: q.eq("_id", ids[3])).collect()
        )
    )
    assert by_id == ok(js["by_id eq"])


def test_xviii_read_own_writes() -> None:
    js = JS["xviii_crud_and_queries"]

    def read_own_writes(ctx: Any) -> dict[str, bool]:
        new_id = ctx.db.insert(
            "messages", {"author": "z", "body": "z", "channel": "c0", "n": 1000.0}
        )
        in_index = (
            ctx.db.query("messages")
            .with_index("by_channel", lambda q: q.eq("channel", "c0"))
            .collect()
        )
        return {"inIndex": any(d["_id"] == new_id for d in in_index)}

    t = fresh()
    seed_messages(t, 12)
    assert t.run(read_own_writes) == js["read own writes"]


def test_xviii_query_errors(crud: tuple[ConvexTest, list[str], dict[str, Any]]) -> None:
    t, _, _ = crud
    js = JS["xviii_crud_and_queries"]
    undeclared = attempt(lambda: t.query(api.messages.undeclaredIndex, {}))
    raised(undeclared, ConvexTestError, r"^Index messages\.by_nothing not found\.")
    diverges("error-texts", js=outcome(js["undeclared index"]), ours=undeclared)

    out_of_order = (
        r"^Tried to query index messages\.by_author_n but the query didn't use the index fields "
        r'in order\.\nIndex fields: \["author", "n", "_creationTime"\]\nQuery fields: \[{fields}\]'
        r'\nFirst incorrect field: "n"'
    )
    wrong_field = attempt(lambda: t.query(api.messages.wrongIndexField, {}))
    raised(wrong_field, ConvexTestError, out_of_order.format(fields='"n"'))
    diverges("error-texts", js=outcome(js["index wrong field"]), ours=wrong_field)
    gt_then_eq = attempt(
        lambda: t.run(
            lambda ctx: (
                ctx.db.query("messages")
                .with_index("by_author_n", lambda q: q.gt("author", "u").eq("n", 1.0))
                .collect()
            )
        )
    )
    raised(gt_then_eq, ConvexTestError, out_of_order.format(fields='"n", "author"'))
    diverges("error-texts", js=outcome(js["index gt then eq"]), ours=gt_then_eq)

    for key, n in (("take(-1)", -1), ("take(1.5)", 1.5)):
        ours = attempt(partial(t.run, partial(_take, n)))
        assert str(raised(ours, ConvexTestError)) == js_error(js[key]).message
