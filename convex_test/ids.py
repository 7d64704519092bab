"""Convex document IDs (format v6): codec and a deterministic generator.

An ID is the lower-case Crockford base32 text of::

    VInt(table_number) ‖ internal_id[16] ‖ footer[2]

where the VInt holds 7 bits per byte, least significant group first, and the footer is
``fletcher16(VInt ‖ internal_id) XOR version`` as a little-endian u16 (version 0).
User tables are numbered from 10001, so their IDs are 32 characters long.

Decoding is strict: an ID is accepted only if encoding what it decodes to gives back
exactly the same text (the real backend tolerates a few non-canonical spellings, such
as non-zero padding bits; a mock that accepted them would hide bugs).
"""

from __future__ import annotations

import random
import re
from itertools import accumulate
from typing import Final, NamedTuple, TypeAlias
from zlib import adler32

from convex_test import errors

__all__ = [
    "ID_VERSION",
    "MAX_TABLE_NUMBER",
    "DecodedId",
    "IdGenerator",
    "decode_id",
    "encode_id",
    "is_id",
    "table_number_of",
]

ID_VERSION: Final = 0
MAX_TABLE_NUMBER: Final = 2**32 - 1
INTERNAL_ID_LEN: Final = 16
_FOOTER_LEN: Final = 2
_MIN_BINARY_LEN: Final = 1 + INTERNAL_ID_LEN + _FOOTER_LEN
_MAX_BINARY_LEN: Final = 5 + INTERNAL_ID_LEN + _FOOTER_LEN

_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
# One byte per 5-bit group -> its character (see _base32_int).
_GROUPS_TO_TEXT: Final = bytes.maketrans(bytes(range(32)), _ALPHABET.encode())
_TO_INT_DIGITS: Final = str.maketrans(_ALPHABET, "0123456789abcdefghijklmnopqrstuv")
_VALID_CHARS: Final = re.compile(r"[0-9a-hjkmnp-tv-z]*")


def _encoded_len(n_bytes: int) -> int:
    return (n_bytes * 8 + 4) // 5


_MIN_ID_LEN: Final = _encoded_len(_MIN_BINARY_LEN)  # 31
_MAX_ID_LEN: Final = _encoded_len(_MAX_BINARY_LEN)  # 37


class DecodedId(NamedTuple):
    """The parts of a document ID."""

    table_number: int
    internal_id: bytes


def _spread_steps(groups: int) -> tuple[tuple[int, int, int], ...]:
    """Mask-and-shift steps moving each 5-bit group of a number into its own byte.

    Each step splits every block of ``2k`` groups in two and moves the upper half up by
    ``3k`` bits, so that after ``log2(groups)`` steps group ``i`` sits in byte ``i``.
    """
    steps = []
    full = (1 << (8 * groups)) - 1
    half = groups // 2
    while half:
        low = 0
        for block in range(groups // (2 * half)):
            low |= ((1 << (5 * half)) - 1) << (block * 16 * half)
        steps.append((low, full ^ low, 3 * half))
        half //= 2
    return tuple(steps)


_SPREAD_32: Final = _spread_steps(32)
_SPREAD_64: Final = _spread_steps(64)


def _base32_plan(n_bytes: int) -> tuple[int, tuple[tuple[int, int, int], ...], int, int]:
    """How to encode ``n_bytes`` bytes: (zero bits to append, steps, width, first byte)."""
    chars = (n_bytes * 8 + 4) // 5
    steps, width = (_SPREAD_32, 32) if chars <= 32 else (_SPREAD_64, 64)
    return chars * 5 - n_bytes * 8, steps, width, width - chars


_BASE32_PLANS: Final = tuple(_base32_plan(n) for n in range(41))


def _base32_int(number: int, n_bytes: int) -> str:
    """Base32 text of ``number`` read as ``n_bytes`` (<= 40) big-endian bytes, no padding.

    The same text as RFC 4648 base32 (with our alphabet, ``=`` stripped), built with a
    handful of big-int operations and one ``bytes.translate`` instead of a loop.
    """
    pad, steps, width, first = _BASE32_PLANS[n_bytes]
    number <<= pad  # zero-fill the last group
    for low, high, shift in steps:
        number = (number & low) | ((number & high) << shift)
    return number.to_bytes(width, "big")[first:].translate(_GROUPS_TO_TEXT).decode("ascii")


def _base32_encode(data: bytes) -> str:
    return _base32_int(int.from_bytes(data, "big"), len(data))


def _base32_decode(text: str) -> bytes:
    """Decode like the backend: ``len * 5 // 8`` bytes, unused trailing bits ignored.

    ``text`` must already be known to use only the alphabet.
    """
    n_bytes = len(text) * 5 // 8
    # int(..., 32) reads the digits 0-9a-v: map our alphabet onto them.
    number = int(text.translate(_TO_INT_DIGITS), 32)
    return (number >> (len(text) * 5 - n_bytes * 8)).to_bytes(n_bytes, "big")


def _vint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _fletcher16(data: bytes) -> int:
    # c0 is the byte sum and c1 the sum of the running sums (both mod 256).
    sums = _byte_sums(data)
    return ((sums >> 8) & 0xFF00) | (sums & 0xFF)


def _byte_sums(data: bytes) -> int:
    """``(sum of running sums) << 16 | (sum of bytes)``, both exact, for up to 22 bytes.

    Adler-32 started from 0 keeps exactly these two sums, modulo 65521: for 22 bytes
    they stay below 255 * 22 * 23 / 2 = 64515, so nothing wraps (IDs have at most 21).
    """
    if len(data) > 22:
        return (sum(accumulate(data)) & 0xFFFF) << 16 | (sum(data) & 0xFFFF)
    return adler32(data, 0)


_ID_TAIL_BITS: Final = 8 * (INTERNAL_ID_LEN + _FOOTER_LEN)

# Per table number: (VInt << _ID_TAIL_BITS, bytes of the whole ID, fletcher16's c0 after
# the VInt, its c1 advanced over the 16 bytes of an internal id: c1 + 16 * c0).
_Prefix: TypeAlias = tuple[int, int, int, int]
_PREFIXES: dict[int, _Prefix] = {}
_MAX_PREFIXES: Final = 4096


def _prefix(table_number: int) -> _Prefix:
    prefix = _PREFIXES.get(table_number)
    if prefix is None:
        vint = _vint(table_number)
        checksum = _fletcher16(vint)
        c0, c1 = checksum & 0xFF, checksum >> 8
        prefix = (
            int.from_bytes(vint, "big") << _ID_TAIL_BITS,
            len(vint) + INTERNAL_ID_LEN + _FOOTER_LEN,
            c0,
            c1 + INTERNAL_ID_LEN * c0,
        )
        if len(_PREFIXES) >= _MAX_PREFIXES:
            _PREFIXES.clear()
        _PREFIXES[table_number] = prefix
    return prefix


def _encode(prefix: _Prefix, internal_id: bytes) -> str:
    head, n_bytes, c0, c1 = prefix
    # fletcher16 continued over the internal id from the VInt's state.
    sums = adler32(internal_id, 0)  # exact: see _byte_sums
    footer = ((((c1 + (sums >> 16)) & 0xFF) << 8) | ((c0 + sums) & 0xFF)) ^ ID_VERSION
    number = (
        head
        | (int.from_bytes(internal_id, "big") << (8 * _FOOTER_LEN))
        | ((footer & 0xFF) << 8)  # the footer is little-endian
        | (footer >> 8)
    )
    return _base32_int(number, n_bytes)


def _invalid(reason: str) -> errors.InvalidIdError:
    return errors.InvalidIdError(errors.ID_DECODE.format(reason=reason))


def encode_id(table_number: int, internal_id: bytes) -> str:
    """Encode a table number (1..2**32-1) and a 16-byte internal id as an ID string."""
    if (
        isinstance(table_number, bool)
        or not isinstance(table_number, int)
        or not 0 < table_number <= MAX_TABLE_NUMBER
    ):
        raise errors.InvalidIdError(errors.ID_BAD_TABLE_NUMBER.format(value=table_number))
    if not isinstance(internal_id, (bytes, bytearray)) or len(internal_id) != INTERNAL_ID_LEN:
        raise errors.InvalidIdError(errors.ID_BAD_INTERNAL.format(value=internal_id))
    return _encode(_prefix(table_number), bytes(internal_id))


def decode_id(s: str) -> DecodedId:
    """Decode an ID string, raising :class:`InvalidIdError` with Convex's wording."""
    if not isinstance(s, str):
        raise _invalid(f"expected a string, got {type(s).__name__}")
    length = len(s.encode("utf-8", "surrogatepass"))
    # Length first, so that huge strings fail fast (as in the backend).
    if not _MIN_ID_LEN <= length <= _MAX_ID_LEN:
        raise _invalid(f"Invalid ID length {length}")
    if _VALID_CHARS.fullmatch(s) is None:
        raise _invalid("ID wasn't valid base32")
    # The checks and texts below follow the backend's decoder step by step ...
    data = _base32_decode(s)
    table_number = 0
    pos = 0
    while True:
        if pos >= 5 or pos >= len(data):
            raise _invalid("Invalid table number")
        byte = data[pos]
        table_number |= (byte & 0x7F) << (7 * pos)
        pos += 1
        if byte < 0x80:
            break
    if table_number == 0:
        raise _invalid("Invalid table number")
    end = pos + INTERNAL_ID_LEN + _FOOTER_LEN
    if len(data) < end:
        raise _invalid(f"Invalid ID length {length}")
    expected = _fletcher16(data[: pos + INTERNAL_ID_LEN]) ^ ID_VERSION
    footer = int.from_bytes(data[pos + INTERNAL_ID_LEN : end], "little")
    if footer != expected:
        raise _invalid(f"Invalid ID version {footer} (expected {expected})")
    if len(data) != end:
        raise _invalid(f"Invalid ID length {length}")
    # ... and then we are stricter: only the canonical spelling is an ID.
    if table_number > MAX_TABLE_NUMBER or _vint(table_number) != data[:pos]:
        raise _invalid("Invalid table number")
    if _encoded_len(len(data)) != length:
        raise _invalid(f"Invalid ID length {length}")
    if _base32_encode(data) != s:
        raise _invalid("ID wasn't valid base32")
    return DecodedId(table_number, data[pos : pos + INTERNAL_ID_LEN])


def table_number_of(s: str) -> int | None:
    """The table number of a valid ID string, else ``None`` (never raises)."""
    try:
        return decode_id(s).table_number
    except errors.InvalidIdError:
        return None


def is_id(s: object) -> bool:
    """Whether ``s`` is a string in the canonical Convex ID format."""
    return isinstance(s, str) and table_number_of(s) is not None


# Convex ends the internal id with the creation day (days since the Unix epoch,
# big-endian).  The mock never reads the clock, so every ID carries one fixed day:
# 2025-01-01.
_ID_DAY: Final = 20089


class IdGenerator:
    """Deterministic source of fresh IDs for one backend.

    The n-th call returns the same ID for the same seed and table number, whatever the
    clock or process, so a test always sees the same IDs.  Like Convex's, the IDs are
    random-looking (14 random bytes, then the day): they are not ordered by insertion.
    """

    __slots__ = ("_getrandbits", "_rng", "_seed")

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._getrandbits = self._rng.getrandbits

    def new_id(self, table_number: int) -> str:
        """A fresh ID for ``table_number``."""
        prefix = _PREFIXES.get(table_number) if type(table_number) is int else None
        if prefix is None:
            encode_id(table_number, bytes(INTERNAL_ID_LEN))  # checks the number
            prefix = _prefix(table_number)
        # _encode(prefix, internal) and _base32_int inlined (one call per insert).
        head, n_bytes, c0, c1 = prefix
        number = (self._getrandbits(112) << 16) | _ID_DAY
        sums = adler32(number.to_bytes(INTERNAL_ID_LEN, "big"), 0)  # exact: see _byte_sums
        footer = ((((c1 + (sums >> 16)) & 0xFF) << 8) | ((c0 + sums) & 0xFF)) ^ ID_VERSION
        number = head | (number << (8 * _FOOTER_LEN)) | ((footer & 0xFF) << 8) | (footer >> 8)
        pad, steps, width, first = _BASE32_PLANS[n_bytes]
        number <<= pad
        for low, high, shift in steps:
            number = (number & low) | ((number & high) << shift)
        return number.to_bytes(width, "big")[first:].translate(_GROUPS_TO_TEXT).decode("ascii")

    def __repr__(self) -> str:
        return f"IdGenerator(seed={self._seed!r})"
