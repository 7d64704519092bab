"""Fixtures for the ports of the JS convex-test scenarios (see README.md here).

``parity_app`` mirrors the JS fixture dir ``convex/`` (its ``messages`` schema and
function modules); ``parity_counter`` is the JS counter component.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from convex_test import ConvexTest, convex_test

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
APP = FIXTURES / "parity_app"
COUNTER = FIXTURES / "parity_counter"


def make_t() -> ConvexTest:
    """``convexTest(schema)`` of the JS suite."""
    return convex_test(modules=APP)


def with_counter() -> ConvexTest:
    """``testWithCounter()``: the app with the counter component mounted as "counter"."""
    t = make_t()
    t.register_component("counter", modules=COUNTER)
    return t


def with_two_counters() -> ConvexTest:
    """``testWithTwoCounters()``: two independent mounts, "counter" and "counter2"."""
    t = with_counter()
    t.register_component("counter2", modules=COUNTER)
    return t


@pytest.fixture
def t() -> ConvexTest:
    return make_t()
