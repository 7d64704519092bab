"""Convex v6 document IDs: codec and the deterministic generator (convex_test/ids.py)."""

from __future__ import annotations

import base64
import datetime
import random
from typing import Any

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, InvalidIdError
from convex_test.ids import (
    DecodedId,
    IdGenerator,
    decode_id,
    encode_id,
    is_id,
    table_number_of,
)

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
SAMPLE = "kg27rxfv99gzp01wmph0gvt92d6hnvy6"  # a real ID from a Convex app

table_numbers = st.integers(1, 2**32 - 1)
internal_ids = st.binary(min_size=16, max_size=16)


def _base32(data: bytes) -> str:
    """Independent reference encoder: MSB-first 5-bit groups, zero-filled, no padding."""
    bits = "".join(f"{b:08b}" for b in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def _fletcher16(data: bytes) -> int:
    c0 = c1 = 0
    for b in data:
        c0 = (c0 + b) % 256
        c1 = (c1 + c0) % 256
    return c1 * 256 + c0


def _raw_id(body: bytes, *, footer: int | None = None) -> str:
    """An ID string for arbitrary bytes before the footer (valid checksum by default)."""
    if footer is None:
        footer = _fletcher16(body)
    return _base32(body + footer.to_bytes(2, "little"))


def test_real_sample_decodes_to_table_540() -> None:
    decoded = decode_id(SAMPLE)
    assert decoded.table_number == 540
    assert len(decoded.internal_id) == 16
    assert encode_id(*decoded) == SAMPLE


def test_backend_stability_vector() -> None:
    # crates/value/src/id_v6.rs test_document_id_stability
    internal = [251]
    for _ in range(15):
        internal.append(internal[-1] * 251 % 256)
    assert encode_id(1017, bytes(internal)) == "z43zp6c3e75gkmz1kfwj6mbbx5sw281h"


@pytest.mark.parametrize(
    ("table_number", "length"),
    [
        (1, 31),
        (127, 31),
        (128, 32),
        (10001, 32),
        (16383, 32),
        (16384, 34),
        (2**21 - 1, 34),
        (2**21, 36),
        (2**28, 37),
        (2**32 - 1, 37),
    ],
)
def test_id_length_by_table_number(table_number: int, length: int) -> None:
    assert len(encode_id(table_number, bytes(16))) == length


@given(table_numbers, internal_ids)
def test_round_trip(table_number: int, internal: bytes) -> None:
    text = encode_id(table_number, internal)
    assert set(text) <= set(ALPHABET)
    assert decode_id(text) == DecodedId(table_number, internal)
    assert table_number_of(text) == table_number
    assert is_id(text)


@given(table_numbers, internal_ids)
def test_matches_reference_encoder(table_number: int, internal: bytes) -> None:
    vint = bytearray()
    n = table_number
    while True:
        if n < 128:
            vint.append(n)
            break
        vint.append(n % 128 + 128)
        n //= 128
    assert encode_id(table_number, internal) == _raw_id(bytes(vint) + internal)


@given(table_numbers, internal_ids, st.data())
def test_any_single_character_change_is_rejected(
    table_number: int, internal: bytes, data: st.DataObject
) -> None:
    text = encode_id(table_number, internal)
    pos = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != text[pos]))
    with pytest.raises(InvalidIdError, match=r"^Unable to decode ID: "):
        decode_id(text[:pos] + char + text[pos + 1 :])


@given(table_numbers, internal_ids, st.data())
def test_truncation_and_extension_are_rejected(
    table_number: int, internal: bytes, data: st.DataObject
) -> None:
    text = encode_id(table_number, internal)
    cut = data.draw(st.integers(0, len(text) - 1))
    extra = data.draw(st.text(ALPHABET, min_size=1, max_size=3))
    # (Dropping or adding characters at the front shifts every bit: such a string is
    # rejected only with probability 1 - 2**-16, so those cases are fixed examples below.)
    for bad in (text[:cut], text + extra):
        assert table_number_of(bad) is None
        with pytest.raises(InvalidIdError):
            decode_id(bad)


@given(st.text(max_size=40))
def test_garbage_never_raises_anything_else(text: str) -> None:
    try:
        decoded = decode_id(text)
    except InvalidIdError as error:
        assert str(error).startswith("Unable to decode ID: ")
        assert table_number_of(text) is None
    else:
        assert encode_id(*decoded) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Invalid ID length 0"),
        ("x" * 30, "Invalid ID length 30"),
        ("x" * 38, "Invalid ID length 38"),
        ("x" * 10_000, "Invalid ID length 10000"),
        (SAMPLE.upper(), "ID wasn't valid base32"),
        (SAMPLE[:-1] + "i", "ID wasn't valid base32"),  # Crockford excludes i, l, o, u
        (SAMPLE[:-1] + "l", "ID wasn't valid base32"),
        (SAMPLE[:10] + "é" + SAMPLE[11:], "ID wasn't valid base32"),
        ("é" * 16, "ID wasn't valid base32"),  # 32 UTF-8 bytes, like the backend counts
        (SAMPLE + "0", "Invalid ID length 33"),  # decodes to the same bytes: not canonical
        (SAMPLE[:-1], "Invalid ID length 31"),
        (SAMPLE[1:], "Invalid ID length 31"),
        ("0" + SAMPLE, "Invalid ID version 55144 (expected 57967)"),
        # backend regression input: the table number takes two bytes, leaving no footer
        ("sssswsgggggggggsgcsssfafffsffks", "Invalid ID length 31"),
        ("0" * 32, "Invalid table number"),
        ("z" * 37, "Invalid table number"),  # VInt longer than five bytes
    ],
)
def test_decode_error_texts(text: str, message: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        decode_id(text)
    assert str(info.value) == f"Unable to decode ID: {message}"
    assert isinstance(info.value, ConvexTestError)


def test_wrong_checksum_reports_the_version_text() -> None:
    body = bytes([0x91, 0x4E]) + bytes(range(16))  # table 10001
    good = _fletcher16(body)
    with pytest.raises(InvalidIdError) as info:
        decode_id(_raw_id(body, footer=good ^ 1))
    assert (
        str(info.value) == f"Unable to decode ID: Invalid ID version {good ^ 1} (expected {good})"
    )
    assert decode_id(_raw_id(body)).table_number == 10001


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (bytes([0]) + bytes(16), "Invalid table number"),  # table number 0
        (bytes([0x85, 0x00]) + bytes(16), "Invalid table number"),  # overlong VInt for 5
        (bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) + bytes(16), "Invalid table number"),  # > u32
    ],
)
def test_non_canonical_table_numbers_are_rejected(body: bytes, message: str) -> None:
    with pytest.raises(InvalidIdError, match=message):
        decode_id(_raw_id(body))


def test_non_zero_padding_bits_are_rejected() -> None:
    text = encode_id(5, bytes(16))  # 19 bytes: the last character carries 3 padding bits
    assert len(text) == 31
    last = ALPHABET.index(text[-1])
    padded = text[:-1] + ALPHABET[last | 1]
    with pytest.raises(InvalidIdError, match="ID wasn't valid base32"):
        decode_id(padded)


@pytest.mark.parametrize("bad", [None, 123, b"kg27rxfv99gzp01wmph0gvt92d6hnvy6", ["x"]])
def test_non_strings(bad: Any) -> None:
    with pytest.raises(InvalidIdError, match="Unable to decode ID"):
        decode_id(bad)
    assert table_number_of(bad) is None
    assert not is_id(bad)


@pytest.mark.parametrize(
    ("table_number", "internal"),
    [
        (0, bytes(16)),
        (-1, bytes(16)),
        (2**32, bytes(16)),
        (True, bytes(16)),
        ("1", bytes(16)),
        (1, bytes(15)),
        (1, bytes(17)),
        (1, "x" * 16),
    ],
)
def test_encode_rejects_bad_parts(table_number: Any, internal: Any) -> None:
    with pytest.raises(InvalidIdError):
        encode_id(table_number, internal)


class TestIdGenerator:
    def test_same_calls_same_ids(self) -> None:
        calls = [10001, 10001, 10002, 10001, 540]
        a, b = IdGenerator(), IdGenerator()
        assert [a.new_id(t) for t in calls] == [b.new_id(t) for t in calls]

    def test_seed_matters(self) -> None:
        assert IdGenerator(1).new_id(10001) != IdGenerator(2).new_id(10001)

    def test_ids_are_valid_for_their_table(self) -> None:
        gen = IdGenerator(7)
        for table in (1, 10001, 10050, 2**32 - 1):
            assert decode_id(gen.new_id(table)).table_number == table

    def test_user_table_ids_are_32_characters(self) -> None:
        gen = IdGenerator()
        assert {len(gen.new_id(t)) for t in range(10001, 10100)} == {32}

    def test_unique_and_not_ordered_by_insertion(self) -> None:
        gen = IdGenerator()
        ids = [gen.new_id(10001) for _ in range(2000)]
        assert len(set(ids)) == len(ids)
        assert ids != sorted(ids)

    def test_independent_of_clock_and_global_random(self) -> None:
        with time_machine.travel(datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)):
            random.seed(1)
            first = [IdGenerator(3).new_id(10001) for _ in range(3)]
        with time_machine.travel(datetime.datetime(2040, 6, 1, tzinfo=datetime.UTC)):
            random.seed(2)
            second = [IdGenerator(3).new_id(10001) for _ in range(3)]
        assert first == second

    def test_instances_are_independent(self) -> None:
        a, b = IdGenerator(), IdGenerator()
        first = a.new_id(10001)
        for _ in range(5):
            b.new_id(10001)
        assert IdGenerator().new_id(10001) == first

    def test_internal_id_ends_with_a_day_number(self) -> None:
        internal = decode_id(IdGenerator().new_id(10001)).internal_id
        day = int.from_bytes(internal[14:], "big")
        assert datetime.date(1970, 1, 1) + datetime.timedelta(days=day) == datetime.date(2025, 1, 1)


def test_reference_base32_agrees_with_stdlib_alphabet_swap() -> None:
    data = bytes(range(23))
    rfc = base64.b32encode(data).decode().rstrip("=")
    table = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
    assert _base32(data) == rfc.translate(table)


@given(st.binary(max_size=40))
def test_checksum_matches_the_reference_fletcher16_at_every_length(data: bytes) -> None:
    # The codec reads both sums off Adler-32, exact up to 22 bytes; longer data falls back.
    from convex_test.ids import _fletcher16 as codec_fletcher16

    assert codec_fletcher16(data) == _fletcher16(data)


@given(table_numbers, st.integers(0, 2**64))
def test_generated_ids_decode_and_reencode(table_number: int, seed: int) -> None:
    new = IdGenerator(seed).new_id(table_number)
    decoded = decode_id(new)
    assert decoded.table_number == table_number
    assert _raw_id(_vint_bytes(table_number) + decoded.internal_id) == new


def _vint_bytes(n: int) -> bytes:
    """Reference LEB128: 7-bit groups, least significant first, high bit = "more"."""
    groups = [(n >> shift) & 0x7F for shift in range(0, max(n.bit_length(), 1), 7)]
    return bytes([*(g | 0x80 for g in groups[:-1]), groups[-1]])
