from __future__ import annotations

import hashlib
import importlib
import shutil
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from convex_test.discovery import SYNTHETIC_PREFIX, LoadedApp, load_modules, module_files
from convex_test.errors import ConvexTestError
from convex_test.functions import AppDefinition, FunctionDefinition, api
from convex_test.schema.definition import SchemaDefinition

APPS = Path(__file__).parent / "fixtures" / "apps"

BASIC_PATHS = [
    "admin/deep/nested:default",
    "admin/users:SEND",
    "admin/users:ban",
    "admin/users:notify",
    "admin/users:send",
    "messages:count",
    "messages:functional",
    "messages:list_all",
    "messages:send",
    "messages:send_alias",
    "reexports:send",
]


@pytest.fixture(autouse=True)
def _forget_test_packages() -> Iterator[None]:
    """Drop the packages a test imported from tmp_path so sys.modules does not grow."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith((SYNTHETIC_PREFIX, "ctfix_")):
            del sys.modules[name]


def copy_app(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    target = tmp_path / (as_name or name)
    shutil.copytree(APPS / name, target)
    return target


def write_app(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


# ---------------------------------------------------------------------------
# The basic app
# ---------------------------------------------------------------------------


def test_registers_every_exported_function(tmp_path: Path) -> None:
    app = load_modules(copy_app("basic", tmp_path))
    assert isinstance(app, LoadedApp)
    assert app.registry.paths() == BASIC_PATHS
    assert app.root == (tmp_path / "basic").resolve()
    assert app.schema is app.http is app.crons is app.app is None
    assert list(app.modules) == [
        "admin/deep/nested",
        "admin/users",
        "helpers",
        "messages",
        "reexports",
    ]


def test_kinds_and_visibility(tmp_path: Path) -> None:
    registry = load_modules(copy_app("basic", tmp_path)).registry
    assert registry.resolve("admin/users:ban").kind == "mutation"
    assert registry.resolve("admin/users:ban").visibility == "internal"
    assert registry.resolve(api.admin.users.notify).kind == "action"
    assert registry.resolve("messages:count").is_async is True
    assert registry.resolve("messages:functional").accepts_args is False


def test_nested_namespace_folder_and_default_export(tmp_path: Path) -> None:
    registry = load_modules(copy_app("basic", tmp_path)).registry
    nested = registry.resolve("admin/deep/nested")
    assert nested is registry.resolve(api.admin.deep.nested.default)
    assert nested.path == "admin/deep/nested:default"


def test_private_names_init_files_and_non_functions_are_skipped(tmp_path: Path) -> None:
    # _private_mod.py and _private_dir/hidden.py raise if imported, so loading at all
    # proves they were skipped.
    app = load_modules(copy_app("basic", tmp_path))
    assert "messages:_private" not in app.registry
    assert "messages:NOT_A_FUNCTION" not in app.registry
    assert not any(p.startswith("admin:") for p in app.registry)  # admin/__init__.py
    admin = sys.modules[app.package + ".admin"]
    assert admin.INIT_RAN is True
    assert isinstance(admin.in_init, FunctionDefinition)
    assert admin.in_init not in app.registry


def test_aliases_share_the_object_and_keep_the_defining_path(tmp_path: Path) -> None:
    app = load_modules(copy_app("basic", tmp_path))
    send = app.registry.resolve("messages:send")
    for alias in ("messages:send_alias", "reexports:send", "admin/users:send", "admin/users:SEND"):
        assert app.registry.resolve(alias) is send
    assert send.path == "messages:send"
    assert app.registry.path_of(send) == "messages:send"


def test_imported_function_is_the_registered_object(tmp_path: Path) -> None:
    app = load_modules(copy_app("basic", tmp_path))
    send = app.registry.resolve("messages:send")
    assert app.modules["admin/users"].SEND is send
    messages = importlib.import_module(app.package + ".messages")
    assert messages.send is send
    assert messages is app.modules["messages"]
    # The handler's relative import of helpers works.
    assert send.handler(None, {"body": "hi"}) == "HI"


def test_synthetic_package_name_is_deterministic_and_cached(tmp_path: Path) -> None:
    root = copy_app("basic", tmp_path)
    first = load_modules(root)
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    assert first.package == SYNTHETIC_PREFIX + digest
    second = load_modules(str(root))
    assert second.package == first.package
    assert second.registry is not first.registry
    assert second.registry.items() == first.registry.items()  # the very same objects
    assert second.modules["messages"] is first.modules["messages"]
    other = load_modules(copy_app("basic", tmp_path, as_name="basic2"))
    assert other.package != first.package
    assert other.registry.resolve("messages:send") is not first.registry.resolve("messages:send")


def test_fixture_dir_in_place_loads(tmp_path: Path) -> None:
    # Whatever package name it gets (real or synthetic), the in-repo fixture loads.
    app = load_modules(APPS / "basic")
    assert app.registry.paths() == BASIC_PATHS
    assert app.modules["messages"].__name__ == app.package + ".messages"


# ---------------------------------------------------------------------------
# Regular packages, dotted names, module objects
# ---------------------------------------------------------------------------


def test_regular_package_with_relative_imports(tmp_path: Path) -> None:
    app = load_modules(copy_app("pkg_app", tmp_path))
    assert app.registry.paths() == ["sub/models:kinds", "tasks:add", "tasks:get"]
    package = sys.modules[app.package]
    assert app.package == package.LOADED_AS  # the root __init__.py ran as the package
    assert app.registry.resolve("tasks:add").handler(None, {"text": " Hi "}) == "hitask"


def test_importable_directory_prefers_the_real_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    root = copy_app("pkg_app", site, as_name="ctfix_real_app")
    monkeypatch.syspath_prepend(str(site))
    app = load_modules(root)
    assert app.package == "ctfix_real_app"
    from ctfix_real_app.tasks import add  # type: ignore[import-not-found]

    assert app.registry.resolve("tasks:add") is add


def test_namespace_package_directory_on_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    root = copy_app("basic", site / "ctfix_project", as_name="convex")
    monkeypatch.syspath_prepend(str(site))
    app = load_modules(root)
    assert app.package == "ctfix_project.convex"
    module = importlib.import_module("ctfix_project.convex.messages")
    assert module.send is app.registry.resolve(api.messages.send)


def test_dotted_name_and_module_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_app("pkg_app", tmp_path, as_name="ctfix_dotted_app")
    monkeypatch.syspath_prepend(str(tmp_path))
    by_name = load_modules("ctfix_dotted_app")
    assert by_name.package == "ctfix_dotted_app"
    assert by_name.root == (tmp_path / "ctfix_dotted_app").resolve()
    package = importlib.import_module("ctfix_dotted_app")
    by_module = load_modules(package)
    assert by_module.package == "ctfix_dotted_app"
    assert by_module.registry.items() == by_name.registry.items()
    from ctfix_dotted_app.sub.models import kinds  # type: ignore[import-not-found]

    assert by_module.registry.resolve("sub/models:kinds") is kinds


def test_dotted_name_of_a_subpackage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_app("pkg_app", tmp_path, as_name="ctfix_outer")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = load_modules("ctfix_outer.sub")
    assert app.registry.paths() == ["models:kinds"]


def test_plain_module_is_rejected() -> None:
    with pytest.raises(ConvexTestError, match="'textwrap' is a plain module"):
        load_modules(textwrap)
    with pytest.raises(ConvexTestError, match="'textwrap' is a plain module"):
        load_modules("textwrap")


def test_namespace_package_spanning_directories(tmp_path: Path) -> None:
    module = types.ModuleType("ctfix_ns")
    module.__path__ = [str(tmp_path / "a"), str(tmp_path / "b")]
    with pytest.raises(ConvexTestError, match="spans several directories"):
        load_modules(module)


@pytest.mark.parametrize("modules", ["ctfix_no_such_dir", "no/such/dir", "ctfix.missing.pkg"])
def test_missing_functions_dir(modules: str) -> None:
    with pytest.raises(ConvexTestError, match="Could not find the functions directory or package"):
        load_modules(modules)


@pytest.mark.parametrize("modules", [5, None, b"convex", ["convex"]])
def test_modules_argument_type(modules: object) -> None:
    with pytest.raises(ConvexTestError, match="modules= must be a functions directory"):
        load_modules(modules)  # type: ignore[arg-type]


def test_missing_import_inside_a_named_package_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_app(tmp_path / "ctfix_bad_init", {"__init__.py": "import ctfix_not_there\n"})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="ctfix_not_there"):
        load_modules("ctfix_bad_init")


# ---------------------------------------------------------------------------
# Special modules
# ---------------------------------------------------------------------------


def test_special_modules(tmp_path: Path) -> None:
    copy_app("component_counter", tmp_path)
    app = load_modules(copy_app("specials", tmp_path))
    assert isinstance(app.schema, SchemaDefinition)
    assert app.http == {"router": "stand-in"}
    assert app.crons == ["stand-in"]
    assert isinstance(app.app, AppDefinition)
    (counter,) = app.app.components
    assert counter.name == "counter"
    assert counter.resolved_modules() == (tmp_path / "component_counter").resolve()
    # Functions in special modules are registered like any other.
    assert app.registry.paths() == ["crons:cleanup", "http:hello"]
    assert app.registry.resolve("http:hello").kind == "http_action"
    component = load_modules(counter.resolved_modules(), namespace="counter")
    assert component.registry.namespace == "counter"
    assert component.registry.paths() == ["lib:add", "lib:count"]


def test_special_modules_only_count_at_the_root(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", {"admin/schema.py": "schema = 5\n", "admin/http.py": ""})
    app = load_modules(root)
    assert app.schema is None and app.http is None


@pytest.mark.parametrize(
    ("file", "attribute"),
    [
        ("schema.py", "schema"),
        ("http.py", "http"),
        ("crons.py", "crons"),
        ("convex_config.py", "app"),
    ],
)
def test_special_module_must_define_its_object(tmp_path: Path, file: str, attribute: str) -> None:
    root = write_app(tmp_path / "app", {file: "other = 1\n"})
    with pytest.raises(
        ConvexTestError, match=rf"{file} in the functions directory .* must define `{attribute}`"
    ):
        load_modules(root)


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("schema.py", "schema = {'messages': None}\n", "a SchemaDefinition"),
        ("convex_config.py", "app = object()\n", "an AppDefinition"),
    ],
)
def test_special_object_types(tmp_path: Path, file: str, text: str, expected: str) -> None:
    root = write_app(tmp_path / "app", {file: text})
    with pytest.raises(ConvexTestError, match=f"must be {expected}"):
        load_modules(root)


# ---------------------------------------------------------------------------
# What is scanned
# ---------------------------------------------------------------------------

_FAIL = "raise AssertionError('must not be imported')\n"
_FN = "from convex_test.functions import query\n\n@query\ndef f(ctx, args):\n    return None\n"


def test_skipped_files_and_folders(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "app",
        {
            "ok.py": _FN,
            "test_ok.py": _FAIL,
            "ok_test.py": _FAIL,
            "conftest.py": _FAIL,
            "_private.py": _FAIL,
            ".hidden.py": _FAIL,
            "two.dots.py": _FAIL,
            "data.json": "{}",
            ".hidden/x.py": _FAIL,
            "_private/x.py": _FAIL,
            "__pycache__/x.py": _FAIL,
            "dotted.dir/x.py": _FAIL,
            "sub/inner.py": _FN,
            "sub/__init__.py": "",
        },
    )
    assert [p for p, _ in module_files(root)] == ["ok", "sub/inner"]
    assert load_modules(root).registry.paths() == ["ok:f", "sub/inner:f"]


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", {"a.py": _FN})
    (root / "loop").symlink_to(root, target_is_directory=True)
    assert [p for p, _ in module_files(root)] == ["a"]


def test_new_files_are_picked_up_on_the_next_load(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", {"a.py": _FN})
    assert load_modules(root).registry.paths() == ["a:f"]
    write_app(root, {"b.py": _FN})
    assert load_modules(root).registry.paths() == ["a:f", "b:f"]


def test_empty_directory(tmp_path: Path) -> None:
    app = load_modules(tmp_path)
    assert len(app.registry) == 0
    with pytest.raises(ConvexTestError, match="No functions are registered"):
        app.registry.resolve("messages:send")


# ---------------------------------------------------------------------------
# Import errors
# ---------------------------------------------------------------------------


def test_import_error_gets_a_note_naming_the_file(tmp_path: Path) -> None:
    root = copy_app("broken_import", tmp_path)
    with pytest.raises(ModuleNotFoundError) as info:
        load_modules(root)
    (note,) = info.value.__notes__
    assert "functions module 'bad'" in note
    assert str(root.resolve() / "bad.py") in note
    # The failed module is not cached: loading again fails the same way.
    with pytest.raises(ModuleNotFoundError):
        load_modules(root)


def test_syntax_error_gets_a_note(tmp_path: Path) -> None:
    root = copy_app("broken_syntax", tmp_path)
    with pytest.raises(SyntaxError) as info:
        load_modules(root)
    assert any("bad.py" in note for note in info.value.__notes__)


def test_error_in_the_root_init_of_a_synthetic_package(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", {"__init__.py": "raise RuntimeError('boom')\n"})
    with pytest.raises(RuntimeError, match="boom") as info:
        load_modules(root)
    assert any("__init__.py" in note for note in info.value.__notes__)
    assert not any(
        getattr(m, "__path__", None) == [str(root.resolve())] for m in list(sys.modules.values())
    )
    write_app(root, {"__init__.py": "", "a.py": _FN})
    assert load_modules(root).registry.paths() == ["a:f"]


def test_error_raised_by_a_nested_import_names_the_importing_module(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "app",
        {"a.py": "from . import b\n", "b.py": "raise ValueError('in b')\n"},
    )
    with pytest.raises(ValueError, match="in b") as info:
        load_modules(root)
    assert any("'a'" in note for note in info.value.__notes__)
