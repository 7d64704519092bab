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

import base64
import random
import re
from typing import Final, NamedTuple

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
_RFC_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Base32 is RFC 4648's bit packing with another alphabet: reuse the C implementation.
_TO_CONVEX: Final = bytes.maketrans(_RFC_ALPHABET.encode(), _ALPHABET.encode())
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


def _base32_encode(data: bytes) -> str:
    return base64.b32encode(data).translate(_TO_CONVEX).rstrip(b"=").decode("ascii")


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
    c0 = c1 = 0
    for byte in data:
        c0 = (c0 + byte) & 0xFF
        c1 = (c1 + c0) & 0xFF
    return (c1 << 8) | c0


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
    body = _vint(table_number) + bytes(internal_id)
    footer = (_fletcher16(body) ^ ID_VERSION).to_bytes(2, "little")
    return _base32_encode(body + footer)


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

    __slots__ = ("_rng", "_seed")

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._rng = random.Random(seed)

    def new_id(self, table_number: int) -> str:
        """A fresh ID for ``table_number``."""
        internal = self._rng.getrandbits(112).to_bytes(14, "big") + _ID_DAY.to_bytes(2, "big")
        return encode_id(table_number, internal)

    def __repr__(self) -> str:
        return f"IdGenerator(seed={self._seed!r})"
