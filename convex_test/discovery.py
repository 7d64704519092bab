"""Loading a functions directory (``convex/``) into a :class:`FunctionRegistry`.

Every ``.py`` file under the root is imported as a submodule of one package, so relative
imports between app modules work and a function reached by a plain import is the very
object discovery registered.  The package is

* the real one when the directory is importable from ``sys.path`` (or the caller passes a
  dotted name or a package object), so ``from convex.messages import send`` in a test
  yields the registered object;
* otherwise a synthetic top-level package ``_convex_app_<hash of the resolved path>``
  placed in ``sys.modules``.  The name depends only on the path, so every test that loads
  the same directory reuses the imported modules.

Skipped: ``__pycache__`` and every file or directory whose name starts with ``_`` or
``.`` (``__init__.py`` files are imported as packages but are not function modules),
names that cannot be module names (a ``.`` in the stem), and test files
(``test_*.py``, ``*_test.py``, ``conftest.py``), which live beside functions the way JS
``*.test.ts`` files do.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import keyword
import os
import sys
import threading
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from convex_test import errors
from convex_test.functions import (
    AppDefinition,
    FunctionDefinition,
    FunctionRegistry,
    _describe,
)

__all__ = ["LoadedApp", "load_modules", "module_files"]

SPECIAL_MODULES: Final[Mapping[str, tuple[str, str]]] = {
    "schema": ("schema", "schema = define_schema({...})"),
    "http": ("http", "http = HttpRouter()"),
    "crons": ("crons", "crons = cron_jobs()"),
    "convex_config": ("app", "app = define_app()"),
}
"""Root-level module -> (attribute it must define, how)."""

SYNTHETIC_PREFIX: Final = "_convex_app_"

_lock = threading.RLock()
# (root, cwd, sys.path) -> package name: finding it resolves every sys.path entry, and a
# test suite loads the same directory once per test.
_name_cache: dict[tuple[str, str, tuple[str, ...]], str | None] = {}


@dataclass(frozen=True)
class LoadedApp:
    """A loaded functions directory."""

    root: Path
    """The resolved functions directory."""
    package: str
    """The import name of the functions package (real or synthetic)."""
    registry: FunctionRegistry
    schema: Any = None
    """``schema.py``'s ``schema`` (a ``SchemaDefinition``), or ``None``."""
    http: Any = None
    """``http.py``'s ``http`` router, or ``None``."""
    crons: Any = None
    """``crons.py``'s ``crons``, or ``None``."""
    app: AppDefinition | None = None
    """``convex_config.py``'s ``app``, or ``None``."""
    modules: Mapping[str, types.ModuleType] = field(default_factory=dict)
    """Module path (``"admin/users"``) -> imported module, in discovery order."""


def load_modules(
    modules: str | os.PathLike[str] | types.ModuleType, *, namespace: str = ""
) -> LoadedApp:
    """Import every function module of ``modules`` and register its functions.

    ``modules`` is a directory (``str`` or path), an importable dotted package name or a
    package object.  ``namespace`` names the registry's namespace ("" = the app, else a
    component path).  Errors raised while importing user code propagate unchanged, with
    a PEP 678 note naming the file.
    """
    root, package = _locate(modules)
    registry = FunctionRegistry(namespace, source=str(root))
    loaded: dict[str, types.ModuleType] = {}
    with _lock:
        if package is None:
            package = _synthetic_package(root)
        caches_fresh = False
        for module_path, file in module_files(root):
            name = package + "." + module_path.replace("/", ".")
            module = sys.modules.get(name)
            if module is None:
                if not caches_fresh:
                    # The path finders cache directory listings; files may be new.
                    importlib.invalidate_caches()
                    caches_fresh = True
                module = _import(name, module_path, file, root)
            loaded[module_path] = module
    _register_all(registry, loaded)
    specials = {
        name: _special(loaded[name], name, root) for name in SPECIAL_MODULES if name in loaded
    }
    app = specials.get("convex_config")
    if app is not None and not isinstance(app, AppDefinition):
        raise errors.ConvexTestError(
            errors.SPECIAL_MODULE_WRONG_TYPE.format(
                name="app",
                file="convex_config.py",
                expected="an AppDefinition (app = define_app())",
                value=_describe(app),
            )
        )
    schema = specials.get("schema")
    if schema is not None:
        _check_schema(schema)
    return LoadedApp(
        root=root,
        package=package,
        registry=registry,
        schema=schema,
        http=specials.get("http"),
        crons=specials.get("crons"),
        app=app,
        modules=loaded,
    )


def module_files(root: Path) -> list[tuple[str, Path]]:
    """``(module path, file)`` of every function module under ``root``, sorted."""
    found: list[tuple[str, str]] = []
    _walk(str(root), "", found)
    return [(module_path, Path(file)) for module_path, file in sorted(found)]


def _walk(directory: str, prefix: str, found: list[tuple[str, str]]) -> None:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith(("_", ".")):
            continue
        if entry.is_dir(follow_symlinks=False):  # like os.walk: no symlink loops
            if "." not in name:
                _walk(entry.path, f"{prefix}{name}/", found)
        elif name.endswith(".py") and entry.is_file():
            stem = name[:-3]
            if "." not in stem and not _is_test_file(stem):
                found.append((prefix + stem, entry.path))


def _is_test_file(stem: str) -> bool:
    return stem.startswith("test_") or stem.endswith("_test") or stem == "conftest"


# ---------------------------------------------------------------------------
# Finding the package
# ---------------------------------------------------------------------------


def _locate(modules: Any) -> tuple[Path, str | None]:
    """``(resolved root, package name or None for "make a synthetic one")``."""
    if isinstance(modules, types.ModuleType):
        return _package_root(modules), modules.__name__
    if isinstance(modules, os.PathLike):
        modules = os.fspath(modules)
    if not isinstance(modules, str):
        raise errors.ConvexTestError(
            "modules= must be a functions directory (str or pathlib.Path), a dotted package "
            f"name or a package, got {_describe(modules)}."
        )
    path = Path(modules)
    try:
        # "" would silently mean the working directory: never what a caller meant.
        is_dir = modules != "" and path.is_dir()
    except OSError:  # e.g. a name longer than the OS allows
        is_dir = False
    if is_dir:
        root = path.resolve()
        return root, _importable_name(root)
    if _is_dotted_name(modules):
        try:
            package = importlib.import_module(modules)
        except ModuleNotFoundError as exc:
            # Only "no such package" means "not found"; a missing import *inside* the
            # package is the user's error and propagates.
            if exc.name is None or not (modules == exc.name or modules.startswith(exc.name + ".")):
                raise
        else:
            return _package_root(package), package.__name__
    raise errors.ConvexTestError(
        errors.MODULES_NOT_FOUND.format(modules=modules, path=path.absolute() if modules else '""')
    )


def _is_dotted_name(name: str) -> bool:
    parts = name.split(".")
    return all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def _package_root(module: types.ModuleType) -> Path:
    locations = list(getattr(module, "__path__", None) or [])
    if not locations:
        raise errors.ConvexTestError(errors.MODULES_NOT_PACKAGE.format(name=module.__name__))
    if len(locations) > 1:
        raise errors.ConvexTestError(
            f"The namespace package {module.__name__!r} spans several directories "
            f"({', '.join(map(str, locations))}); pass the functions directory itself."
        )
    return Path(locations[0]).resolve()


def _importable_name(root: Path) -> str | None:
    """The dotted name under which ``sys.path`` imports ``root`` as a package, if any."""
    key = (str(root), os.getcwd(), tuple(sys.path))
    if key in _name_cache:
        return _name_cache[key]
    name = _find_importable_name(root)
    if len(_name_cache) > 256:
        _name_cache.clear()
    _name_cache[key] = name
    return name


def _find_importable_name(root: Path) -> str | None:
    candidates: list[str] = []
    for entry in sys.path:
        try:
            base = Path(entry or os.getcwd()).resolve()
            rel = root.relative_to(base)
        except (OSError, ValueError, RuntimeError):
            continue
        if rel.parts and _is_dotted_name(".".join(rel.parts)):
            name = ".".join(rel.parts)
            if name not in candidates:
                candidates.append(name)
    # A package someone already imported wins: its objects are the ones in use.
    for name in candidates:
        module = sys.modules.get(name)
        if module is not None and _is_package_at(module, root):
            return name
    for name in candidates:
        try:
            spec = importlib.util.find_spec(name)
        except Exception:  # a parent package failing to import: fall back to synthetic
            continue
        locations = spec.submodule_search_locations if spec is not None else None
        if locations is not None and any(_same_dir(loc, root) for loc in locations):
            return name
    return None


def _is_package_at(module: types.ModuleType, root: Path) -> bool:
    return any(_same_dir(loc, root) for loc in getattr(module, "__path__", None) or [])


def _same_dir(location: str, root: Path) -> bool:
    try:
        return Path(location).resolve() == root
    except (OSError, RuntimeError):
        return False


def _synthetic_package(root: Path) -> str:
    """Create (once per path) a top-level package whose ``__path__`` is ``root``."""
    digest = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = SYNTHETIC_PREFIX + digest
    if name in sys.modules:
        return name
    init = root / "__init__.py"
    spec: importlib.machinery.ModuleSpec | None
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(root)]
        )
    else:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(root)]
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if spec.loader is not None:
            spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        exc.add_note(f"convex_test: while importing {init} (the functions package)")
        raise
    return name


def _import(name: str, module_path: str, file: Path, root: Path) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        exc.add_note(
            f"convex_test: while importing the functions module {module_path!r} ({file}) "
            f"of the functions directory {root}"
        )
        raise


# ---------------------------------------------------------------------------
# Registering exports and special objects
# ---------------------------------------------------------------------------


def _register_all(registry: FunctionRegistry, loaded: Mapping[str, types.ModuleType]) -> None:
    defined_here: list[tuple[str, FunctionDefinition]] = []
    reexported: list[tuple[str, FunctionDefinition]] = []
    for module_path, module in loaded.items():
        for name, value in vars(module).items():
            if name.startswith("_") or not isinstance(value, FunctionDefinition):
                continue
            entry = (f"{module_path}:{name}", value)
            home = getattr(value, "__module__", None) == module.__name__
            (defined_here if home else reexported).append(entry)
    # Register definitions before re-exports so a function's canonical path is the
    # module that defines it, not the first importer in file order.
    for path, fdef in defined_here + reexported:
        registry.register(path, fdef)


def _special(module: types.ModuleType, module_path: str, root: Path) -> Any:
    attribute, hint = SPECIAL_MODULES[module_path]
    if not hasattr(module, attribute):
        raise errors.ConvexTestError(
            errors.SPECIAL_MODULE_MISSING.format(
                file=f"{module_path}.py", root=root, name=attribute, hint=hint
            )
        )
    return getattr(module, attribute)


def _check_schema(schema: Any) -> None:
    from convex_test.schema.definition import SchemaDefinition

    if not isinstance(schema, SchemaDefinition):
        raise errors.ConvexTestError(
            errors.SPECIAL_MODULE_WRONG_TYPE.format(
                name="schema",
                file="schema.py",
                expected="a SchemaDefinition (schema = define_schema({...}))",
                value=_describe(schema),
            )
        )
