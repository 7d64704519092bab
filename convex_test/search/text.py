"""Full-text search: Convex's tokenizer and an in-memory BM25 index.

The real backend runs tantivy's ``SimpleTokenizer -> RemoveLongFilter(32) -> LowerCaser``
and ranks with BM25 (k1=1.2, b=0.75), so :func:`tokenize` and :class:`TextIndex` follow
that pipeline rather than the JS convex-test mock (whitespace split, no ranking).

Query semantics (backend ``crates/search``, search "V2"):

* only the first 16 query tokens count; an empty token list matches nothing;
* terms are OR-ed; every token matches exactly and the **last** one also as a prefix;
  prefix expansions score x0.5, an exact hit of a term always scores x1;
* a query holds at most 64 unique index terms (exact terms and ``eq`` filter values
  first, then prefix expansions in byte order), which caps the prefix expansion;
* the score of a document is the sum of the boosted BM25 scores of the terms it holds,
  with tantivy's 256-bucket quantised field lengths; ties go to the newer document.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from math import log
from typing import Any, Final

from sortedcontainers import SortedList

from convex_test import errors
from convex_test.values.display import display_value
from convex_test.values.order import SortKey, sort_key
from convex_test.values.types import UNDEFINED

__all__ = [
    "BM25_B",
    "BM25_K1",
    "MAX_CANDIDATE_REVISIONS",
    "MAX_FILTER_CONDITIONS",
    "MAX_QUERY_TERMS",
    "MAX_TERM_BYTES",
    "MAX_UNIQUE_QUERY_TERMS",
    "PREFIX_BOOST",
    "TextIndex",
    "check_filter_count",
    "check_filter_field",
    "check_search_field",
    "check_single_search_filter",
    "field_paths",
    "field_value",
    "format_field_path",
    "missing_search_filter",
    "quantize_fieldnorm",
    "scanned_too_many",
    "tokenize",
]

MAX_QUERY_TERMS: Final = 16
"""Query tokens past the 16th are silently ignored."""
MAX_TERM_BYTES: Final = 32
"""Tokens of this many UTF-8 bytes or more are dropped, in documents and queries alike."""
MAX_FILTER_CONDITIONS: Final = 8
MAX_UNIQUE_QUERY_TERMS: Final = 64
MAX_CANDIDATE_REVISIONS: Final = 1024
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
PREFIX_BOOST: Final = 0.5


# ---------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------

# Rust's `char::is_alphanumeric` is `Alphabetic || Numeric(Nd, Nl, No)`.  Python's
# `str.isalnum` (and `re`'s `\w` minus `_`) is `L* || N*`, a strict subset: it misses
# `Other_Alphabetic`, i.e. most combining vowel signs of Indic, Thai, Tibetan, Hebrew
# points... (Mn/Mc) and circled letters (So, e.g. "Ⓐ"), plus letters newer than the
# running Python's Unicode database.  Without them "हिन्दी" would split into single
# consonants; with them it splits exactly where tantivy splits it ("हिन" + "दी": the
# virama is not alphabetic).  Combining marks that are not Other_Alphabetic, such as
# U+0301 (the acute of a decomposed "é"), separate tokens in Rust too.
#
# The ranges below are the code points with Rust-alphanumeric but not `str.isalnum()`
# under Python 3.11 (Unicode 14), computed with the third-party `regex` module (Unicode 17,
# as recent Rust) from `[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]`.  tests/search/test_text.py
# re-checks them when `regex` is installed.  Known remaining gap: lowercasing uses
# Python's Unicode tables, so case pairs newer than Unicode 14 are not folded.
# fmt: off
_EXTRA_ALNUM: Final[tuple[tuple[int, int], ...]] = (
    (0x0345, 0x0345), (0x0363, 0x036F), (0x05B0, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2),
    (0x05C4, 0x05C5), (0x05C7, 0x05C7), (0x0610, 0x061A), (0x064B, 0x0657), (0x0659, 0x065F),
    (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06E1, 0x06E4), (0x06E7, 0x06E8), (0x06ED, 0x06ED),
    (0x0711, 0x0711), (0x0730, 0x073F), (0x07A6, 0x07B0), (0x0816, 0x0817), (0x081B, 0x0823),
    (0x0825, 0x0827), (0x0829, 0x082C), (0x088F, 0x088F), (0x0897, 0x0897), (0x08D4, 0x08DF),
    (0x08E3, 0x08E9), (0x08F0, 0x0903), (0x093A, 0x093B), (0x093E, 0x094C), (0x094E, 0x094F),
    (0x0955, 0x0957), (0x0962, 0x0963), (0x0981, 0x0983), (0x09BE, 0x09C4), (0x09C7, 0x09C8),
    (0x09CB, 0x09CC), (0x09D7, 0x09D7), (0x09E2, 0x09E3), (0x0A01, 0x0A03), (0x0A3E, 0x0A42),
    (0x0A47, 0x0A48), (0x0A4B, 0x0A4C), (0x0A51, 0x0A51), (0x0A70, 0x0A71), (0x0A75, 0x0A75),
    (0x0A81, 0x0A83), (0x0ABE, 0x0AC5), (0x0AC7, 0x0AC9), (0x0ACB, 0x0ACC), (0x0AE2, 0x0AE3),
    (0x0AFA, 0x0AFC), (0x0B01, 0x0B03), (0x0B3E, 0x0B44), (0x0B47, 0x0B48), (0x0B4B, 0x0B4C),
    (0x0B56, 0x0B57), (0x0B62, 0x0B63), (0x0B82, 0x0B82), (0x0BBE, 0x0BC2), (0x0BC6, 0x0BC8),
    (0x0BCA, 0x0BCC), (0x0BD7, 0x0BD7), (0x0C00, 0x0C04), (0x0C3E, 0x0C44), (0x0C46, 0x0C48),
    (0x0C4A, 0x0C4C), (0x0C55, 0x0C56), (0x0C5C, 0x0C5C), (0x0C62, 0x0C63), (0x0C81, 0x0C83),
    (0x0CBE, 0x0CC4), (0x0CC6, 0x0CC8), (0x0CCA, 0x0CCC), (0x0CD5, 0x0CD6), (0x0CDC, 0x0CDC),
    (0x0CE2, 0x0CE3), (0x0CF3, 0x0CF3), (0x0D00, 0x0D03), (0x0D3E, 0x0D44), (0x0D46, 0x0D48),
    (0x0D4A, 0x0D4C), (0x0D57, 0x0D57), (0x0D62, 0x0D63), (0x0D81, 0x0D83), (0x0DCF, 0x0DD4),
    (0x0DD6, 0x0DD6), (0x0DD8, 0x0DDF), (0x0DF2, 0x0DF3), (0x0E31, 0x0E31), (0x0E34, 0x0E3A),
    (0x0E4D, 0x0E4D), (0x0EB1, 0x0EB1), (0x0EB4, 0x0EB9), (0x0EBB, 0x0EBC), (0x0ECD, 0x0ECD),
    (0x0F71, 0x0F83), (0x0F8D, 0x0F97), (0x0F99, 0x0FBC), (0x102B, 0x1036), (0x1038, 0x1038),
    (0x103B, 0x103E), (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D),
    (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D), (0x1712, 0x1713),
    (0x1732, 0x1733), (0x1752, 0x1753), (0x1772, 0x1773), (0x17B6, 0x17C8), (0x1885, 0x1886),
    (0x18A9, 0x18A9), (0x1920, 0x192B), (0x1930, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E),
    (0x1A61, 0x1A74), (0x1ABF, 0x1AC0), (0x1ACC, 0x1ACE), (0x1B00, 0x1B04), (0x1B35, 0x1B43),
    (0x1B80, 0x1B82), (0x1BA1, 0x1BA9), (0x1BAC, 0x1BAD), (0x1BE7, 0x1BF1), (0x1C24, 0x1C36),
    (0x1C89, 0x1C8A), (0x1DD3, 0x1DF4), (0x24B6, 0x24E9), (0x2DE0, 0x2DFF), (0xA674, 0xA67B),
    (0xA69E, 0xA69F), (0xA7CB, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4), (0xA7DA, 0xA7DC),
    (0xA7F1, 0xA7F1), (0xA802, 0xA802), (0xA80B, 0xA80B), (0xA823, 0xA827), (0xA880, 0xA881),
    (0xA8B4, 0xA8C3), (0xA8C5, 0xA8C5), (0xA8FF, 0xA8FF), (0xA926, 0xA92A), (0xA947, 0xA952),
    (0xA980, 0xA983), (0xA9B4, 0xA9BF), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36), (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4), (0xAAB7, 0xAAB8),
    (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5), (0xABE3, 0xABEA), (0xFB1E, 0xFB1E),
    (0x10376, 0x1037A), (0x105C0, 0x105F3), (0x10940, 0x10959), (0x10A01, 0x10A03),
    (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10D24, 0x10D27), (0x10D40, 0x10D65),
    (0x10D69, 0x10D69), (0x10D6F, 0x10D85), (0x10EAB, 0x10EAC), (0x10EC2, 0x10EC7),
    (0x10EFA, 0x10EFC), (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074),
    (0x11080, 0x11082), (0x110B0, 0x110B8), (0x110C2, 0x110C2), (0x11100, 0x11102),
    (0x11127, 0x11132), (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF),
    (0x111CE, 0x111CF), (0x1122C, 0x11234), (0x11237, 0x11237), (0x1123E, 0x11241),
    (0x112DF, 0x112E8), (0x11300, 0x11303), (0x1133E, 0x11344), (0x11347, 0x11348),
    (0x1134B, 0x1134C), (0x11357, 0x11357), (0x11362, 0x11363), (0x11380, 0x11389),
    (0x1138B, 0x1138B), (0x1138E, 0x1138E), (0x11390, 0x113B5), (0x113B7, 0x113C0),
    (0x113C2, 0x113C2), (0x113C5, 0x113C5), (0x113C7, 0x113CA), (0x113CC, 0x113CD),
    (0x113D1, 0x113D1), (0x113D3, 0x113D3), (0x11435, 0x11441), (0x11443, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115B5), (0x115B8, 0x115BE), (0x115DC, 0x115DD),
    (0x11630, 0x1163E), (0x11640, 0x11640), (0x116AB, 0x116B5), (0x116D0, 0x116E3),
    (0x1171D, 0x1172A), (0x1182C, 0x11838), (0x11930, 0x11935), (0x11937, 0x11938),
    (0x1193B, 0x1193C), (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119D7),
    (0x119DA, 0x119DF), (0x119E4, 0x119E4), (0x11A01, 0x11A0A), (0x11A35, 0x11A39),
    (0x11A3B, 0x11A3E), (0x11A51, 0x11A5B), (0x11A8A, 0x11A97), (0x11B60, 0x11B67),
    (0x11BC0, 0x11BE0), (0x11BF0, 0x11BF9), (0x11C2F, 0x11C36), (0x11C38, 0x11C3E),
    (0x11C92, 0x11CA7), (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A),
    (0x11D3C, 0x11D3D), (0x11D3F, 0x11D41), (0x11D43, 0x11D43), (0x11D47, 0x11D47),
    (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D96), (0x11DB0, 0x11DDB),
    (0x11DE0, 0x11DE9), (0x11EF3, 0x11EF6), (0x11F00, 0x11F10), (0x11F12, 0x11F3A),
    (0x11F3E, 0x11F40), (0x11F50, 0x11F59), (0x1342F, 0x1342F), (0x13441, 0x13446),
    (0x13460, 0x143FA), (0x16100, 0x1612E), (0x16130, 0x16139), (0x16D40, 0x16D6C),
    (0x16D70, 0x16D79), (0x16EA0, 0x16EB8), (0x16EBB, 0x16ED3), (0x16F4F, 0x16F4F),
    (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FF0, 0x16FF6), (0x187F8, 0x187FF),
    (0x18CFF, 0x18CFF), (0x18D09, 0x18D1E), (0x18D80, 0x18DF2), (0x1B132, 0x1B132),
    (0x1B155, 0x1B155), (0x1BC9E, 0x1BC9E), (0x1CCF0, 0x1CCF9), (0x1D2C0, 0x1D2D3),
    (0x1DF25, 0x1DF2A), (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021),
    (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E030, 0x1E06D), (0x1E08F, 0x1E08F),
    (0x1E4D0, 0x1E4EB), (0x1E4F0, 0x1E4F9), (0x1E5D0, 0x1E5ED), (0x1E5F0, 0x1E5FA),
    (0x1E6C0, 0x1E6DE), (0x1E6E0, 0x1E6F5), (0x1E6FE, 0x1E6FF), (0x1E947, 0x1E947),
    (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189), (0x2B739, 0x2B73F),
    (0x2CEA2, 0x2CEAD), (0x2EBF0, 0x2EE5D), (0x31350, 0x33479),
)
# fmt: on


def _char_class(ranges: Sequence[tuple[int, int]]) -> str:
    return "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def _build_token_re() -> re.Pattern[str]:
    bmp = [r for r in _EXTRA_ALNUM if r[1] < 0x10000]
    astral = [r for r in _EXTRA_ALNUM if r[0] >= 0x10000]
    # The astral class is tried only for astral characters: `re` scans such ranges
    # linearly, and every separator would otherwise pay for it.
    return re.compile(
        r"(?:[^\W_]|["
        + _char_class(bmp)
        + r"]|(?=[\U00010000-\U0010ffff])["
        + _char_class(astral)
        + r"])+"
    )


_ASCII_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9]+")
# Lowercased ASCII text: whole runs of at most 31 characters (longer runs are dropped).
_ASCII_SHORT_TOKEN_RE: Final = re.compile(r"(?<![a-z0-9])[a-z0-9]{1,31}(?![a-z0-9])")
_token_re: re.Pattern[str] | None = None


def _raw_tokens(text: str) -> Iterator[str]:
    """Maximal alphanumeric runs, before the length filter and lowercasing."""
    global _token_re
    if text.isascii():
        pattern = _ASCII_TOKEN_RE
    else:
        if _token_re is None:
            _token_re = _build_token_re()
        pattern = _token_re
    for match in pattern.finditer(text):
        yield match.group()


def _lower(token: str) -> str:
    # tantivy lowercases char by char, so a final capital sigma becomes "σ", not the
    # word-final "ς" that `str.lower()` picks; all other mappings are context-free.
    if "Σ" in token:
        return "".join(ch.lower() for ch in token)
    return token.lower()


def _iter_tokens(text: str) -> Iterator[str]:
    for raw in _raw_tokens(text):
        # RemoveLongFilter runs before LowerCaser: the limit applies to the original bytes.
        if raw.isascii():
            if len(raw) < MAX_TERM_BYTES:
                yield raw.lower()
        elif len(raw) < MAX_TERM_BYTES and len(raw.encode("utf-8")) < MAX_TERM_BYTES:
            yield _lower(raw)


def tokenize(text: str) -> list[str]:
    """Split ``text`` like Convex's search analyzer.

    Tokens are maximal runs of Unicode alphanumeric characters (Rust
    ``char::is_alphanumeric``); runs of 32 UTF-8 bytes or more are dropped; the rest are
    lowercased.  No stemming, no stop words.
    """
    if not isinstance(text, str):
        raise errors.ConvexTestError(
            errors.SEARCH_QUERY_NOT_STRING.format(value=display_value(text))
        )
    return list(_iter_tokens(text))


# ---------------------------------------------------------------------------
# Field paths, BM25 helpers
# ---------------------------------------------------------------------------


def field_value(doc: Any, path: Sequence[str]) -> Any:
    """The value at a split field path, traversing objects only; ``UNDEFINED`` if missing."""
    value = doc
    for part in path:
        if type(value) is not dict:
            return UNDEFINED
        value = value.get(part, UNDEFINED)
        if value is UNDEFINED:
            return UNDEFINED
    return value


def field_paths(kind: str, field: Any, filter_fields: Any) -> tuple[str, ...]:
    """Check an index's field paths; return its filter fields, deduplicated, in order."""
    try:
        fields = tuple(filter_fields)
    except TypeError:
        fields = (filter_fields,)
    if (
        not isinstance(field, str)
        or isinstance(filter_fields, str)
        or not all(isinstance(f, str) for f in fields)
    ):
        raise errors.ConvexTestError(
            errors.SEARCH_BAD_INDEX_FIELDS.format(
                kind=kind, field=repr(field), filter_fields=repr(filter_fields)
            )
        )
    return tuple(dict.fromkeys(fields))


def _getter(path: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """``field_value(doc, path)`` as a function: a plain ``dict.get`` for a top-level field."""
    if len(path) == 1:
        name = path[0]
        return lambda doc: doc.get(name, UNDEFINED)
    return lambda doc: field_value(doc, path)


def format_field_path(path: str) -> str:
    """A field path the way the backend prints one: ``"author.name"``."""
    return f'"{path}"'


def _fieldnorm_table() -> tuple[int, ...]:
    # tantivy stores a document's token count in one byte: 0..23 exactly, above that a
    # float with a 3-bit mantissa offset by 24 (Lucene's SmallFloat scheme), so lengths
    # up to 40 are exact and longer ones round down to the bucket start.
    table = []
    for code in range(256):
        if code < 24:
            table.append(code)
            continue
        mantissa, exponent = (code - 24) & 7, (code - 24) >> 3
        table.append(24 + (mantissa if exponent == 0 else (mantissa | 8) << (exponent - 1)))
    return tuple(table)


_FIELDNORMS: Final = _fieldnorm_table()


def quantize_fieldnorm(num_tokens: int) -> int:
    """The document length tantivy's BM25 sees for ``num_tokens`` tokens."""
    return _FIELDNORMS[bisect_right(_FIELDNORMS, num_tokens) - 1]


def _idf(doc_freq: int, num_docs: int) -> float:
    return log(1.0 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5))


# ---------------------------------------------------------------------------
# Query-shape checks with the backend's messages (the engine calls these)
# ---------------------------------------------------------------------------


def _index_label(table: str, index_name: str) -> str:
    return f"{table}.{index_name}"


def _fields_list(fields: Sequence[str]) -> str:
    return "[" + ", ".join(format_field_path(f) for f in fields) + "]"


def check_search_field(index_name: str, table: str, search_field: str, field: str) -> None:
    """Raise ``IncorrectSearchField`` unless ``q.search(field, ...)`` targets the index's field."""
    if field != search_field:
        raise errors.ConvexTestError(
            errors.SEARCH_INCORRECT_SEARCH_FIELD.format(
                index=_index_label(table, index_name),
                field=format_field_path(str(field)),
                search_field=format_field_path(search_field),
            )
        )


def check_single_search_filter(index_name: str, table: str, field: str, count: int) -> None:
    """Raise ``DuplicateSearchFiltersError`` when ``q.search`` was called more than once."""
    if count > 1:
        raise errors.ConvexTestError(
            errors.SEARCH_DUPLICATE_SEARCH_FILTERS.format(
                index=_index_label(table, index_name), field=format_field_path(field)
            )
        )


def missing_search_filter(index_name: str, table: str, search_field: str) -> errors.ConvexTestError:
    """The ``MissingSearchFilterError`` for a search index query without ``q.search``."""
    return errors.ConvexTestError(
        errors.SEARCH_MISSING_SEARCH_FILTER.format(
            index=_index_label(table, index_name), search_field=format_field_path(search_field)
        )
    )


def check_filter_field(
    index_name: str, table: str, filter_fields: Sequence[str], field: str
) -> None:
    """Raise ``IncorrectFilterFieldError`` unless ``q.eq(field, ...)`` is on a filter field."""
    if field not in filter_fields:
        raise errors.ConvexTestError(
            errors.SEARCH_INCORRECT_FILTER_FIELD.format(
                index=_index_label(table, index_name),
                field=format_field_path(str(field)),
                filter_fields=_fields_list(filter_fields),
                hint=errors.did_you_mean(str(field), filter_fields),
            )
        )


def check_filter_count(index_name: str, table: str, count: int) -> None:
    """Raise ``TooManyFilterConditionsInSearchQueryError`` past 8 ``eq`` filters."""
    if count > MAX_FILTER_CONDITIONS:
        raise errors.ConvexTestError(
            errors.SEARCH_TOO_MANY_FILTERS.format(
                index=_index_label(table, index_name), max=MAX_FILTER_CONDITIONS, count=count
            )
        )


def scanned_too_many() -> errors.ConvexTestError:
    """``SearchQueryScannedTooManyDocumentsError``: reading a 1025th search result."""
    return errors.ConvexTestError(
        errors.SEARCH_SCANNED_TOO_MANY.format(max=MAX_CANDIDATE_REVISIONS)
    )


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


_FILTER_STRING_KEYS: dict[str, SortKey] = {}
"""Shared ``sort_key`` tuples of recent string filter values (fewer allocations per add)."""
_FILTER_STRING_KEYS_MAX: Final = 1 << 14


def _filter_key(value: Any) -> SortKey:
    """``sort_key(value)``, sharing one tuple per short string value."""
    if type(value) is not str:
        return sort_key(value)
    key = _FILTER_STRING_KEYS.get(value)
    if key is None:
        key = sort_key(value)
        if len(value) <= 64:
            if len(_FILTER_STRING_KEYS) >= _FILTER_STRING_KEYS_MAX:
                _FILTER_STRING_KEYS.clear()
            _FILTER_STRING_KEYS[value] = key
    return key


_TextDoc = tuple[dict[str, int] | None, int, float, tuple[SortKey, ...], int]
"""What the index remembers about one document, so that removal needs no re-tokenizing:
``(terms, num_tokens, creation_time, filter_keys, slot)``.

``slot`` is the document's row in the index's numpy arrays (``-1`` if it has no terms).
A plain tuple rather than an object: until the document is tokenized it holds only
atomic values, so the garbage collector untracks it and full collections skip it.
"""
_TERMS: Final = 0
_NUM_TOKENS: Final = 1
_CREATION_TIME: Final = 2
_FILTER_KEYS: Final = 3
_SLOT: Final = 4


_np_module: Any = None


def _np() -> Any:
    # numpy is imported on the first search, not with the engine (import time).
    global _np_module
    if _np_module is None:
        import numpy

        _np_module = numpy
    return _np_module


class TextIndex:
    """An in-memory search index over one string field plus equality filter fields.

    Every document of the table is added (``add``) and removed (``remove``) by the engine;
    one whose search field is missing or not a string stays in the BM25 document count,
    as in the backend, but never matches.  ``len(index)`` counts all added documents.

    Inverted index: term -> {doc id: term frequency}, a sorted term list for prefix
    lookups, and per filter field: value sort key -> doc ids.  Documents holding terms
    get a slot (a row) in numpy arrays of field lengths and creation times, and each
    term's postings are cached as slot/frequency arrays (rebuilt after the term changes),
    so a search scores and ranks its postings without per-posting Python work.
    """

    __slots__ = (
        "_docs",
        "_filter_arrays",
        "_filter_getters",
        "_filter_index",
        "_filter_paths",
        "_free_slots",
        "_lengths",
        "_neg_times",
        "_pending",
        "_postings",
        "_search_path",
        "_slot_ids",
        "_term_arrays",
        "_terms",
        "_text_getter",
        "_total_tokens",
        "filter_fields",
        "name",
        "search_field",
    )

    def __init__(
        self, search_field: str, filter_fields: Sequence[str] = (), *, name: str | None = None
    ) -> None:
        self.search_field = search_field
        self.filter_fields = field_paths("search", search_field, filter_fields)
        self.name = name if name is not None else f"the search index on {search_field}"
        self._search_path = tuple(search_field.split("."))
        self._filter_paths = tuple(tuple(f.split(".")) for f in self.filter_fields)
        self._text_getter = _getter(self._search_path)
        self._filter_getters = tuple(_getter(p) for p in self._filter_paths)
        self._docs: dict[str, _TextDoc] = {}
        self._postings: dict[str, dict[str, int]] = {}
        self._terms: Any = SortedList()
        self._filter_index: tuple[dict[SortKey, set[str]], ...] = tuple(
            {} for _ in self.filter_fields
        )
        self._total_tokens = 0
        # Per slot: its doc id, quantised field length and -_creationTime.  The numbers
        # live in `array`s (cheap appends, no numpy import until the first search), read
        # through numpy views that never outlive a search (a viewed array cannot grow).
        self._slot_ids: list[str | None] = []
        self._free_slots: list[int] = []
        self._lengths = array("d")
        self._neg_times = array("d")
        self._term_arrays: dict[str, tuple[Any, Any]] = {}
        # doc id -> search text (None: no text) of documents added since the last search:
        # not in the filter sets and not tokenized yet.
        self._pending: dict[str, str | None] = {}
        self._filter_arrays: dict[tuple[int, SortKey], Any] = {}

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._docs

    def __repr__(self) -> str:
        self._flush()
        return (
            f"TextIndex({self.search_field!r}, {list(self.filter_fields)!r}, "
            f"documents={len(self._docs)}, terms={len(self._postings)})"
        )

    # -- writes -------------------------------------------------------------

    def add(self, doc_id: str, doc: dict[str, Any]) -> None:
        """Index ``doc`` under ``doc_id`` (which must not be in the index yet)."""
        # The engine calls this on every write of the table: keep it lean.
        if not isinstance(doc_id, str) or not isinstance(doc, dict):
            raise errors.ConvexTestError(
                errors.SEARCH_BAD_DOCUMENT.format(id=doc_id, doc=display_value(doc))
            )
        docs = self._docs
        if doc_id in docs:
            raise errors.ConvexTestError(
                errors.SEARCH_DOC_ALREADY_INDEXED.format(id=doc_id, index=self.name)
            )
        # Compute everything that can fail before touching the index.
        filter_keys = tuple([_filter_key(get(doc)) for get in self._filter_getters])
        text = self._text_getter(doc)
        creation_time = doc.get("_creationTime", 0.0)
        if type(creation_time) is not float:
            creation_time = float(creation_time) if type(creation_time) is int else 0.0
        docs[doc_id] = (None, 0, creation_time, filter_keys, -1)
        # The filter sets, tokens and postings wait for the next search (_flush): writes
        # stay cheap, and a table that is never searched never pays for them.
        self._pending[doc_id] = text if type(text) is str else None

    def _flush(self) -> None:
        """Add the documents added since the last search to the filter sets, tokenize them
        and post their terms."""
        pending = self._pending
        if not pending:
            return
        docs = self._docs
        postings = self._postings
        term_arrays = self._term_arrays
        filter_index = self._filter_index
        filter_arrays = self._filter_arrays
        for doc_id, text in pending.items():
            entry = docs[doc_id]
            for position, key in enumerate(entry[_FILTER_KEYS]):
                values = filter_index[position]
                ids = values.get(key)
                if ids is None:
                    values[key] = {doc_id}
                else:
                    ids.add(doc_id)
                if filter_arrays:
                    filter_arrays.pop((position, key), None)
            if text is None:
                continue
            if text.isascii():
                # ASCII lowercasing keeps lengths, so it may run before the length filter.
                tokens = _ASCII_SHORT_TOKEN_RE.findall(text.lower())
            else:
                tokens = list(_iter_tokens(text))
            if not tokens:
                continue
            num_tokens = len(tokens)
            terms: dict[str, int] = {}
            _count_elements(terms, tokens)
            creation_time = entry[_CREATION_TIME]
            # The document's slot: its row in the length and creation-time arrays.
            length = float(num_tokens if num_tokens <= 40 else quantize_fieldnorm(num_tokens))
            if self._free_slots:
                slot = self._free_slots.pop()
                self._slot_ids[slot] = doc_id
                self._lengths[slot] = length
                self._neg_times[slot] = -creation_time
            else:
                slot = len(self._slot_ids)
                self._slot_ids.append(doc_id)
                self._lengths.append(length)
                self._neg_times.append(-creation_time)
            docs[doc_id] = (terms, num_tokens, creation_time, entry[_FILTER_KEYS], slot)
            self._total_tokens += num_tokens
            for term, freq in terms.items():
                plist = postings.get(term)
                if plist is None:
                    postings[term] = {doc_id: freq}
                    self._terms.add(term)
                else:
                    plist[doc_id] = freq
                    if term_arrays:
                        term_arrays.pop(term, None)
        pending.clear()

    def remove(self, doc_id: str, doc: dict[str, Any] | None = None) -> None:
        """Drop ``doc_id`` (``doc`` is the dict given to :meth:`add`; the index kept what it needs)."""
        entry = self._docs.pop(doc_id, None) if isinstance(doc_id, str) else None
        if entry is None:
            raise errors.ConvexTestError(
                errors.SEARCH_DOC_NOT_INDEXED.format(id=doc_id, index=self.name)
            )
        pending = self._pending
        if doc_id in pending:
            del pending[doc_id]
            return  # never flushed: in no filter set, no postings
        filter_arrays = self._filter_arrays
        for position, (values, key) in enumerate(
            zip(self._filter_index, entry[_FILTER_KEYS], strict=True)
        ):
            ids = values[key]
            ids.discard(doc_id)
            if not ids:
                del values[key]
            if filter_arrays:
                filter_arrays.pop((position, key), None)
        terms = entry[_TERMS]
        if terms:
            slot = entry[_SLOT]
            self._slot_ids[slot] = None
            self._free_slots.append(slot)
            self._total_tokens -= entry[_NUM_TOKENS]
            postings = self._postings
            term_arrays = self._term_arrays
            for term in terms:
                plist = postings[term]
                del plist[doc_id]
                if term_arrays:
                    term_arrays.pop(term, None)
                if not plist:
                    del postings[term]
                    self._terms.remove(term)

    # -- reads --------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: Sequence[tuple[str, Any]] = (),
        *,
        limit: int | None = None,
    ) -> list[str]:
        """Matching doc ids, best first (BM25, then newer ``_creationTime``, then doc id).

        ``filters`` are ``(filter field path, value)`` equalities, ANDed; ``UNDEFINED``
        matches a missing field.  ``limit`` keeps only the best ``limit`` results (the
        backend considers at most 1024 candidates; pass 1025 to detect overflow).
        """
        return [doc_id for doc_id, _ in self.search_with_scores(query, filters, limit=limit)]

    def search_with_scores(
        self,
        query: str,
        filters: Sequence[tuple[str, Any]] = (),
        *,
        limit: int | None = None,
    ) -> list[tuple[str, float]]:
        """Like :meth:`search`, with each document's BM25 score."""
        if not isinstance(query, str):
            raise errors.ConvexTestError(
                errors.SEARCH_QUERY_NOT_STRING.format(value=display_value(query))
            )
        if limit is not None and (type(limit) is not int or limit < 0):
            raise errors.ConvexTestError(errors.SEARCH_BAD_LIMIT.format(value=repr(limit)))
        conditions = self._compile_filters(filters)
        tokens = list(islice(_iter_tokens(query), MAX_QUERY_TERMS))
        if not tokens or limit == 0:
            return []
        self._flush()

        # Filters: the documents holding every (field, value) pair.
        filter_sets: list[set[str]] = []
        for position, key in conditions:
            ids = self._filter_index[position].get(key)
            if ids is None:
                return []
            filter_sets.append(ids)
        # Several conditions: the documents in every set.  One condition needs no copy of
        # its set: the mask below comes from its cached slot array.
        candidates: set[str] | None = None
        if len(filter_sets) == 1:
            if not filter_sets[0]:
                return []
        elif filter_sets:
            filter_sets.sort(key=len)
            candidates = filter_sets[0].intersection(*filter_sets[1:])
            if not candidates:
                return []

        weighted = self._query_terms(tokens, len(set(conditions)))
        if not weighted:
            return []

        np = _np()
        mask = None
        if filter_sets:
            mask = np.zeros(len(self._slot_ids), dtype=bool)
            if candidates is None:
                mask[self._filter_slots(*conditions[0])] = True
            else:
                mask[self._slot_array(candidates)] = True

        num_docs = max(len(self._docs), 1)
        average = self._total_tokens / num_docs
        # BM25 tf part: tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg)); the (k1 + 1)
        # factor is folded into each term's weight.  Same float operations, in the same
        # order, as a per-posting Python loop: scores are bit-for-bit reproducible.
        base = BM25_K1 * (1.0 - BM25_B)
        slope = BM25_K1 * BM25_B / average if average > 0 else 0.0
        lengths = np.frombuffer(self._lengths, dtype=np.float64)
        part_slots = []
        part_scores = []
        for term, boost in weighted:
            plist = self._postings[term]
            weight = _idf(len(plist), num_docs) * (1.0 + BM25_K1) * boost
            slots, freqs = self._postings_arrays(term, plist)
            if mask is not None:
                keep = mask[slots]
                slots, freqs = slots[keep], freqs[keep]
            part_slots.append(slots)
            part_scores.append(weight * freqs / (freqs + base + slope * lengths[slots]))
        if len(part_slots) == 1:
            hits, scores = part_slots[0], part_scores[0]
        else:
            # Sum per document, adding the terms in query order (bincount keeps input order).
            hits, inverse = np.unique(np.concatenate(part_slots), return_inverse=True)
            scores = np.bincount(inverse, weights=np.concatenate(part_scores))
        return self._rank(hits, scores, limit)

    def _rank(self, hits: Any, scores: Any, limit: int | None) -> list[tuple[str, float]]:
        """Best first: higher score, then newer ``_creationTime``, then smaller doc id."""
        np = _np()
        count = len(hits)
        if count == 0:
            return []
        neg_scores = -scores
        neg_times = np.frombuffer(self._neg_times, dtype=np.float64)[hits]
        if limit is not None and limit < count:
            # Keep everything scoring at least the limit-th best score (ties included).
            threshold = np.partition(neg_scores, limit - 1)[limit - 1]
            keep = np.flatnonzero(neg_scores <= threshold)
            hits, neg_scores, neg_times = hits[keep], neg_scores[keep], neg_times[keep]
        order = np.lexsort((neg_times, neg_scores))
        if limit is not None and limit < len(order):
            # Rows past the limit matter only if they tie the last kept row on score and
            # creation time (the doc id orders those): keep that run, drop the rest
            # before any per-row Python work.
            last = order[limit - 1]
            tail = order[limit:]
            same = (neg_scores[tail] == neg_scores[last]) & (neg_times[tail] == neg_times[last])
            run = len(tail) if bool(same.all()) else int(np.argmin(same))
            order = order[: limit + run]
        ranked_scores = neg_scores[order]
        ranked_times = neg_times[order]
        slot_ids = self._slot_ids
        ids = [slot_ids[s] for s in hits[order].tolist()]
        values = (-ranked_scores).tolist()
        if len(order) > 1 and bool(
            np.any(
                (ranked_scores[1:] == ranked_scores[:-1]) & (ranked_times[1:] == ranked_times[:-1])
            )
        ):
            # Equal score and creation time (rare: documents without _creationTime): the
            # doc id decides.
            triples = sorted(zip(ranked_scores.tolist(), ranked_times.tolist(), ids, strict=True))
            ids = [t[2] for t in triples]
            values = [-t[0] for t in triples]
        result = list(zip(ids, values, strict=True))
        return result if limit is None else result[:limit]

    def _postings_arrays(self, term: str, plist: dict[str, int]) -> tuple[Any, Any]:
        """``term``'s postings as (slot array, frequency array), cached until it changes."""
        cached = self._term_arrays.get(term)
        if cached is None:
            np = _np()
            docs = self._docs
            slots = np.fromiter((docs[d][_SLOT] for d in plist), dtype=np.intp, count=len(plist))
            freqs = np.fromiter(plist.values(), dtype=np.float64, count=len(plist))
            cached = self._term_arrays[term] = (slots, freqs)
        return cached

    def _filter_slots(self, position: int, key: SortKey) -> Any:
        """Slots of the documents with this filter value, cached until the set changes."""
        cached = self._filter_arrays.get((position, key))
        if cached is None:
            cached = self._slot_array(self._filter_index[position][key])
            self._filter_arrays[(position, key)] = cached
        return cached

    def _slot_array(self, doc_ids: Iterable[str]) -> Any:
        """The slots of those of ``doc_ids`` that hold terms (slot ``>= 0``), as an array."""
        np = _np()
        docs = self._docs
        slots = [docs[d][_SLOT] for d in doc_ids]
        return np.array([s for s in slots if s >= 0], dtype=np.intp)

    def _compile_filters(self, filters: Sequence[tuple[str, Any]]) -> list[tuple[int, SortKey]]:
        positions = {f: i for i, f in enumerate(self.filter_fields)}
        conditions: list[tuple[int, SortKey]] = []
        if filters is None:
            return conditions
        if isinstance(filters, (str, bytes, dict)) or not hasattr(filters, "__iter__"):
            raise errors.ConvexTestError(errors.SEARCH_BAD_FILTER.format(value=repr(filters)))
        for item in filters:
            if (
                not isinstance(item, (tuple, list))
                or len(item) != 2
                or not isinstance(item[0], str)
            ):
                raise errors.ConvexTestError(errors.SEARCH_BAD_FILTER.format(value=repr(item)))
            field, value = item
            position = positions.get(field)
            if position is None:
                raise errors.ConvexTestError(
                    errors.SEARCH_INCORRECT_FILTER_FIELD.format(
                        index=self.name,
                        field=format_field_path(field),
                        filter_fields=_fields_list(self.filter_fields),
                        hint=errors.did_you_mean(field, self.filter_fields),
                    )
                )
            conditions.append((position, sort_key(value)))
        return conditions

    def _query_terms(self, tokens: list[str], num_filters: int) -> list[tuple[str, float]]:
        """The index terms a query reads, each with its score boost."""
        postings = self._postings
        exact = [t for t in dict.fromkeys(tokens) if t in postings]
        weighted = [(t, 1.0) for t in exact]
        # The backend keeps the 64 best unique terms, exact ones and filter values
        # first, then prefix expansions of the last token in byte (= code point) order;
        # a term also hit exactly keeps its exact weight and costs no budget.
        budget = MAX_UNIQUE_QUERY_TERMS - len(exact) - num_filters
        prefix = tokens[-1]
        if budget > 0:
            seen = set(exact)
            for term in self._terms.irange(minimum=prefix):
                if not term.startswith(prefix):
                    break
                if term in seen:
                    continue
                weighted.append((term, PREFIX_BOOST))
                budget -= 1
                if budget == 0:
                    break
        return weighted
