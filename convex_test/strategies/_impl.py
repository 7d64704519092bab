"""The strategies of :mod:`convex_test.strategies` (this module imports Hypothesis).

Values are built from the validator tree, never filtered.  Two budgets keep every
value valid and small:

- nesting: a value may nest at most 64 containers, a document at most 16 (the document
  counts as one); the builder passes the remaining levels down and leaves out what
  cannot fit (optional fields, union members, array/record elements);
- size: arrays and records draw fewer elements the deeper they sit, and ``v.any()``
  nests at most three levels, so a value stays far below the 1 MiB document limit.
"""

from __future__ import annotations

import copy
import math
import zlib
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from convex_test import errors
from convex_test.engine.store import (
    FIRST_SYSTEM_TABLE_NUMBER,
    FIRST_USER_TABLE_NUMBER,
    SYSTEM_TABLE_NAMES,
    Store,
)
from convex_test.ids import encode_id
from convex_test.schema.definition import SchemaDefinition
from convex_test.schema.validators import (
    Validator,
    VAny,
    VArray,
    VBoolean,
    VBytes,
    VFloat64,
    VId,
    VInt64,
    VLiteral,
    VNull,
    VObject,
    VRecord,
    VString,
    VUnion,
)
from convex_test.values.display import display_value
from convex_test.values.size import MAX_DOCUMENT_NESTING
from convex_test.values.types import (
    INT64_MAX,
    INT64_MIN,
    MAX_VALUE_NESTING,
    UNDEFINED,
    Int64,
)

if TYPE_CHECKING:
    from convex_test.engine.backend import Backend
    from convex_test.functions import FunctionDefinition

__all__ = ["args_for", "documents", "from_validator"]

# A validator no value can match (an empty union) needs "infinitely" many levels.
_IMPOSSIBLE: Final = 1 << 30
# v.any() values nest at most this many containers (each holding at most 3 items).
_ANY_NESTING: Final = 3
_ANY_MAX_ITEMS: Final = 3
_MAX_TEXT: Final = 16
_MAX_FIELD_NAME: Final = 8
# Fresh IDs of a table no schema or backend knows get a number derived from its name.
_UNKNOWN_TABLE_BASE: Final = 100_000
_UNKNOWN_TABLE_SPAN: Final = 1 << 20

_PRINTABLE_ASCII: Final = "".join(chr(c) for c in range(0x20, 0x7F))


def _max_items(level: int) -> int:
    """How many elements an array or record at ``level`` (0 = top) may draw."""
    return max(1, 5 - 2 * level)


# ---------------------------------------------------------------------------
# Leaf strategies
# ---------------------------------------------------------------------------

# Every float, with extra weight on -0.0, the infinities and NaN (where order and
# equality bugs hide).  Never a plain int: validation turns a plain int into an Int64
# wherever a v.int64() comes first (say in v.union(v.int64(), v.float64())), so only
# floats are Float64 values that every validator gives back unchanged.
_FLOATS: Final[SearchStrategy[float]] = st.one_of(
    st.floats(), st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan])
)
_INT64S: Final[SearchStrategy[Int64]] = st.integers(INT64_MIN, INT64_MAX).map(Int64)
# codec="utf-8" leaves out lone surrogates, which are no valid Convex strings.
_TEXT: Final[SearchStrategy[str]] = st.text(st.characters(codec="utf-8"), max_size=_MAX_TEXT)
_BYTES: Final[SearchStrategy[bytes]] = st.binary(max_size=_MAX_TEXT)


def _join(parts: tuple[str, str]) -> str:
    return parts[0] + parts[1]


@cache
def _field_names(*, top_level: bool) -> SearchStrategy[str]:
    """Object keys: non-control ASCII, not starting with ``$`` (nor ``_`` at a document's top)."""
    banned = "$_" if top_level else "$"
    first = st.sampled_from([c for c in _PRINTABLE_ASCII if c not in banned])
    rest = st.text(_PRINTABLE_ASCII, max_size=_MAX_FIELD_NAME - 1)
    return st.one_of(st.just(""), st.tuples(first, rest).map(_join))


_SCALARS: Final[SearchStrategy[Any]] = st.one_of(
    st.none(), st.booleans(), _FLOATS, _INT64S, _TEXT, _BYTES
)


@cache
def _any(nesting: int) -> SearchStrategy[Any]:
    """Canonical values of every type nesting at most ``nesting`` containers."""
    if nesting <= 0:
        return _SCALARS
    child = _any(nesting - 1)
    return st.one_of(
        _SCALARS,
        st.lists(child, max_size=_ANY_MAX_ITEMS),
        st.dictionaries(_field_names(top_level=False), child, max_size=_ANY_MAX_ITEMS),
    )


def _any_document(nesting: int) -> SearchStrategy[dict[str, Any]]:
    """A document of a ``v.any()`` table (or one without a schema)."""
    return st.dictionaries(
        _field_names(top_level=True),
        _any(min(nesting - 1, _ANY_NESTING)),
        max_size=_max_items(0),
    )


@cache
def _fresh_ids(table_number: int) -> SearchStrategy[str]:
    """Valid IDs of table ``table_number`` (any 16-byte internal id)."""
    return st.binary(min_size=16, max_size=16).map(lambda raw: encode_id(table_number, raw))


def _drop_undefined(obj: dict[str, Any]) -> dict[str, Any]:
    return {name: item for name, item in obj.items() if item is not UNDEFINED}


def _fixed(value: Any) -> SearchStrategy[Any]:
    """An override: a strategy as is, or a value copied for every draw."""
    if isinstance(value, SearchStrategy):
        return value
    return st.just(value).map(copy.deepcopy)


# ---------------------------------------------------------------------------
# IDs
# ---------------------------------------------------------------------------


class _Ids:
    """Where ``v.id(table)`` values come from: a backend's store, or fresh IDs."""

    __slots__ = ("_cache", "_namespace", "_schema", "_store")

    def __init__(self, store: Store | None, namespace: str, schema: Any) -> None:
        self._store = store
        self._namespace = namespace
        self._schema = schema
        self._cache: dict[str, SearchStrategy[str]] = {}

    def strategy(self, table: str) -> SearchStrategy[str]:
        found = self._cache.get(table)
        if found is None:
            number = self.static_number(table)
            if self._store is None:
                found = _fresh_ids(number)
            else:
                found = _store_ids(self._store, self._namespace, table, number)
            self._cache[table] = found
        return found

    def static_number(self, table: str) -> int:
        """The number a fresh backend gives ``table`` in its app namespace.

        Schema tables count from 10001 in declaration order, the system tables have
        their own small numbers.  A table nobody declared gets a number derived from its
        name (a real backend numbers those in order of first write, unknown here).
        """
        if table in SYSTEM_TABLE_NAMES:
            return FIRST_SYSTEM_TABLE_NUMBER + SYSTEM_TABLE_NAMES.index(table)
        tables = getattr(self._schema, "tables", None)
        if isinstance(tables, Mapping) and table in tables:
            return FIRST_USER_TABLE_NUMBER + list(tables).index(table)
        return _UNKNOWN_TABLE_BASE + zlib.crc32(table.encode("utf-8")) % _UNKNOWN_TABLE_SPAN


def _store_ids(store: Store, namespace: str, table: str, fallback: int) -> SearchStrategy[str]:
    """IDs of documents in ``table`` when it has some, else fresh IDs of that table.

    The store is read when a value is drawn (not when the strategy is built), so a
    stateful test sees the documents inserted by earlier steps.
    """

    @st.composite
    def draw_id(draw: st.DrawFn) -> str:
        ns = store.namespaces.get(namespace)
        live = ns.tables.get(table) if ns is not None else None
        if live is not None and live.docs:
            existing: str = draw(st.sampled_from(list(live.docs)))
            return existing
        fresh: str = draw(_fresh_ids(live.number if live is not None else fallback))
        return fresh

    return draw_id()


# ---------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------


def _describe(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{text} ({type(value).__name__})"


def _require_validator(value: Any, where: str) -> Validator:
    if not isinstance(value, Validator):
        raise errors.ConvexTestError(
            errors.STRATEGY_NOT_A_VALIDATOR.format(where=where, value=_describe(value))
        )
    return value


class _Builder:
    """Turns a validator tree into a strategy, within a nesting budget.

    ``budget`` is how many containers the value may still nest (the value being built
    included); ``level`` is how deep it sits, which only scales sizes.
    """

    __slots__ = ("_ids", "_keep", "_min")

    def __init__(self, ids: _Ids) -> None:
        self._ids = ids
        self._min: dict[int, int] = {}
        self._keep: list[Validator] = []  # keeps the ids of memoised validators unique

    def min_nesting(self, validator: Validator) -> int:
        """The fewest containers a value of ``validator`` can nest."""
        key = id(validator)
        found = self._min.get(key)
        if found is not None:
            return found
        result: int
        if isinstance(validator, (VArray, VRecord)):
            result = 1  # the empty list / dict
        elif isinstance(validator, VObject):
            required = [self.min_nesting(f) for f in validator.fields.values() if not f.is_optional]
            result = min(_IMPOSSIBLE, 1 + max(required, default=0))
        elif isinstance(validator, VUnion):
            result = min((self.min_nesting(m) for m in validator.members), default=_IMPOSSIBLE)
        else:
            result = 0
        self._min[key] = result
        self._keep.append(validator)
        return result

    def top(self, validator: Validator, budget: int, what: str = "") -> SearchStrategy[Any]:
        self.require_fits(validator, budget, what)
        strategy = self.build(validator, budget, 0)
        if validator.is_optional:
            return st.one_of(st.just(UNDEFINED), strategy)
        return strategy

    def require_fits(self, validator: Validator, budget: int, what: str = "") -> None:
        need = self.min_nesting(validator)
        if need <= budget:
            return
        reason = ""
        if need < _IMPOSSIBLE:
            reason = errors.STRATEGY_TOO_DEEP.format(limit=budget, what=what)
        raise errors.ConvexTestError(
            errors.STRATEGY_NO_VALUE.format(validator=validator, reason=reason)
        )

    def build(self, validator: Validator, budget: int, level: int) -> SearchStrategy[Any]:
        """Values of ``validator`` (ignoring its optional marker); it must fit ``budget``."""
        if isinstance(validator, VString):
            return _TEXT
        if isinstance(validator, VFloat64):
            return _FLOATS
        if isinstance(validator, VId):
            return self._ids.strategy(validator.table_name)
        if isinstance(validator, VLiteral):
            return st.just(validator.value)
        if isinstance(validator, VInt64):
            return _INT64S
        if isinstance(validator, VBoolean):
            return st.booleans()
        if isinstance(validator, VNull):
            return st.none()
        if isinstance(validator, VBytes):
            return _BYTES
        if isinstance(validator, VAny):
            return _any(min(budget, _ANY_NESTING))
        if isinstance(validator, VObject):
            return self.object(validator.fields, budget, level, {})
        if isinstance(validator, VArray):
            element = validator.element
            if self.min_nesting(element) > budget - 1:
                return st.builds(list)
            items = self.build(element, budget - 1, level + 1)
            return st.lists(items, max_size=_max_items(level))
        if isinstance(validator, VRecord):
            keys = self.keys(validator.key)
            if keys is None or self.min_nesting(validator.value) > budget - 1:
                return st.builds(dict)
            values = self.build(validator.value, budget - 1, level + 1)
            return st.dictionaries(keys, values, max_size=_max_items(level))
        if isinstance(validator, VUnion):
            members = [m for m in validator.members if self.min_nesting(m) <= budget]
            return st.one_of([self.build(m, budget, level) for m in members])
        raise NotImplementedError(
            f"convex_test.strategies cannot generate values of {validator!r} "
            f"({type(validator).__name__})."
        )

    def keys(self, validator: Validator) -> SearchStrategy[str] | None:
        """Record keys (string-like validators); ``None`` when none can be drawn."""
        if isinstance(validator, VString):
            return _field_names(top_level=False)
        if isinstance(validator, VId):
            return self._ids.strategy(validator.table_name)
        if isinstance(validator, VUnion):
            members = [self.keys(m) for m in validator.members]
            usable = [m for m in members if m is not None]
            return st.one_of(usable) if usable else None
        raise NotImplementedError(
            f"convex_test.strategies cannot generate record keys of {validator!r}."
        )

    def object(
        self,
        fields: Mapping[str, Validator],
        budget: int,
        level: int,
        overrides: Mapping[str, Any],
    ) -> SearchStrategy[dict[str, Any]]:
        """Objects of ``fields``: optional ones sometimes absent, overrides applied."""
        required: dict[str, SearchStrategy[Any]] = {}
        optional: dict[str, SearchStrategy[Any]] = {}
        for name, field in fields.items():
            override = overrides.get(name, ...)
            if override is UNDEFINED:
                continue
            if override is not ...:
                required[name] = _fixed(override)
            elif field.is_optional:
                if self.min_nesting(field) <= budget - 1:
                    optional[name] = self.build(field, budget - 1, level + 1)
            else:
                required[name] = self.build(field, budget - 1, level + 1)
        strategy = st.fixed_dictionaries(required, optional=optional)
        if any(isinstance(o, SearchStrategy) for o in overrides.values()):
            # An override strategy may draw UNDEFINED to leave its field out.
            return strategy.map(_drop_undefined)
        return strategy

    def object_fits(
        self, fields: Mapping[str, Validator], budget: int, overrides: Mapping[str, Any]
    ) -> bool:
        return all(
            self.min_nesting(field) <= budget - 1
            for name, field in fields.items()
            if not field.is_optional and overrides.get(name, ...) is ...
        )


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------


def _backend_of(obj: Any) -> Backend:
    from convex_test.engine.backend import Backend
    from convex_test.harness import ConvexTest

    if isinstance(obj, ConvexTest):
        return obj.backend
    if isinstance(obj, Backend):
        return obj
    raise errors.ConvexTestError(errors.STRATEGY_NOT_A_BACKEND.format(value=_describe(obj)))


def _store_of(obj: Any) -> Store:
    if isinstance(obj, Store):
        return obj
    return _backend_of(obj).store


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def from_validator(validator: Validator, *, backend: Any = None) -> SearchStrategy[Any]:
    _require_validator(validator, "from_validator()")
    if backend is None:
        ids = _Ids(None, "", None)
    else:
        store = _store_of(backend)
        ids = _Ids(store, "", store.namespace("").schema)
    return _Builder(ids).top(validator, MAX_VALUE_NESTING)


def _check_override_names(names: Iterable[str], fields: Collection[str], what: str) -> None:
    for name in names:
        if name not in fields:
            hint = errors.did_you_mean(name, fields)
            raise errors.ConvexTestError(
                errors.STRATEGY_UNKNOWN_FIELD.format(field=name, what=what, hint=hint)
            )


def documents(
    schema_or_t: Any, table: str, overrides: Mapping[str, Any]
) -> SearchStrategy[dict[str, Any]]:
    if not isinstance(table, str):
        raise errors.ConvexTestError(errors.STRATEGY_TABLE_NOT_STR.format(value=_describe(table)))
    if isinstance(schema_or_t, SchemaDefinition):
        schema: Any = schema_or_t
        store: Store | None = None
    else:
        store = _store_of(schema_or_t)
        schema = store.namespace("").schema
    builder = _Builder(_Ids(store, "", schema))
    budget = MAX_DOCUMENT_NESTING
    what = f'table "{table}"'
    tables = getattr(schema, "tables", None)
    definition = tables.get(table) if isinstance(tables, Mapping) else None
    if definition is None:
        if isinstance(tables, Mapping) and getattr(schema, "schema_validation", True):
            raise errors.ConvexTestError(
                errors.STRATEGY_UNKNOWN_TABLE.format(
                    table=table,
                    tables=", ".join(tables) or "(none)",
                    hint=errors.did_you_mean(table, tables),
                )
            )
        # No schema (or validation off): any document is valid.
        return _any_with(overrides, budget)
    validator: Validator = definition.document_validator
    if isinstance(validator, VObject):
        fields = validator.fields
        _check_override_names(overrides, fields, what)
        if not builder.object_fits(fields, budget, overrides):
            builder.require_fits(validator, budget, " for a document (which counts as one)")
        return builder.object(fields, budget, 0, overrides)
    if isinstance(validator, VUnion):
        members = [m for m in validator.members if isinstance(m, VObject)]
        known = {name for m in members for name in m.fields}
        _check_override_names(overrides, known, what)
        usable = [
            m
            for m in members
            if all(name in m.fields for name in overrides)
            and builder.object_fits(m.fields, budget, overrides)
        ]
        if not usable:
            builder.require_fits(validator, budget, " for a document (which counts as one)")
            raise errors.ConvexTestError(
                errors.STRATEGY_NO_VALUE.format(
                    validator=validator, reason=" with the fields " + ", ".join(overrides)
                )
            )
        return st.one_of([builder.object(m.fields, budget, 0, overrides) for m in usable])
    return _any_with(overrides, budget)


def _merge(parts: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    base, fixed = parts
    return {**base, **fixed}


def _any_with(overrides: Mapping[str, Any], budget: int) -> SearchStrategy[dict[str, Any]]:
    """Documents of a ``v.any()`` table: random fields, then the overrides."""
    fixed = {
        name: _fixed(value)
        for name, value in overrides.items()
        if value is not ... and value is not UNDEFINED
    }
    removed = {name for name, value in overrides.items() if value is UNDEFINED}
    base = _any_document(budget)
    if removed:
        base = base.map(lambda doc: {k: item for k, item in doc.items() if k not in removed})
    return st.tuples(base, st.fixed_dictionaries(fixed)).map(_merge).map(_drop_undefined)


def args_for(function: Any, t: Any, overrides: Mapping[str, Any]) -> SearchStrategy[dict[str, Any]]:
    from convex_test.functions import FunctionDefinition, FunctionReference

    backend = _backend_of(t) if t is not None else None
    namespace = ""
    fdef: FunctionDefinition | None
    if isinstance(function, FunctionDefinition):
        fdef = function
        if backend is not None:
            fdef, namespace, _ = backend.resolve_function(function, "", inline_ok=True)
    elif isinstance(function, (str, FunctionReference)):
        if backend is None:
            raise errors.ConvexTestError(errors.STRATEGY_NEEDS_T.format(ref=_ref_text(function)))
        fdef, namespace, _ = backend.resolve_function(function, "", inline_ok=False)
    else:
        fdef = None
    if fdef is None:
        raise errors.ConvexTestError(
            errors.STRATEGY_NOT_A_FUNCTION.format(value=_describe(function))
        )
    ref = _ref_text(fdef.path or fdef.label)
    if fdef.kind == "http_action":
        raise errors.ConvexTestError(errors.STRATEGY_HTTP_ACTION.format(ref=ref))
    store = backend.store if backend is not None else None
    schema = store.namespace(namespace).schema if store is not None else None
    builder = _Builder(_Ids(store, namespace, schema))
    validator = fdef.args_validator
    if not isinstance(validator, VObject):
        # No args validator, or v.any(): nothing says which fields the handler reads.
        for name, value in overrides.items():
            if value is ...:
                raise errors.ConvexTestError(
                    errors.STRATEGY_CANNOT_INFER.format(field=name, ref=ref)
                )
        fixed = {n: _fixed(value) for n, value in overrides.items() if value is not UNDEFINED}
        return st.fixed_dictionaries(fixed).map(_drop_undefined)
    fields = validator.fields
    _check_override_names(overrides, fields, f"the args of {ref}")
    if not builder.object_fits(fields, MAX_VALUE_NESTING, overrides):
        builder.require_fits(validator, MAX_VALUE_NESTING)
    return builder.object(fields, MAX_VALUE_NESTING, 0, overrides)


def _ref_text(function: Any) -> str:
    if isinstance(function, str):
        return display_value(function)
    return repr(function)
