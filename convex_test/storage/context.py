"""``ctx.storage`` for each function kind.

| kind                       | ``ctx.storage``                                              |
|----------------------------|--------------------------------------------------------------|
| query                      | :class:`StorageReader`: ``get_url``, ``get_metadata``         |
| mutation, ``t.run``        | :class:`StorageWriter`: + ``generate_upload_url``, ``store``, |
|                            | ``get``, ``delete`` (in the mutation's transaction)          |
| action, HTTP action        | :class:`StorageWriter`: the same, each call committed at once |

Every method is a plain synchronous call.  Inside a query or mutation the calls read and
write through the function's transaction (so a failing mutation's files roll back with
it); in actions, which have no transaction, each call runs in one of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from convex_test import errors
from convex_test._guards import checked_arity
from convex_test.storage.files import Blob, FileStore

if TYPE_CHECKING:
    from convex_test.engine.execution import Frame
    from convex_test.engine.transaction import Transaction

__all__ = ["StorageReader", "StorageWriter", "storage_for"]

T = TypeVar("T")

_WRITER_HINTS = {
    "generate_upload_url": "Generate upload URLs in a mutation or an action.",
    "store": "Store files from a mutation or an action.",
    "get": "Read file contents in a mutation or an action (a query can use get_url).",
    "delete": "Delete files from a mutation or an action.",
}
_CAMEL_CASE = {
    "getUrl": "get_url",
    "getMetadata": "get_metadata",
    "generateUploadUrl": "generate_upload_url",
}


@checked_arity("ctx.storage")
class StorageReader:
    """``ctx.storage`` of a query: file URLs and metadata."""

    __slots__ = ("_files", "_frame")

    def __init__(self, files: FileStore, frame: Frame) -> None:
        self._files = files
        self._frame = frame

    def get_url(self, storage_id: str) -> str | None:
        """The URL serving the file (``{site}/api/storage/{uuid}``), or ``None`` if missing.

        ``storage_id`` is an ``Id<"_storage">`` (or a legacy storage UUID).
        """
        files = self._files
        return self._read(lambda txn: files.get_url(txn, storage_id))

    def get_metadata(self, storage_id: str) -> dict[str, Any] | None:
        """``{"storageId", "sha256", "size", "contentType"}`` of a file, or ``None``.

        Deprecated in Convex in favour of ``ctx.db.system.get(storage_id)``; here
        ``storageId`` is the storage UUID and ``sha256`` is hex (the ``_storage``
        document holds base64).
        """
        files = self._files
        return self._read(lambda txn: files.get_metadata(txn, storage_id))

    # ------------------------------------------------------------------ plumbing
    def _read(self, fn: Callable[[Transaction], T]) -> T:
        txn = self._frame.txn
        if txn is None:
            return self._files.files.run_in_transaction(fn, write=False)
        return fn(txn)

    def _write(self, fn: Callable[[Transaction], T]) -> T:
        txn = self._frame.txn
        if txn is None:
            return self._files.files.run_in_transaction(fn, write=True)
        return fn(txn)

    def __getattr__(self, name: str) -> Any:
        if name in _WRITER_HINTS:
            kind = self._frame.kind
            raise errors.ConvexTestError(
                errors.STORAGE_METHOD_MISSING.format(
                    name=name,
                    article="an" if kind[:1] in ("a", "e", "i", "o", "u") else "a",
                    kind=kind,
                    hint=_WRITER_HINTS[name],
                )
            )
        hint = f" Did you mean `{_CAMEL_CASE[name]}`?" if name in _CAMEL_CASE else ""
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}.{hint}")

    def __repr__(self) -> str:
        ns = self._files.namespace
        return f"<{type(self).__name__}{f' of component {ns!r}' if ns else ''}>"


@checked_arity("ctx.storage")
class StorageWriter(StorageReader):
    """``ctx.storage`` of a mutation, an action, an HTTP action and ``t.run``."""

    __slots__ = ()

    def generate_upload_url(self) -> str:
        """A URL to ``POST`` a file to (through ``t.fetch`` or ``t.http_client()``).

        The upload answers ``{"storageId": ...}``.  The URL is valid for one hour of
        engine time (``t.advance_time``).
        """
        return self._files.files.generate_upload_url(self._files.namespace)

    def store(
        self, data: bytes, content_type: str | None = None, *, sha256: str | None = None
    ) -> str:
        """Store ``data``; return its ``Id<"_storage">``.

        ``content_type`` is kept as the file's ``contentType``.  ``sha256`` (base64 or
        hex), if given, must be the digest of ``data``.  In a mutation the file is part
        of the transaction; in an action it is committed at once.
        """
        files = self._files
        return self._write(lambda txn: files.store(txn, data, content_type, sha256=sha256))

    def get(self, storage_id: str) -> Blob | None:
        """The file's bytes (a :class:`Blob` with ``.content_type``), or ``None`` if missing."""
        files = self._files
        return self._read(lambda txn: files.get(txn, storage_id))

    def delete(self, storage_id: str) -> None:
        """Delete a file.  A missing file raises ``storage id ... not found``."""
        files = self._files
        self._write(lambda txn: files.delete(txn, storage_id))


def storage_for(files: FileStore, frame: Frame) -> StorageReader:
    """The ``ctx.storage`` of one function execution."""
    if frame.kind == "query":
        return StorageReader(files, frame)
    return StorageWriter(files, frame)
