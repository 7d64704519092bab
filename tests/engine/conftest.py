"""Fixtures for the engine tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.support import Engine, messages_schema


@pytest.fixture
def engine() -> Iterator[Engine]:
    yield Engine()


@pytest.fixture
def schema_engine() -> Iterator[Engine]:
    yield Engine(messages_schema())
