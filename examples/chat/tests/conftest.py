"""Shared helpers for the chat app's tests.

The `t` fixture comes from the convex_test pytest plugin; `convex_functions` in
pyproject.toml points it at examples/chat/convex.
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import api


@pytest.fixture
def alice(t: Any) -> Any:
    """`t` signed in as Alice, with her user document created."""
    as_alice = t.with_identity(name="Alice", email="alice@example.com")
    as_alice.mutation(api.users.store)
    return as_alice


@pytest.fixture
def bob(t: Any) -> Any:
    as_bob = t.with_identity(name="Bob")
    as_bob.mutation(api.users.store)
    return as_bob


@pytest.fixture
def general(alice: Any) -> str:
    """A channel named "general" owned by Alice."""
    channel_id: str = alice.mutation(api.channels.create, {"name": "General"})
    return channel_id
