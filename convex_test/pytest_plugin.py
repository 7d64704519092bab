"""pytest plugin: the ``t`` fixture, ini options and the ``convex`` marker."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("convex_functions", "Convex functions dir, package or module.", default="convex")
    parser.addini("convex_schema", "Dotted path to a schema object (optional).", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "convex(functions=None, schema=None, identity=None): configure the `t` fixture.",
    )
