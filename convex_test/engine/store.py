"""The document store of one backend: namespaces, tables, table numbers and indexes.

Each :class:`Table` keeps its documents in a plain dict (``by_id``) and one sorted list
of index keys per database index.  An index key is the flat concatenation
(:func:`~convex_test.values.order.concat_sort_keys`) of::

    sort_key(field1), ..., sort_key(_creationTime), sort_key(_id)

so Python's tuple order is the Convex index order and the document ID is the last
item.  Index ranges are answered by bisection (:func:`key_range`).

Table numbers are unique across the whole store: schema tables in declaration order
from 10001 (namespaces in registration order), then tables first written without a
schema entry; the system tables ``_scheduled_functions`` and ``_storage`` of every
namespace get their own numbers below 10001.  The store is mutated only through a
:class:`~convex_test.engine.transaction.Transaction`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol

from sortedcontainers import SortedList

from convex_test import errors
from convex_test.ids import IdGenerator, table_number_of
from convex_test.values.order import (
    _TAG_FLOAT64,
    _TAG_STRING,
    concat_sort_keys,
    float_key,
    sort_key,
)
from convex_test.values.types import UNDEFINED

if TYPE_CHECKING:
    from convex_test.engine.transaction import Transaction

__all__ = [
    "BY_CREATION_TIME",
    "BY_ID",
    "FIRST_SYSTEM_TABLE_NUMBER",
    "FIRST_USER_TABLE_NUMBER",
    "SYSTEM_TABLE_NAMES",
    "ClockLike",
    "DbIndex",
    "IndexKey",
    "NamespaceData",
    "Store",
    "Table",
    "copy_doc",
    "field_getter",
    "key_range",
    "split_path",
]

FIRST_USER_TABLE_NUMBER: Final = 10001
FIRST_SYSTEM_TABLE_NUMBER: Final = 512
SYSTEM_TABLE_NAMES: Final = ("_scheduled_functions", "_storage")
BY_ID: Final = "by_id"
BY_CREATION_TIME: Final = "by_creation_time"
CREATION_TIME: Final = "_creationTime"
ID: Final = "_id"

IndexKey = tuple[Any, ...]
KeyFn = Callable[[dict[str, Any]], IndexKey]

_CONTAINERS: Final = (dict, list)


def _copy_container(value: Any) -> Any:
    if type(value) is dict:
        return {k: (_copy_container(v) if type(v) in _CONTAINERS else v) for k, v in value.items()}
    return [(_copy_container(v) if type(v) in _CONTAINERS else v) for v in value]


_CONTAINER_SET: Final = frozenset(_CONTAINERS)


def copy_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a stored (canonical) document; scalars are immutable and shared.

    Stored documents are canonical, so this is a structural copy: no re-validation.
    """
    if _CONTAINER_SET.isdisjoint(map(type, doc.values())):
        return doc.copy()
    out = doc.copy()
    for key, value in doc.items():
        if type(value) in _CONTAINERS:
            out[key] = _copy_container(value)
    return out


def key_range(
    keys: SortedList,
    lo: IndexKey,
    lo_inclusive: bool,
    hi: IndexKey,
    hi_inclusive: bool,
    desc: bool,
    count: int,
) -> list[IndexKey]:
    """The first ``count`` keys of ``keys`` between ``lo`` and ``hi``, in scan order.

    ``list(islice(keys.irange(lo, hi, (lo_inclusive, hi_inclusive), desc), count))``,
    read straight from the sorted list's sublists with a few bisections and slices: the
    read of every ``take``, ``first`` and page, where ``irange``'s iterator machinery
    would cost more than the read itself.  It reads ``SortedList``'s two internal lists
    (``_lists``, the sorted sublists, and ``_maxes``, their last items, as in
    sortedcontainers 2.x); tests/engine/test_fast_paths.py checks it against ``irange``.
    """
    maxes = keys._maxes
    if not maxes or count <= 0:
        return []
    lists = keys._lists
    out: list[IndexKey] = []
    if not desc:
        pos = (bisect_left if lo_inclusive else bisect_right)(maxes, lo)
        if pos == len(maxes):
            return out
        start = (bisect_left if lo_inclusive else bisect_right)(lists[pos], lo)
        end_of = bisect_right if hi_inclusive else bisect_left
        while True:
            part = lists[pos][start : start + count - len(out)]
            cut = end_of(part, hi)
            out += part[:cut] if cut < len(part) else part
            pos += 1
            if cut < len(part) or len(out) >= count or pos == len(lists):
                return out
            start = 0
    pos = (bisect_right if hi_inclusive else bisect_left)(maxes, hi)
    if pos == len(maxes):
        pos -= 1
        stop = len(lists[pos])
    else:
        stop = (bisect_right if hi_inclusive else bisect_left)(lists[pos], hi)
    start_of = bisect_left if lo_inclusive else bisect_right
    while True:
        part = lists[pos][max(0, stop - (count - len(out))) : stop]
        cut = start_of(part, lo)
        out += reversed(part[cut:] if cut else part)
        if cut or len(out) >= count or pos == 0:
            return out
        pos -= 1
        stop = len(lists[pos])


class ClockLike(Protocol):
    """Anything with ``now_ms()`` (the engine clock)."""

    def now_ms(self) -> float: ...


def split_path(path: str) -> tuple[str, ...]:
    """The components of a dotted field path (leading/trailing dots trimmed)."""
    return tuple(path.strip(".").split("."))


def field_getter(path: str) -> Callable[[dict[str, Any]], Any]:
    """A function reading a dotted field path from a document.

    Paths traverse objects only; a missing field or a non-object on the way gives
    ``UNDEFINED``.
    """
    parts = split_path(path)
    if len(parts) == 1:
        name = parts[0]

        def get_top(doc: dict[str, Any]) -> Any:
            return doc.get(name, UNDEFINED)

        return get_top

    def get_nested(doc: dict[str, Any]) -> Any:
        value: Any = doc
        for part in parts:
            if type(value) is not dict:
                return UNDEFINED
            value = value.get(part, UNDEFINED)
        return value

    return get_nested


def _key_fn(user_fields: tuple[str, ...]) -> KeyFn:
    """The index-key extractor for ``user_fields + [_creationTime, _id]``."""
    fk = float_key
    sk = sort_key
    if not user_fields:

        def key0(doc: dict[str, Any]) -> IndexKey:
            return (_TAG_FLOAT64, fk(doc[CREATION_TIME]), _TAG_STRING, doc[ID])

        return key0
    getters = tuple(field_getter(f) for f in user_fields)
    if len(getters) == 1:
        g = getters[0]

        def key1(doc: dict[str, Any]) -> IndexKey:
            return (*sk(g(doc)), _TAG_FLOAT64, fk(doc[CREATION_TIME]), _TAG_STRING, doc[ID])

        return key1

    def key_n(doc: dict[str, Any]) -> IndexKey:
        out = concat_sort_keys([g(doc) for g in getters])
        return (*out, _TAG_FLOAT64, fk(doc[CREATION_TIME]), _TAG_STRING, doc[ID])

    return key_n


def _by_id_key(doc: dict[str, Any]) -> IndexKey:
    return (_TAG_STRING, doc[ID])


PutKeyFn = Callable[[dict[str, Any], int, str], IndexKey]
"""``(doc, float_key(_creationTime), _id) -> key``: the same key as ``DbIndex.key``, with
the creation time's key computed once per insert for every index of the table."""


def _put_key_by_id(doc: dict[str, Any], ct: int, id_: str) -> IndexKey:
    return (_TAG_STRING, id_)


def _put_key_fn(user_fields: tuple[str, ...]) -> PutKeyFn:
    """The insert-time twin of :func:`_key_fn` (equal keys, fewer calls per index)."""
    sk = sort_key
    if not user_fields:

        def put0(doc: dict[str, Any], ct: int, id_: str) -> IndexKey:
            return (_TAG_FLOAT64, ct, _TAG_STRING, id_)

        return put0
    if not all(len(split_path(f)) == 1 for f in user_fields) or len(user_fields) > 2:
        full = _key_fn(user_fields)

        def put_any(doc: dict[str, Any], ct: int, id_: str) -> IndexKey:
            return full(doc)

        return put_any
    if len(user_fields) == 1:
        name = split_path(user_fields[0])[0]

        def put1(doc: dict[str, Any], ct: int, id_: str) -> IndexKey:
            v = doc.get(name, UNDEFINED)
            if type(v) is str:  # one tuple, no sort_key call: the usual case
                return (_TAG_STRING, v, _TAG_FLOAT64, ct, _TAG_STRING, id_)
            return (*sk(v), _TAG_FLOAT64, ct, _TAG_STRING, id_)

        return put1
    name_a, name_b = (split_path(f)[0] for f in user_fields)

    def put2(doc: dict[str, Any], ct: int, id_: str) -> IndexKey:
        a = doc.get(name_a, UNDEFINED)
        b = doc.get(name_b, UNDEFINED)
        if type(a) is str and type(b) is str:
            return (_TAG_STRING, a, _TAG_STRING, b, _TAG_FLOAT64, ct, _TAG_STRING, id_)
        return (*sk(a), *sk(b), _TAG_FLOAT64, ct, _TAG_STRING, id_)

    return put2


class DbIndex:
    """One database index of a table: its fields and the sorted list of its keys.

    ``fields`` includes the appended ``_creationTime`` and ``_id`` (``by_id`` is just
    ``["_id"]``).  ``display_fields`` is how the backend prints the index in errors
    (without ``_id``).  ``keys`` is ``None`` while a lazy index (``by_id``) has not been
    asked for yet.

    Inserts append their keys to ``pending``; :meth:`sorted_keys` (every reader and
    every removal) merges them first.  Seeding thousands of documents then costs one
    sort per index instead of a bisection and list insertion per key and index.
    """

    __slots__ = (
        "display_fields",
        "fields",
        "getters",
        "key",
        "keys",
        "name",
        "pending",
        "put_key",
        "roots",
    )

    def __init__(self, name: str, user_fields: Iterable[str], *, by_id: bool = False) -> None:
        self.name = name
        if by_id:
            self.fields: tuple[str, ...] = (ID,)
            self.display_fields: tuple[str, ...] = ()
            self.key: KeyFn = _by_id_key
            self.put_key: PutKeyFn = _put_key_by_id
        else:
            user = tuple(user_fields)
            self.fields = (*user, CREATION_TIME, ID)
            self.display_fields = (*user, CREATION_TIME)
            self.key = _key_fn(user)
            self.put_key = _put_key_fn(user)
        self.getters = tuple(field_getter(f) for f in self.fields)
        # The top-level fields the keys depend on (a change elsewhere keeps the key).
        self.roots = frozenset(split_path(f)[0] for f in self.fields)
        self.keys: SortedList | None = None
        self.pending: list[IndexKey] = []

    def start(self, keys: Iterable[IndexKey] = ()) -> None:
        """Materialise the index with ``keys`` (any order)."""
        self.keys = SortedList(keys)

    def sorted_keys(self) -> SortedList:
        """Every key of the (materialised) index, pending inserts merged in."""
        keys = self.keys
        assert keys is not None, "a lazy index is materialised by Table.db_index"
        pending = self.pending
        if pending:
            # One sort of everything when the batch is large, else one add per key.
            keys.update(pending)
            pending.clear()
        return keys

    def values_of(self, doc: dict[str, Any]) -> list[Any]:
        """The index-key values of ``doc`` (``UNDEFINED`` for missing fields)."""
        return [g(doc) for g in self.getters]

    def __repr__(self) -> str:
        return f"DbIndex({self.name!r}, {list(self.fields)!r})"


class Table:
    """The documents of one table and its indexes.

    ``docs`` maps ID -> stored document (never handed out: callers get copies),
    ``sizes`` ID -> Convex size of the document (for the read/write byte limits),
    ``nested`` how many stored documents hold a container value (while it is 0, a
    shallow copy of any document is a deep one: see :meth:`copy_docs`).
    """

    __slots__ = (
        "_adders",
        "_maintained",
        "docs",
        "indexes",
        "is_system",
        "live",
        "name",
        "namespace",
        "nested",
        "number",
        "owner_index",
        "search_indexes",
        "sizes",
        "vector_indexes",
    )

    def __init__(
        self,
        namespace: NamespaceData,
        name: str,
        number: int,
        *,
        is_system: bool = False,
        definition: Any = None,
    ) -> None:
        self.namespace = namespace
        self.name = name
        self.number = number
        self.is_system = is_system
        self.live = True
        # This table's position in ``Store.owner_tables`` (``-1`` until it has one).
        self.owner_index = -1
        self.docs: dict[str, dict[str, Any]] = {}
        self.sizes: dict[str, int] = {}
        self.nested = 0
        self.indexes: dict[str, DbIndex] = {}
        self.search_indexes: dict[str, Any] = {}
        self.vector_indexes: dict[str, Any] = {}
        by_id = DbIndex(BY_ID, (), by_id=True)
        by_ct = DbIndex(BY_CREATION_TIME, ())
        by_ct.start()
        self.indexes[BY_ID] = by_id
        self.indexes[BY_CREATION_TIME] = by_ct
        self._maintained: list[DbIndex] = [by_ct]
        # ``(pending.append, put_key)`` of every maintained index, in the same order:
        # what :meth:`put` calls, without two attribute lookups per index and insert.
        self._adders: list[tuple[Callable[[IndexKey], None], PutKeyFn]] = [
            (by_ct.pending.append, by_ct.put_key)
        ]
        if definition is not None:
            self._add_definition(definition)

    def _add_definition(self, definition: Any) -> None:
        for name, fields in (getattr(definition, "indexes", None) or {}).items():
            user = [f for f in _index_fields(fields) if f not in (CREATION_TIME, ID)]
            index = DbIndex(name, user)
            index.start()
            self.indexes[name] = index
            self._maintained.append(index)
            self._adders.append((index.pending.append, index.put_key))
        search_defs = getattr(definition, "search_indexes", None) or {}
        vector_defs = getattr(definition, "vector_indexes", None) or {}
        if search_defs:
            from convex_test.search.text import TextIndex

            for name, sdef in search_defs.items():
                self.search_indexes[name] = TextIndex(
                    sdef.search_field,
                    list(getattr(sdef, "filter_fields", ()) or ()),
                    name=f"{self.name}.{name}",
                )
        if vector_defs:
            from convex_test.search.vector import VectorIndex

            for name, vdef in vector_defs.items():
                self.vector_indexes[name] = VectorIndex(
                    vdef.vector_field,
                    vdef.dimensions,
                    list(getattr(vdef, "filter_fields", ()) or ()),
                    name=f"{self.name}.{name}",
                )

    # -- index access -------------------------------------------------------------
    def db_index(self, name: str) -> DbIndex | None:
        """The database index ``name`` (materialising a lazy one), or ``None``."""
        index = self.indexes.get(name)
        if index is not None and index.keys is None:
            index.start(map(index.key, self.docs.values()))
            self._maintained.append(index)
            self._adders.append((index.pending.append, index.put_key))
        return index

    def index_names(self) -> list[str]:
        """Every index name of the table (database, search and vector)."""
        return [*self.indexes, *self.search_indexes, *self.vector_indexes]

    def copy_docs(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of stored documents of this table, for handing out."""
        if self.nested:
            return [copy_doc(doc) for doc in docs]
        return list(map(dict.copy, docs))

    # -- raw mutation (the transaction validates and logs before calling these) ------
    def put(self, doc_id: str, doc: dict[str, Any], size: int) -> None:
        """Store a new document and index it."""
        self.docs[doc_id] = doc
        self.sizes[doc_id] = size
        if not _CONTAINER_SET.isdisjoint(map(type, doc.values())):
            self.nested += 1
        # Every key ends with `_creationTime` and `_id`: convert the time once.
        ct = float_key(doc[CREATION_TIME])
        id_ = doc[ID]
        for add, put_key in self._adders:
            add(put_key(doc, ct, id_))
        for text in self.search_indexes.values():
            text.add(doc_id, doc)
        for vector in self.vector_indexes.values():
            vector.add(doc_id, doc)

    def swap(
        self,
        doc_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        size: int,
        changed: frozenset[str] | None = None,
    ) -> None:
        """Replace stored document ``old`` by ``new`` and re-index what changed.

        ``changed``: the top-level fields that differ, if the caller knows them
        (database indexes on other fields are left alone).
        """
        self.docs[doc_id] = new
        self.sizes[doc_id] = size
        self.nested += (not _CONTAINER_SET.isdisjoint(map(type, new.values()))) - (
            not _CONTAINER_SET.isdisjoint(map(type, old.values()))
        )
        for index in self._maintained:
            if changed is not None and changed.isdisjoint(index.roots):
                continue
            key = index.key
            old_key = key(old)
            new_key = key(new)
            if old_key != new_key:
                keys = index.sorted_keys()
                keys.remove(old_key)
                keys.add(new_key)
        for text in self.search_indexes.values():
            text.remove(doc_id, old)
            text.add(doc_id, new)
        for vector in self.vector_indexes.values():
            vector.remove(doc_id, old)
            vector.add(doc_id, new)

    def pop(self, doc_id: str) -> tuple[dict[str, Any], int]:
        """Remove a document and its index entries; return it and its size."""
        doc = self.docs.pop(doc_id)
        size = self.sizes.pop(doc_id)
        if not _CONTAINER_SET.isdisjoint(map(type, doc.values())):
            self.nested -= 1
        for index in self._maintained:
            index.sorted_keys().remove(index.key(doc))
        for text in self.search_indexes.values():
            text.remove(doc_id, doc)
        for vector in self.vector_indexes.values():
            vector.remove(doc_id, doc)
        return doc, size

    def __len__(self) -> int:
        return len(self.docs)

    def __repr__(self) -> str:
        ns = self.namespace.path
        where = f"{ns}:" if ns else ""
        return f"<Table {where}{self.name} #{self.number} ({len(self.docs)} docs)>"


def _index_fields(fields: Any) -> list[str]:
    if isinstance(fields, dict):  # {"fields": [...], "staged": ...}
        fields = fields.get("fields", [])
    return [str(f) for f in fields]


class NamespaceData:
    """The tables of the app (``path == ""``) or of one mounted component.

    Also the :class:`~convex_test.schema.validators.TableResolver` for ``v.id``
    validation in this namespace (``table_for_id``).
    """

    __slots__ = ("_reserved", "by_number", "path", "schema", "store", "tables", "validates")

    def __init__(self, store: Store, path: str, schema: Any) -> None:
        self.store = store
        self.path = path
        self.schema = schema
        self.validates: bool = schema is not None and bool(
            getattr(schema, "schema_validation", True)
        )
        self.tables: dict[str, Table] = {}
        self.by_number: dict[int, Table] = {}
        # Numbers handed out to names, kept when a table's creation is rolled back so
        # that the table gets the same number (and its old IDs stay its own) next time.
        self._reserved: dict[str, int] = {}

    @property
    def resolver(self) -> NamespaceData:
        """The ``TableResolver`` for ``v.id`` checks in this namespace (itself)."""
        return self

    def table_for_id(self, id: str) -> tuple[str, bool] | None:
        """``(table name, is_system)`` of the table an ID belongs to, or ``None``."""
        owner = self.store.owner_of(id) if type(id) is str else None
        if owner is not None and owner.live and owner.namespace is self:
            return owner.name, owner.is_system
        number = table_number_of(id) if isinstance(id, str) else None
        if number is None:
            return None
        table = self.by_number.get(number)
        if table is None:
            return None
        return table.name, table.is_system

    def table(self, name: str) -> Table | None:
        """The live table ``name``, or ``None``."""
        return self.tables.get(name)

    def table_definition(self, name: str) -> Any:
        """The schema's definition of table ``name``, or ``None``."""
        if self.schema is None:
            return None
        tables = getattr(self.schema, "tables", None) or {}
        return tables.get(name)

    def number_for(self, name: str) -> int:
        """The table number of ``name`` (allocating one for a new table)."""
        number = self._reserved.get(name)
        if number is None:
            number = self.store.allocate_user_number()
            self._reserved[name] = number
        return number

    def create_table(
        self, name: str, *, is_system: bool = False, number: int | None = None
    ) -> Table:
        """Create (or revive) the table ``name``; the caller logs it for undo."""
        if number is None:
            number = self.number_for(name)
        self._reserved[name] = number
        table = Table(self, name, number, is_system=is_system, definition=None)
        self.tables[name] = table
        self.by_number[number] = table
        return table

    def drop_table(self, table: Table) -> None:
        """Forget a table whose creation was rolled back (its number stays reserved)."""
        table.live = False
        if self.tables.get(table.name) is table:
            del self.tables[table.name]
        if self.by_number.get(table.number) is table:
            del self.by_number[table.number]

    def _add_table(self, name: str, number: int, *, is_system: bool, definition: Any) -> Table:
        self._reserved[name] = number
        table = Table(self, name, number, is_system=is_system, definition=definition)
        self.tables[name] = table
        self.by_number[number] = table
        return table

    def __repr__(self) -> str:
        return f"<NamespaceData {self.path!r} tables={sorted(self.tables)}>"


class Store:
    """All documents of one backend, and the allocators that must be unique in it."""

    __slots__ = (
        "_next_system_number",
        "_next_user_number",
        "clock",
        "id_owner",
        "ids",
        "last_creation_time",
        "namespaces",
        "owner_tables",
    )

    def __init__(self, clock: ClockLike, *, id_seed: int = 0) -> None:
        self.clock = clock
        self.ids = IdGenerator(id_seed)
        self.namespaces: dict[str, NamespaceData] = {}
        self._next_user_number = FIRST_USER_TABLE_NUMBER
        self._next_system_number = FIRST_SYSTEM_TABLE_NUMBER
        self.last_creation_time = 0.0
        # ID -> the table it was created in: a fast path for get-by-id (decoding an
        # ID costs more than a dict lookup).  Never shrinks; ``Table.live`` and the
        # table's ``docs`` say whether the document exists.
        # The values are positions in ``owner_tables``: plain ints keep the dict out of
        # the garbage collector's traversals (one entry per document ever inserted).
        self.id_owner: dict[str, int] = {}
        self.owner_tables: list[Table] = []

    def owner_of(self, doc_id: str) -> Table | None:
        """The table ``doc_id`` was created in (``None`` if no insert made it)."""
        index = self.id_owner.get(doc_id)
        return None if index is None else self.owner_tables[index]

    def set_owner(self, doc_id: str, table: Table) -> None:
        """Record that ``doc_id`` was created in ``table``."""
        index = table.owner_index
        if index < 0:
            index = table.owner_index = len(self.owner_tables)
            self.owner_tables.append(table)
        self.id_owner[doc_id] = index

    def add_namespace(self, path: str, schema: Any = None) -> NamespaceData:
        """Register the app (``""``) or a component with its schema (or ``None``)."""
        if not isinstance(path, str):
            raise errors.ConvexTestError(errors.TXN_NAMESPACE_NOT_STR.format(value=path))
        if path in self.namespaces:
            raise errors.ConvexTestError(errors.TXN_NAMESPACE_EXISTS.format(path=path))
        ns = NamespaceData(self, path, schema)
        self.namespaces[path] = ns
        if schema is not None:
            for name, definition in (getattr(schema, "tables", None) or {}).items():
                ns._add_table(
                    name, self.allocate_user_number(), is_system=False, definition=definition
                )
        system_defs = _system_definitions()
        for name in SYSTEM_TABLE_NAMES:
            number = self._next_system_number
            self._next_system_number += 1
            ns._add_table(name, number, is_system=True, definition=system_defs.get(name))
        return ns

    def namespace(self, path: str) -> NamespaceData:
        """The namespace registered at ``path``."""
        try:
            return self.namespaces[path]
        except (KeyError, TypeError):
            raise errors.ConvexTestError(
                errors.TXN_NAMESPACE_UNKNOWN.format(
                    path=path,
                    hint=errors.did_you_mean(str(path), [p for p in self.namespaces if p]),
                )
            ) from None

    def begin(self, *, read_only: bool) -> Transaction:
        """Start a transaction (read-only for queries)."""
        from convex_test.engine.transaction import Transaction

        return Transaction(self, read_only=read_only)

    def allocate_user_number(self) -> int:
        """The next user table number of the store."""
        number = self._next_user_number
        self._next_user_number += 1
        return number

    def next_creation_time(self) -> float:
        """A ``_creationTime``: the clock, but strictly after every earlier one."""
        now = float(self.clock.now_ms())
        floor = math.nextafter(self.last_creation_time, math.inf)
        creation_time = now if now > floor else floor
        self.last_creation_time = creation_time
        return creation_time

    def __repr__(self) -> str:
        return f"<Store namespaces={list(self.namespaces)}>"


def _system_definitions() -> dict[str, Any]:
    """Index definitions of the system tables from the schema package, if present."""
    try:
        from convex_test.schema.definition import SYSTEM_TABLES
    except ImportError:  # pragma: no cover - the schema package is optional here
        return {}
    tables = getattr(SYSTEM_TABLES, "tables", SYSTEM_TABLES)
    if not isinstance(tables, dict):
        return {}
    return tables
