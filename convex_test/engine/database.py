"""``ctx.db``: :class:`DatabaseReader` (queries) and :class:`DatabaseWriter` (mutations).

Both wrap one :class:`~convex_test.engine.transaction.Transaction` and one namespace
(the app ``""`` or a component).  They add the JS client's argument handling (the
``get(table, id)`` overloads, system-table rules) and copy every document they return,
so mutating a result never changes the store.  The runner builds one per function
execution: the one-``paginate``-per-function rule is counted per instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, NoReturn

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.engine.query import QueryInitializer
from convex_test.engine.store import copy_doc
from convex_test.values.display import display_value

if TYPE_CHECKING:
    from convex_test.engine.store import NamespaceData
    from convex_test.engine.transaction import Transaction

__all__ = ["DatabaseReader", "DatabaseWriter", "SystemReader", "TableReader", "TableWriter"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()


def _table_arg(table: Any, method: str) -> str:
    if not isinstance(table, str):
        raise errors.ConvexTestError(
            errors.DB_ARG.format(
                arg="table",
                method=method,
                cause=errors.DB_EXPECTED_STRING.format(value=display_value(table)),
            )
        )
    return table


def _check_query_table(table: Any, system: bool) -> str:
    if not isinstance(table, str):
        raise errors.query_arg_error(1, "tableName", "query", "a table name string", table)
    accessing_system = table.startswith("_")
    if accessing_system != system:
        raise errors.ConvexTestError(
            errors.DB_QUERY_ACCESS.format(
                kind="System" if accessing_system else "User", prefix="" if system else "system."
            )
        )
    return table


@checked_arity("ctx.db")
class DatabaseReader:
    """``ctx.db`` in a query: ``get``, ``query``, ``normalize_id``, ``system``, ``table``."""

    __slots__ = ("_system", "namespace", "paginated", "txn")

    def __init__(self, txn: Transaction, namespace: str | NamespaceData = "") -> None:
        self.txn = txn
        self.namespace = txn.namespace(namespace)
        self.paginated = False
        self._system: SystemReader | None = None

    @property
    def system(self) -> SystemReader:
        """``ctx.db.system``: the reader of the system tables (made on first use)."""
        system = self._system
        if system is None:
            system = self._system = SystemReader(self)
        return system

    def get(self, table_or_id: Any, doc_id: Any = _MISSING) -> dict[str, Any] | None:
        """The document with this ID (a copy), or ``None``; ``get(table, id)`` checks the table."""
        if doc_id is _MISSING:
            doc = self.txn.get(self.namespace, table_or_id)
        else:
            table = _table_arg(table_or_id, "db.get")
            doc = self.txn.get(self.namespace, doc_id, table=table)
        return None if doc is None else copy_doc(doc)

    def query(self, table: str) -> QueryInitializer:
        """Start a query on a user table."""
        return QueryInitializer(self, _check_query_table(table, False))

    def normalize_id(self, table: str, id: str) -> str | None:
        """``id`` if it is a valid ID of ``table``, else ``None`` (never raises for a bad ID)."""
        return self.txn.normalize_id(self.namespace, table, id)

    def table(self, name: str) -> TableReader:
        """Methods bound to one table: ``get(id)``, ``query()``."""
        return TableReader(self, _table_arg(name, "db.table"), system=False)

    def _read_only(self, method: str) -> NoReturn:
        raise errors.ConvexTestError(errors.DB_READER_WRITE.format(method=method))

    def insert(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not available: queries are read-only."""
        self._read_only("insert")

    def patch(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not available: queries are read-only."""
        self._read_only("patch")

    def replace(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not available: queries are read-only."""
        self._read_only("replace")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not available: queries are read-only."""
        self._read_only("delete")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} namespace={self.namespace.path!r}>"


@checked_arity("ctx.db")
class DatabaseWriter(DatabaseReader):
    """``ctx.db`` in a mutation: the reader plus ``insert``, ``patch``, ``replace``, ``delete``."""

    __slots__ = ()

    def insert(self, table: str, value: dict[str, Any]) -> str:  # type: ignore[override]
        """Insert a document into ``table``; return its ID."""
        return self.txn.insert(self.namespace, table, value)

    def patch(self, *args: Any) -> None:  # type: ignore[override]
        """``patch(id, partial)`` or ``patch(table, id, partial)``: shallow merge.

        ``UNDEFINED`` values remove fields; ``_id``/``_creationTime`` may appear only
        with their current values.
        """
        table, doc_id, value = _split_write_args(args, "patch")
        self.txn.patch(self.namespace, doc_id, value, table=table)

    def replace(self, *args: Any) -> None:  # type: ignore[override]
        """``replace(id, doc)`` or ``replace(table, id, doc)``: replace the whole body."""
        table, doc_id, value = _split_write_args(args, "replace")
        self.txn.replace(self.namespace, doc_id, value, table=table)

    def delete(self, *args: Any) -> None:  # type: ignore[override]
        """``delete(id)`` or ``delete(table, id)``."""
        if len(args) == 1:
            self.txn.delete(self.namespace, args[0])
        elif len(args) == 2:
            table = _table_arg(args[0], "db.delete")
            self.txn.delete(self.namespace, args[1], table=table)
        else:
            raise errors.ConvexTestError(
                errors.DB_ARITY.format(
                    method="delete", forms="(id) or (table, id)", count=len(args)
                )
            )

    def table(self, name: str) -> TableWriter:
        """Methods bound to one table: ``get``, ``query``, ``insert``, ``patch``, ..."""
        return TableWriter(self, _table_arg(name, "db.table"), system=False)


def _split_write_args(args: tuple[Any, ...], method: str) -> tuple[str | None, Any, Any]:
    if len(args) == 2:
        return None, args[0], args[1]
    if len(args) == 3:
        return _table_arg(args[0], f"db.{method}"), args[1], args[2]
    raise errors.ConvexTestError(
        errors.DB_ARITY.format(
            method=method, forms="(id, value) or (table, id, value)", count=len(args)
        )
    )


@checked_arity("ctx.db.system")
class SystemReader:
    """``ctx.db.system``: read ``_storage`` and ``_scheduled_functions``."""

    __slots__ = ("_reader",)

    def __init__(self, reader: DatabaseReader) -> None:
        self._reader = reader

    def get(self, table_or_id: Any, doc_id: Any = _MISSING) -> dict[str, Any] | None:
        """The system document with this ID (a copy), or ``None``."""
        reader = self._reader
        if doc_id is _MISSING:
            doc = reader.txn.get(reader.namespace, table_or_id, system=True)
        else:
            table = _table_arg(table_or_id, "db.system.get")
            doc = reader.txn.get(reader.namespace, doc_id, table=table, system=True)
        return None if doc is None else copy_doc(doc)

    def query(self, table: str) -> QueryInitializer:
        """Start a query on a system table."""
        return QueryInitializer(self._reader, _check_query_table(table, True))

    def normalize_id(self, table: str, id: str) -> str | None:
        """``id`` if it is a valid ID of the system table ``table``, else ``None``."""
        reader = self._reader
        return reader.txn.normalize_id(reader.namespace, table, id, system=True)

    def table(self, name: str) -> TableReader:
        """Methods bound to one system table."""
        return TableReader(self._reader, _table_arg(name, "db.table"), system=True)

    def __repr__(self) -> str:
        return f"<SystemReader namespace={self._reader.namespace.path!r}>"


@checked_arity("ctx.db.table(name)")
class TableReader:
    """``ctx.db.table(name)``: ``get(id)`` and ``query()`` for one table."""

    __slots__ = ("_name", "_reader", "_system")

    def __init__(self, reader: DatabaseReader, name: str, *, system: bool) -> None:
        self._reader = reader
        self._name = name
        self._system = system

    def get(self, doc_id: Any) -> dict[str, Any] | None:
        """The document with this ID if it belongs to this table."""
        reader = self._reader
        doc = reader.txn.get(reader.namespace, doc_id, table=self._name, system=self._system)
        return None if doc is None else copy_doc(doc)

    def query(self) -> QueryInitializer:
        """Start a query on this table."""
        return QueryInitializer(self._reader, _check_query_table(self._name, self._system))

    def __repr__(self) -> str:
        return f"<TableReader {self._name}>"


@checked_arity("ctx.db.table(name)")
class TableWriter(TableReader):
    """``ctx.db.table(name)`` in a mutation: also ``insert``, ``patch``, ``replace``, ``delete``."""

    __slots__ = ()

    def insert(self, value: dict[str, Any]) -> str:
        """Insert a document into this table."""
        reader = self._reader
        return reader.txn.insert(reader.namespace, self._name, value)

    def patch(self, doc_id: Any, value: dict[str, Any]) -> None:
        """Shallow-merge into a document of this table."""
        reader = self._reader
        reader.txn.patch(reader.namespace, doc_id, value, table=self._name)

    def replace(self, doc_id: Any, value: dict[str, Any]) -> None:
        """Replace a document of this table."""
        reader = self._reader
        reader.txn.replace(reader.namespace, doc_id, value, table=self._name)

    def delete(self, doc_id: Any) -> None:
        """Delete a document of this table."""
        reader = self._reader
        reader.txn.delete(reader.namespace, doc_id, table=self._name)
