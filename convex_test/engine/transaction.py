"""Undo-log transactions over the :class:`~convex_test.engine.store.Store`.

The mock runs one function at a time, so a transaction writes straight into the store
(read-your-writes for free, no table is ever copied) and records how to undo each write.
``rollback()`` replays the log backwards; ``savepoint()``/``rollback_to()`` give nested
``run_mutation`` calls their own sub-transaction.  Every write is validated (values,
document limits, schema, transaction limits) before it touches the store.

The write methods here are the low-level API shared by ``ctx.db`` (see
:mod:`convex_test.engine.database`, which adds the client-side argument checks) and the
scheduler and file storage (``system=True`` writes to ``_scheduled_functions`` and
``_storage``).  Documents passed in are never stored as is and stored documents are
never handed out: :meth:`Transaction.get` returns the stored dict, and the public
readers copy it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from convex_test import errors
from convex_test.engine.store import (
    SYSTEM_TABLE_NAMES,
    NamespaceData,
    Store,
    Table,
)
from convex_test.ids import decode_id
from convex_test.schema.validators import identifier_error
from convex_test.values.display import display_value
from convex_test.values.order import sort_key
from convex_test.values.size import MAX_DOCUMENT_NESTING, MAX_DOCUMENT_SIZE, check_document, measure
from convex_test.values.types import (
    _KNOWN_KEYS,
    UNDEFINED,
    Int64,
    _learn_key,
    _NotCanonical,
    check_field_name,
    convert,
)

__all__ = ["Transaction", "TransactionLimitError", "TransactionLimits"]

_SYSTEM_FIELDS: Final = ("_id", "_creationTime")
_NO_VALUE: Final = object()  # delete has no new body

# Undo-log entry kinds.
_DOC: Final = 0
_TABLE: Final = 1


class TransactionLimitError(errors.ConvexTestError):
    """A transaction limit was exceeded (documents/bytes read or written, index reads).

    ``code`` is the backend's error code (``TooManyDocumentsRead``, ...).  Read limits
    end a ``paginate`` page early (``SplitRequired``) instead of failing it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    @property
    def is_read_limit(self) -> bool:
        """Whether this is a read limit (paginate turns those into ``SplitRequired``)."""
        return self.code in ("TooManyDocumentsRead", "TooManyBytesRead", "TooManyReads")


@dataclass(slots=True)
class TransactionLimits:
    """Per-transaction limits (Convex defaults); nested calls share one transaction."""

    documents_read: int = 32_000
    bytes_read: int = 1 << 24
    index_ranges_read: int = 4_096
    documents_written: int = 16_000
    bytes_written: int = 1 << 24


_DEFAULT_LIMITS: Final = TransactionLimits()
"""Read, never changed: the limits of a transaction whose ``limits`` nobody asked for."""


def _format_bytes(n: int) -> str:
    from convex_test.values.size import format_size

    return format_size(n)


def _arg_error(method: str, arg: str, cause: str) -> str:
    return errors.DB_ARG.format(arg=arg, method=method, cause=cause)


def _type_label(value: Any) -> str:
    """JS ``typeof`` of a Python value, for client-side argument errors."""
    if value is None:
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value):
        return "function"
    return "object"


class Transaction:
    """One query or mutation transaction (shared by its nested ``run_*`` calls).

    Low-level API (used by ``ctx.db``, the scheduler and storage): :meth:`get`,
    :meth:`insert`, :meth:`patch`, :meth:`replace`, :meth:`delete`,
    :meth:`normalize_id`; control: :meth:`savepoint`, :meth:`rollback_to`,
    :meth:`commit`, :meth:`rollback`.
    """

    __slots__ = (
        "_closed",
        "_limits",
        "_log",
        "_savepoints",
        "bytes_read",
        "bytes_written",
        "documents_read",
        "documents_written",
        "index_ranges_read",
        "read_only",
        "store",
    )

    def __init__(self, store: Store, *, read_only: bool = False) -> None:
        self.store = store
        self.read_only = read_only
        # Made on first use of `limits` (tests and t.run change them; most never look).
        self._limits: TransactionLimits | None = None
        self._log: list[tuple[Any, ...] | str] = []
        self._savepoints: list[tuple[int, int, int]] = []
        self._closed = False
        self.documents_read = 0
        self.bytes_read = 0
        self.index_ranges_read = 0
        self.documents_written = 0
        self.bytes_written = 0

    # ------------------------------------------------------------------ control
    @property
    def limits(self) -> TransactionLimits:
        """This transaction's limits (Convex's defaults unless changed)."""
        limits = self._limits
        if limits is None:
            limits = self._limits = TransactionLimits()
        return limits

    @limits.setter
    def limits(self, value: TransactionLimits) -> None:
        self._limits = value

    @property
    def closed(self) -> bool:
        """Whether the transaction has been committed or rolled back."""
        return self._closed

    def savepoint(self) -> int:
        """Mark the current state; :meth:`rollback_to` undoes everything after it."""
        self._check_open()
        self._savepoints.append((len(self._log), self.documents_written, self.bytes_written))
        return len(self._savepoints) - 1

    def rollback_to(self, savepoint: int) -> None:
        """Undo every write made since ``savepoint`` (a nested mutation that raised).

        Rolled-back writes no longer count towards the write limits; reads still do.
        """
        self._check_open()
        if (
            isinstance(savepoint, bool)
            or not isinstance(savepoint, int)
            or not 0 <= savepoint < len(self._savepoints)
        ):
            raise errors.ConvexTestError(errors.TXN_UNKNOWN_SAVEPOINT.format(savepoint=savepoint))
        log_len, written, bytes_written = self._savepoints[savepoint]
        self._undo_to(log_len)
        self.documents_written = written
        self.bytes_written = bytes_written
        del self._savepoints[savepoint:]

    def commit(self) -> None:
        """Make the writes permanent."""
        self._check_open()
        self._log.clear()
        self._savepoints.clear()
        self._closed = True

    def rollback(self) -> None:
        """Undo every write of the transaction."""
        self._check_open()
        self._undo_to(0)
        self._savepoints.clear()
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise errors.ConvexTestError(errors.TXN_CLOSED)

    def _undo_to(self, length: int) -> None:
        log = self._log
        while len(log) > length:
            entry = log.pop()
            if isinstance(entry, str):  # an insert
                store = self.store
                store.owner_tables[store.id_owner[entry]].pop(entry)
            elif entry[0] == _DOC:
                _, table, doc_id, old, old_size = entry
                current = table.docs.get(doc_id)
                if old is None:
                    table.pop(doc_id)
                elif current is None:
                    table.put(doc_id, old, old_size)
                else:
                    table.swap(doc_id, current, old, old_size)
            else:
                _, ns, table = entry
                ns.drop_table(table)

    def _check_writable(self, method: str) -> None:
        if self._closed:
            raise errors.ConvexTestError(errors.TXN_CLOSED)
        if self.read_only:
            raise errors.ConvexTestError(errors.TXN_READ_ONLY.format(method=method))

    # ------------------------------------------------------------------ limits
    def record_read(self, size: int) -> None:
        """Count one document read (index scans count filtered-out documents too)."""
        self.documents_read += 1
        self.bytes_read += size
        limits = self._limits or _DEFAULT_LIMITS
        if self.documents_read > limits.documents_read:
            raise TransactionLimitError(
                "TooManyDocumentsRead",
                errors.TOO_MANY_DOCUMENTS_READ.format(
                    limit=limits.documents_read, help=errors.OVER_LIMIT_HELP
                ),
            )
        if self.bytes_read > limits.bytes_read:
            raise TransactionLimitError(
                "TooManyBytesRead",
                errors.TOO_MANY_BYTES_READ.format(
                    limit=limits.bytes_read, help=errors.OVER_LIMIT_HELP
                ),
            )

    def record_index_range(self) -> None:
        """Count one index range read (each ``db.get`` and each query)."""
        self.index_ranges_read += 1
        limit = (self._limits or _DEFAULT_LIMITS).index_ranges_read
        if self.index_ranges_read > limit:
            raise TransactionLimitError(
                "TooManyReads",
                errors.TOO_MANY_READS.format(limit=limit, help=errors.OVER_LIMIT_HELP),
            )

    def _record_write(self, size: int) -> None:
        self.documents_written += 1
        self.bytes_written += size
        limits = self._limits or _DEFAULT_LIMITS
        if self.documents_written > limits.documents_written:
            raise TransactionLimitError(
                "TooManyWrites", errors.TOO_MANY_WRITES.format(limit=limits.documents_written)
            )
        if self.bytes_written > limits.bytes_written:
            raise TransactionLimitError(
                "TooManyBytesWritten",
                errors.TOO_MANY_BYTES_WRITTEN.format(limit=_format_bytes(limits.bytes_written)),
            )

    # ------------------------------------------------------------------ resolution
    def namespace(self, ns: str | NamespaceData) -> NamespaceData:
        """The :class:`NamespaceData` for a path (or itself)."""
        if isinstance(ns, NamespaceData):
            return ns
        return self.store.namespace(ns)

    def resolve_id(
        self,
        ns: NamespaceData,
        doc_id: Any,
        *,
        method: str,
        table: str | None = None,
        missing_table_ok: bool = False,
    ) -> Table | None:
        """The table an ID belongs to in ``ns``, with the backend's argument errors.

        Raises ``InvalidIdError`` for a non-ID string or an ID of another table than
        ``table``; for an ID of no table of ``ns``, returns ``None`` when
        ``missing_table_ok`` (``db.get``) and raises "Table for ID ... not found"
        otherwise.
        """
        if type(doc_id) is not str:
            if not isinstance(doc_id, str):
                raise errors.InvalidIdError(
                    errors.DB_ID_NOT_STRING.format(
                        method=method, kind=_type_label(doc_id), value=display_value(doc_id)
                    )
                )
            doc_id = str(doc_id)
        owner = self.store.owner_of(doc_id)
        if owner is not None and owner.live and owner.namespace is ns:
            found: Table | None = owner
        else:
            try:
                number = decode_id(doc_id).table_number
            except errors.InvalidIdError as exc:
                raise errors.InvalidIdError(_arg_error(method, "id", str(exc))) from None
            found = ns.by_number.get(number)
            if found is None:
                if missing_table_ok:
                    return None
                raise errors.InvalidIdError(
                    _arg_error(method, "id", errors.DB_TABLE_FOR_ID_NOT_FOUND.format(id=doc_id))
                )
        return found

    @staticmethod
    def _check_system(table: Table, system: bool) -> None:
        if table.is_system and not system:
            raise errors.ConvexTestError(errors.DB_SYSTEM_TABLE_GUARD)
        if system and not table.is_system:
            raise errors.ConvexTestError(errors.DB_USER_TABLE_GUARD)

    @staticmethod
    def _check_table_name(table: Table, expected: str | None, method: str) -> None:
        if expected is not None and expected != table.name:
            raise errors.InvalidIdError(
                _arg_error(
                    method, "id", errors.DB_WRONG_TABLE.format(expected=expected, actual=table.name)
                )
            )

    # ------------------------------------------------------------------ reads
    def get(
        self,
        ns: str | NamespaceData,
        doc_id: Any,
        *,
        table: str | None = None,
        system: bool = False,
        method: str | None = None,
    ) -> dict[str, Any] | None:
        """The stored document (not a copy!) with ID ``doc_id``, or ``None``.

        Counts as an index range read and, if found, a document read.
        """
        if self._closed:
            self._check_open()
        nsd = ns if type(ns) is NamespaceData else self.namespace(ns)
        if method is None:
            method = "db.system.get" if system else "db.get"
        owner = self.store.owner_of(doc_id) if type(doc_id) is str else None
        if owner is not None and owner.live and owner.namespace is nsd:
            tbl: Table | None = owner
        else:
            tbl = self.resolve_id(nsd, doc_id, method=method, missing_table_ok=True)
        self.record_index_range()
        if tbl is None:
            return None
        if tbl.is_system is not system:
            self._check_system(tbl, system)
        if table is not None and table != tbl.name:
            self._check_table_name(tbl, table, method)
        doc = tbl.docs.get(doc_id)
        if doc is not None:
            self.record_read(tbl.sizes[doc_id])
        return doc

    def normalize_id(
        self, ns: str | NamespaceData, table: Any, id_string: Any, *, system: bool = False
    ) -> str | None:
        """``db.normalizeId``: the ID if it is a valid ID of ``table``, else ``None``."""
        self._check_open()
        method = "db.system.normalizeId" if system else "db.normalizeId"
        if not isinstance(table, str):
            raise errors.ConvexTestError(
                _arg_error(
                    method,
                    "tableName",
                    errors.DB_EXPECTED_STRING.format(value=display_value(table)),
                )
            )
        if not isinstance(id_string, str):
            raise errors.ConvexTestError(
                _arg_error(
                    method, "id", errors.DB_EXPECTED_STRING.format(value=display_value(id_string))
                )
            )
        accessing_system = table.startswith("_")
        if accessing_system != system:
            raise errors.ConvexTestError(
                errors.DB_NORMALIZE_ID_ACCESS.format(
                    kind="System" if accessing_system else "User",
                    prefix="" if system else "system.",
                )
            )
        nsd = self.namespace(ns)
        tbl = nsd.tables.get(table)
        if tbl is None:
            return None
        owner = self.store.owner_of(id_string)
        if owner is not None and owner.live:
            return id_string if owner is tbl else None
        try:
            number = decode_id(id_string).table_number
        except errors.InvalidIdError:
            return None
        return str(id_string) if number == tbl.number else None

    # ------------------------------------------------------------------ writes
    def insert(
        self,
        ns: str | NamespaceData,
        table: Any,
        value: Any,
        *,
        system: bool = False,
        method: str = "db.insert",
    ) -> str:
        """Insert a document; return its new ID.

        ``system=True`` (scheduler, storage) allows the system tables and skips the
        schema; user code cannot write them.
        """
        if self._closed or self.read_only:
            self._check_writable(method)
        nsd = ns if type(ns) is NamespaceData else self.namespace(ns)
        if not isinstance(table, str):
            raise errors.ConvexTestError(
                _arg_error(
                    method, "table", errors.DB_EXPECTED_STRING.format(value=display_value(table))
                )
            )
        if not isinstance(value, dict):
            raise errors.ConvexTestError(_arg_error(method, "value", errors.DB_VALUE_NOT_OBJECT))
        if table.startswith("_"):
            if not system:
                raise errors.ConvexTestError(errors.DB_SYSTEM_READ_ONLY)
            if table not in SYSTEM_TABLE_NAMES:
                raise errors.ConvexTestError(errors.DB_SYSTEM_TABLE_PREFIX.format(table=table))
        elif system:
            raise errors.ConvexTestError(errors.DB_USER_TABLE_GUARD)
        tbl = nsd.tables.get(table)
        if tbl is None:
            problem = identifier_error(table)
            if problem is not None:
                raise errors.ConvexTestError(_arg_error(method, "table", problem))
        body, body_size = _convert_body(value)
        given_id = body.pop("_id", UNDEFINED)
        given_time = body.pop("_creationTime", UNDEFINED)
        if given_id is not UNDEFINED or given_time is not UNDEFINED:
            body_size = -1
        # The backend checks the document's own rules (ResolvedDocument::new) before the
        # schema: a top-level `_x` field fails as it does without a schema (below).
        underscore = _has_underscore_field(body)
        if not system and nsd.validates and not underscore:
            body = self._validate_schema(nsd, table, body)
        number = tbl.number if tbl is not None else nsd.number_for(table)
        store = self.store
        doc_id = store.ids.new_id(number)
        creation_time = store.next_creation_time()
        doc = {"_creationTime": creation_time, "_id": doc_id}
        if given_id is not UNDEFINED:
            _check_system_field("_id", given_id, doc)
        if given_time is not UNDEFINED:
            _check_system_field("_creationTime", given_time, doc)
        doc.update(body)
        size = _checked_size(doc, table, body_size, underscore)
        limits = self._limits or _DEFAULT_LIMITS
        if (
            self.documents_written >= limits.documents_written
            or self.bytes_written + size > limits.bytes_written
        ):
            self._record_write(size)  # raises the limit's error
        else:  # _record_write inlined
            self.documents_written += 1
            self.bytes_written += size
        if tbl is None:
            tbl = nsd.create_table(table, number=number)
            self._log.append((_TABLE, nsd, tbl))
        tbl.put(doc_id, doc, size)
        index = tbl.owner_index
        if index < 0:
            store.set_owner(doc_id, tbl)
        else:
            store.id_owner[doc_id] = index
        # An insert's undo entry is its bare ID (its table is ``owner_of(doc_id)``): no
        # allocation, and nothing for the garbage collector to track.
        self._log.append(doc_id)
        return doc_id

    def patch(
        self,
        ns: str | NamespaceData,
        doc_id: Any,
        value: Any,
        *,
        table: str | None = None,
        system: bool = False,
        method: str = "db.patch",
    ) -> None:
        """Shallow-merge ``value`` into a document (``UNDEFINED`` removes a field)."""
        nsd, tbl = self._target(ns, doc_id, table, system, method, value)
        old = tbl.docs.get(doc_id)
        if old is None:
            raise errors.ConvexTestError(errors.DB_UPDATE_NONEXISTENT.format(id=doc_id))
        changes: list[tuple[str, Any]] = []
        for key, item in value.items():
            key = check_field_name(key)
            if item is UNDEFINED:
                changes.append((key, UNDEFINED))
            else:
                changes.append((key, convert(item, f".{key}")))
        new = dict(old)
        changed = False
        for key, item in changes:
            if key in _SYSTEM_FIELDS:
                if item is not UNDEFINED:
                    _check_system_field(key, item, old)
                continue
            if item is UNDEFINED:
                if key in new:
                    del new[key]
                    changed = True
            else:
                previous = new.get(key, UNDEFINED)
                new[key] = item
                if not changed and (previous is UNDEFINED or sort_key(previous) != sort_key(item)):
                    changed = True
        if not changed:
            return
        self._write_update(nsd, tbl, doc_id, old, new, system)

    def replace(
        self,
        ns: str | NamespaceData,
        doc_id: Any,
        value: Any,
        *,
        table: str | None = None,
        system: bool = False,
        method: str = "db.replace",
    ) -> None:
        """Replace a document's body (``_id``/``_creationTime`` are kept)."""
        nsd, tbl = self._target(ns, doc_id, table, system, method, value)
        old = tbl.docs.get(doc_id)
        if old is None:
            raise errors.ConvexTestError(errors.DB_REPLACE_NONEXISTENT.format(id=doc_id))
        body = convert(value)
        for key in _SYSTEM_FIELDS:
            given = body.pop(key, UNDEFINED)
            if given is not UNDEFINED:
                _check_system_field(key, given, old)
        new = {"_creationTime": old["_creationTime"], "_id": old["_id"]}
        new.update(body)
        if sort_key(new) == sort_key(old):
            return
        self._write_update(nsd, tbl, doc_id, old, new, system)

    def delete(
        self,
        ns: str | NamespaceData,
        doc_id: Any,
        *,
        table: str | None = None,
        system: bool = False,
        method: str = "db.delete",
    ) -> None:
        """Delete a document."""
        _, tbl = self._target(ns, doc_id, table, system, method, _NO_VALUE)
        if doc_id not in tbl.docs:
            raise errors.ConvexTestError(errors.DB_DELETE_NONEXISTENT.format(id=doc_id))
        self._record_write(0)
        old, old_size = tbl.pop(doc_id)
        self._log.append((_DOC, tbl, doc_id, old, old_size))

    def _target(
        self,
        ns: str | NamespaceData,
        doc_id: Any,
        table: str | None,
        system: bool,
        method: str,
        value: Any,
    ) -> tuple[NamespaceData, Table]:
        """The checks patch/replace/delete share, in the backend's order; ``value`` is
        the new body (``_NO_VALUE`` for delete)."""
        self._check_writable(method)
        nsd = ns if type(ns) is NamespaceData else self.namespace(ns)
        tbl = self.resolve_id(nsd, doc_id, method=method, table=table)
        assert tbl is not None
        self._check_table_name(tbl, table, method)
        if value is not _NO_VALUE and not isinstance(value, dict):
            raise errors.ConvexTestError(_arg_error(method, "value", errors.DB_VALUE_NOT_OBJECT))
        self._check_system(tbl, system)
        return nsd, tbl

    def _write_update(
        self,
        nsd: NamespaceData,
        tbl: Table,
        doc_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        system: bool,
    ) -> None:
        if not system and nsd.validates:
            body = {k: v for k, v in new.items() if k not in _SYSTEM_FIELDS}
            if _has_underscore_field(body):
                # The document's own rules come before the schema (see insert).
                check_document(new, table=tbl.name)
            validated = self._validate_schema(nsd, tbl.name, body)
            new = {"_creationTime": old["_creationTime"], "_id": old["_id"]}
            new.update(validated)
        size = _checked_size(new, tbl.name)
        self._record_write(size)
        old_size = tbl.sizes[doc_id]
        tbl.swap(doc_id, old, new, size)
        self._log.append((_DOC, tbl, doc_id, old, old_size))

    @staticmethod
    def _validate_schema(nsd: NamespaceData, table: str, body: dict[str, Any]) -> dict[str, Any]:
        schema = nsd.schema
        tables = getattr(schema, "tables", None) or {}
        if table not in tables:
            raise errors.SchemaValidationError(
                errors.DB_TABLE_NOT_IN_SCHEMA.format(
                    table=table, hint=errors.did_you_mean(table, list(tables))
                )
            )
        validated: dict[str, Any] = schema.validate_document(table, body, tables=nsd)
        return validated

    # ------------------------------------------------------------------ helpers
    def vector_index(self, ns: str | NamespaceData, table: str, index: str) -> Any:
        """The ``VectorIndex`` ``table.index`` of a namespace (for ``ctx.vector_search``)."""
        nsd = self.namespace(ns)
        tbl = nsd.tables.get(table)
        if tbl is None:
            known = [
                f"{name}.{vector_index}"
                for name, other in nsd.tables.items()
                for vector_index in other.vector_indexes
            ]
            raise errors.ConvexTestError(
                errors.INDEX_NOT_FOUND.format(
                    table=table,
                    index=index,
                    hint=errors.did_you_mean(f"{table}.{index}", known),
                )
            )
        if index not in tbl.vector_indexes:
            names = tbl.index_names()
            if index in names:
                raise errors.ConvexTestError(
                    errors.INDEX_NOT_VECTOR.format(table=table, index=index)
                )
            raise errors.ConvexTestError(
                errors.INDEX_NOT_FOUND.format(
                    table=table, index=index, hint=errors.did_you_mean(index, names)
                )
            )
        return tbl.vector_indexes[index]

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("read-only" if self.read_only else "open")
        return f"<Transaction {state} writes={len(self._log)}>"


# ---------------------------------------------------------------------------------
# Fast path for the common case: a document made of canonical values.
# ---------------------------------------------------------------------------------

_INT_LIMIT: Final = 2**53
# The field-name check and the cache of names known to pass it are values.convert's.
_GOOD_KEYS: Final = _KNOWN_KEYS
_fast_key: Final = _learn_key
_Slow: Final = _NotCanonical


def _fast_value(value: Any, depth: int) -> tuple[Any, int, int]:
    """``(copy, size, nesting)`` of a canonical value, or raise :class:`_Slow`."""
    cls = type(value)
    if cls is str:
        if value.isascii():
            return value, 2 + len(value), 0
        try:
            return value, 2 + len(value.encode("utf-8")), 0
        except UnicodeEncodeError:
            raise _Slow from None
    if cls is float or value is None or cls is bool:
        return value, (9 if cls is float else 1), 0
    if cls is int:
        if -_INT_LIMIT <= value <= _INT_LIMIT:
            return value, 9, 0
        raise _Slow
    if cls is dict:
        if depth >= 63 or len(value) > 1024:
            raise _Slow
        out: dict[str, Any] = {}
        size = 2
        nesting = 0
        for k, v in value.items():
            if type(k) is not str or k not in _GOOD_KEYS:
                _fast_key(k)
            if v is UNDEFINED:
                continue
            item, item_size, item_nesting = _fast_value(v, depth + 1)
            out[k] = item
            size += len(k) + 1 + item_size
            if item_nesting > nesting:
                nesting = item_nesting
        return out, size, nesting + 1
    if cls is list:
        if depth >= 63 or len(value) > 8192:
            raise _Slow
        items = []
        size = 2
        nesting = 0
        for v in value:
            item, item_size, item_nesting = _fast_value(v, depth + 1)
            items.append(item)
            size += item_size
            if item_nesting > nesting:
                nesting = item_nesting
        return items, size, nesting + 1
    if cls is bytes:
        return value, 2 + len(value), 0
    if cls is Int64:
        return value, 9, 0
    raise _Slow


def _convert_body(value: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A canonical copy of a document body and its size (``-1``: measure later)."""
    # The top level is inlined: most fields are scalars.
    try:
        if len(value) > 1024:
            raise _Slow
        body: dict[str, Any] = {}
        size = 2
        nesting = 0
        good = _GOOD_KEYS
        for k, v in value.items():
            if type(k) is not str or k not in good:
                _fast_key(k)
            cls = type(v)
            if cls is str:
                size += len(k) + 3 + (len(v) if v.isascii() else _utf8_len(v))
            elif cls is float or cls is bool or v is None:
                size += len(k) + (10 if cls is float else 2)
            elif cls is int:
                if not -_INT_LIMIT <= v <= _INT_LIMIT:
                    raise _Slow
                size += len(k) + 10
            elif v is UNDEFINED:
                continue
            else:
                v, item_size, item_nesting = _fast_value(v, 1)
                size += len(k) + 1 + item_size
                if item_nesting > nesting:
                    nesting = item_nesting
            body[k] = v
    except _Slow:
        return convert(value), -1
    if nesting + 1 > MAX_DOCUMENT_NESTING:
        return body, -1
    return body, size


def _utf8_len(text: str) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise _Slow from None


def _document_size(body_size: int, doc: dict[str, Any]) -> int:
    """The size of ``doc`` = ``body`` plus its system fields."""
    # "_creationTime": 13 + 1 + 9; "_id": 3 + 1 + (2 + len(id)).
    return body_size + 23 + 6 + len(doc["_id"])


def _check_system_field(key: str, given: Any, old: dict[str, Any]) -> None:
    current = old[key]
    if sort_key(given) == sort_key(current):
        return
    if key == "_id":
        raise errors.InvalidIdError(
            errors.DB_ID_MISMATCH.format(id=display_value(current), given=display_value(given))
        )
    raise errors.ConvexTestError(
        errors.DB_CREATION_TIME_MISMATCH.format(
            creation_time=display_value(current), given=display_value(given)
        )
    )


def _has_underscore_field(body: dict[str, Any]) -> bool:
    """Whether a document body (without its system fields) has a top-level ``_x`` field."""
    for key in body:  # noqa: SIM110 - a plain loop: any() with a generator is ~2x slower
        if key[:1] == "_":
            return True
    return False


def _checked_size(
    doc: dict[str, Any], table: str, body_size: int = -1, underscore: bool | None = None
) -> int:
    """The Convex size of a document after enforcing the document limits.

    ``body_size`` is the size of the document without its system fields when the fast
    converter measured it (then nesting is known to be fine), else ``-1``.
    ``underscore`` is :func:`_has_underscore_field` of the body when already known.
    """
    if underscore is None:
        for key in doc:
            if key[:1] == "_" and key not in _SYSTEM_FIELDS:
                check_document(doc, table=table)
    elif underscore:
        check_document(doc, table=table)
    if body_size >= 0:
        size = _document_size(body_size, doc)
        if size <= MAX_DOCUMENT_SIZE:
            return size
    size, nesting = measure(doc)
    if size > MAX_DOCUMENT_SIZE or nesting > MAX_DOCUMENT_NESTING:
        check_document(doc, table=table)
    return size
