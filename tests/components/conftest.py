"""Fixtures for the component tests: an app plus the "tally" component.

Apps and components live in tests/fixtures/apps: ``component_tally`` (a leaf component
with its own schema), ``component_ledger`` (a component whose convex_config.py mounts a
tally of its own), ``components_app`` (an app that calls them; registered by hand here)
and ``components_app_config`` (an app whose convex_config.py mounts both).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from convex_test import ConvexTest, convex_test

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
TALLY = FIXTURES / "component_tally"
LEDGER = FIXTURES / "component_ledger"
APP = FIXTURES / "components_app"
APP_CONFIG = FIXTURES / "components_app_config"


@pytest.fixture
def t() -> ConvexTest:
    """``components_app`` with the tally component mounted as "tally"."""
    tester = convex_test(modules=APP)
    tester.register_component("tally", modules=TALLY)
    return tester


@pytest.fixture
def t2(t: ConvexTest) -> ConvexTest:
    """Like ``t``, with a second, independent mount of the same component ("tally2")."""
    t.register_component("tally2", modules=TALLY)
    return t
