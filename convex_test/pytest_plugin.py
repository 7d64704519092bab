"""pytest plugin: the ``t`` fixture, ini options, the ``convex`` marker and failure reports.

Configure once in ``pyproject.toml``::

    [tool.pytest.ini_options]
    convex_functions = "convex"          # functions dir, dotted package, default "convex"
    convex_schema = "myapp.schema:schema" # optional; default: the functions dir's schema.py

and override per test, class or module (the closest marker wins)::

    @pytest.mark.convex(functions="tests/apps/other", schema=None, identity={"name": "Ada"})
"""

from __future__ import annotations

import importlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from convex_test.errors import ConvexTestError
from convex_test.values.display import safe_repr

_BACKEND_KEY = pytest.StashKey[Any]()
_UNSET: Any = object()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "convex_functions",
        "Convex functions for the `t` fixture: a directory (relative to the rootdir), a "
        "dotted package name or 'package.module'. Default: convex",
        default="convex",
    )
    parser.addini(
        "convex_schema",
        "Optional schema for the `t` fixture as 'module:attribute' (default: the functions "
        "dir's schema.py).",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "convex(functions=None, schema=None, identity=None): configure the `t` fixture "
        "(functions dir or package, schema object or 'module:attr', default identity).",
    )


def _load_object(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    if not attr:
        module_name, _, attr = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConvexTestError(
            f"convex_schema {spec!r} could not be loaded ({exc}). Use 'module:attribute'."
        ) from exc


def _resolve_functions(value: Any, rootpath: Path) -> Any:
    if not isinstance(value, str):
        return value
    candidate = Path(value)
    if not candidate.is_absolute():
        candidate = rootpath / candidate
    if candidate.is_dir():
        return candidate
    return value  # a dotted package name


@pytest.fixture
def t(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh in-memory Convex backend for this test (see ``convex_test.convex_test``)."""
    from convex_test.harness import ConvexTest, convex_test

    config = request.config
    marker = request.node.get_closest_marker("convex")
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    unknown = set(kwargs) - {"functions", "schema", "identity"}
    if unknown or (marker is not None and marker.args):
        raise pytest.UsageError(
            "@pytest.mark.convex takes only keyword arguments functions=, schema=, identity=; "
            f"got {sorted(unknown) or list(marker.args if marker else ())}"
        )
    functions = kwargs.get("functions", _UNSET)
    if functions is _UNSET:
        functions = config.getini("convex_functions") or "convex"
    modules = _resolve_functions(functions, config.rootpath) if functions is not None else None
    schema = kwargs.get("schema", _UNSET)
    if schema is _UNSET:
        schema_spec = config.getini("convex_schema")
        schema = _load_object(schema_spec) if schema_spec else None
    elif isinstance(schema, str):
        schema = _load_object(schema)
    tester: ConvexTest = convex_test(schema, modules, capture_output=True)
    request.node.stash[_BACKEND_KEY] = tester.backend
    identity = kwargs.get("identity")
    yield tester.with_identity(identity) if identity else tester


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    backend = item.stash.get(_BACKEND_KEY, None)
    if backend is not None and report.failed and backend.calls:
        report.sections.append(("Convex function calls", format_calls(backend.calls)))
    return report


def format_calls(calls: list[Any]) -> str:
    """The failure-report section: one block per top-level call with its output."""
    lines: list[str] = []
    for index, record in enumerate(calls, 1):
        # One space plus at most 299 characters: the whole args text stays within 300.
        args = "" if record.args is None else f" {safe_repr(record.args, 299)}"
        lines.append(
            f"{index}. {record.kind} {record.path}{args} -> {record.outcome} "
            f"({record.duration_ms:.2f} ms)"
        )
        lines.extend(f"     | {line}" for line in record.output)
    return "\n".join(lines)
