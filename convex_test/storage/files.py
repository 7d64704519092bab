"""File storage state: blobs, ``_storage`` documents, upload tokens and file URLs.

One :class:`FileStore` per namespace (the app, each component) keeps the blobs, keyed by
a storage UUID: the ID file URLs and ``get_metadata()["storageId"]`` show.  A file's
metadata is a document of the namespace's ``_storage`` system table, written through
the transaction API, so a file stored by a mutation that fails disappears with it (the
blob stays in memory, unreachable).  :class:`Files` (``backend.files``) owns the stores
of every namespace, issues upload tokens and serves the site's storage endpoints (upload
URLs and file URLs) to the HTTP transport.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import random
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from convex_test import errors
from convex_test.http import DEFAULT_SITE_URL
from convex_test.ids import is_id
from convex_test.values.display import display_value, safe_repr

if TYPE_CHECKING:
    import httpx

    from convex_test.engine.store import ClockLike, Store
    from convex_test.engine.transaction import Transaction

__all__ = [
    "STORAGE_TABLE",
    "UPLOAD_TOKEN_VALIDITY_MS",
    "FileEntry",
    "FileStore",
    "Files",
]

STORAGE_TABLE: Final = "_storage"
#: How long an upload URL stays valid, in engine-clock ms (Convex: one hour).
UPLOAD_TOKEN_VALIDITY_MS: Final = 60 * 60 * 1000
_CACHE_CONTROL: Final = "private, max-age=2592000"  # 30 days, as Convex serves files

T = TypeVar("T")


class FileEntry:
    """A stored file as seen by one transaction: its ``_storage`` document and blob."""

    __slots__ = ("doc", "doc_id", "storage_uuid")

    def __init__(self, doc_id: str, storage_uuid: str, doc: dict[str, Any]) -> None:
        self.doc_id = doc_id
        self.storage_uuid = storage_uuid
        self.doc = doc

    def __repr__(self) -> str:
        return f"FileEntry({self.doc_id!r}, {self.storage_uuid!r})"


class Blob(bytes):
    """File contents from ``ctx.storage.get``: ``bytes`` that also carry the stored
    ``content_type`` (JS ``Blob.type``), so an HTTP action can serve a file without an
    extra lookup.  Crossing a function boundary it becomes plain ``bytes``.
    """

    content_type: str | None

    def __new__(cls, data: bytes, content_type: str | None = None) -> Blob:
        blob = super().__new__(cls, data)
        blob.content_type = content_type
        return blob

    def __reduce__(self) -> tuple[Any, ...]:
        return (Blob, (bytes(self), self.content_type))


class FileStore:
    """The files of one namespace.

    ``blobs`` maps storage UUID -> contents; ``uuid_of`` / ``id_of`` map between a file's
    ``_storage`` document ID and its storage UUID.  None of these shrink: whether a file
    exists is decided by its ``_storage`` document in the reading transaction.
    """

    __slots__ = ("blobs", "files", "id_of", "namespace", "uuid_of")

    def __init__(self, files: Files, namespace: str) -> None:
        self.files = files
        self.namespace = namespace
        self.blobs: dict[str, bytes] = {}
        self.uuid_of: dict[str, str] = {}
        self.id_of: dict[str, str] = {}

    # ------------------------------------------------------------------ writes
    def store(
        self,
        txn: Transaction,
        data: Any,
        content_type: Any = None,
        *,
        sha256: Any = None,
    ) -> str:
        """Store ``data`` in ``txn``; return the new ``Id<"_storage">``."""
        body = _check_data(data)
        if content_type is not None and not isinstance(content_type, str):
            raise errors.ConvexTestError(
                errors.STORAGE_CONTENT_TYPE.format(value=_show(content_type))
            )
        digest = hashlib.sha256(body).digest()
        if sha256 is not None:
            expected = _parse_sha256(sha256)
            if expected != digest:
                raise errors.ConvexTestError(
                    errors.STORAGE_SHA256_MISMATCH.format(
                        expected=_b64(expected), actual=_b64(digest)
                    )
                )
        storage_uuid = self.files.new_uuid()
        doc_id = txn.insert(
            self.namespace,
            STORAGE_TABLE,
            {"sha256": _b64(digest), "size": float(len(body)), "contentType": content_type},
            system=True,
            method="storage.store",
        )
        self.blobs[storage_uuid] = body
        self.uuid_of[doc_id] = storage_uuid
        self.id_of[storage_uuid] = doc_id
        self.files.owners[storage_uuid] = self
        return doc_id

    def delete(self, txn: Transaction, storage_id: Any) -> None:
        """Delete a file; a missing one raises Convex's "storage id ... not found"."""
        entry = self.lookup(txn, storage_id, method="storage.delete")
        if entry is None:
            raise errors.ConvexTestError(errors.STORAGE_ID_NOT_FOUND.format(storage_id=storage_id))
        txn.delete(self.namespace, entry.doc_id, system=True, method="storage.delete")

    # ------------------------------------------------------------------ reads
    def lookup(self, txn: Transaction, storage_id: Any, *, method: str) -> FileEntry | None:
        """The file ``storage_id`` names (an ``Id<"_storage">`` or a storage UUID).

        Returns ``None`` for a well-formed ID of no existing file; raises
        :class:`~convex_test.errors.InvalidIdError` for anything else.
        """
        # The backend frames these as `Invalid argument `storageId` for `storage.getUrl`: ...`.
        prefix = errors.STORAGE_ARGUMENT.format(method=method)
        if not isinstance(storage_id, str):
            raise errors.InvalidIdError(
                prefix + errors.STORAGE_ID_NOT_STRING.format(value=_show(storage_id))
            )
        if is_id(storage_id):
            owner = txn.namespace(self.namespace).table_for_id(storage_id)
            if owner != (STORAGE_TABLE, True):
                raise errors.InvalidIdError(prefix + errors.STORAGE_ID_OTHER_TABLE)
            doc_id = str(storage_id)
        else:
            try:
                parsed = uuid.UUID(storage_id)
            except ValueError:
                raise errors.InvalidIdError(
                    prefix + errors.STORAGE_INVALID_ID.format(storage_id=storage_id)
                ) from None
            found = self.id_of.get(str(parsed))
            if found is None:
                txn.record_index_range()  # still a (fruitless) index read
                return None
            doc_id = found
        doc = txn.get(self.namespace, doc_id, system=True, method=method)
        storage_uuid = self.uuid_of.get(doc_id)
        if doc is None or storage_uuid is None:
            return None
        return FileEntry(doc_id, storage_uuid, doc)

    def get(self, txn: Transaction, storage_id: Any) -> Blob | None:
        """The contents of a file (with its content type), or ``None`` if it does not exist."""
        entry = self.lookup(txn, storage_id, method="storage.get")
        if entry is None:
            return None
        return Blob(self.blobs[entry.storage_uuid], entry.doc.get("contentType"))

    def get_url(self, txn: Transaction, storage_id: Any) -> str | None:
        """The file's URL on the site, or ``None`` if it does not exist."""
        entry = self.lookup(txn, storage_id, method="storage.getUrl")
        return None if entry is None else self.files.file_url(entry.storage_uuid)

    def get_metadata(self, txn: Transaction, storage_id: Any) -> dict[str, Any] | None:
        """``{"storageId": uuid, "sha256": hex, "size", "contentType"}`` or ``None``."""
        entry = self.lookup(txn, storage_id, method="storage.getMetadata")
        if entry is None:
            return None
        doc = entry.doc
        return {
            "storageId": entry.storage_uuid,
            "sha256": base64.b64decode(doc["sha256"]).hex(),
            "size": doc["size"],
            "contentType": doc.get("contentType"),
        }

    def __repr__(self) -> str:
        return f"<FileStore {self.namespace!r} ({len(self.blobs)} blobs)>"


class Files:
    """File storage of one backend: a :class:`FileStore` per namespace, upload tokens
    and the site's storage endpoints (a :class:`~convex_test.http.StorageEndpoints`).

    ``site_url`` is the origin of upload URLs and file URLs (and of ``t.fetch``).
    """

    __slots__ = (
        "_stores",
        "_token_rng",
        "_tokens",
        "_uuid_rng",
        "clock",
        "owners",
        "request_ids",
        "site_url",
        "store",
    )

    def __init__(self, store: Store, clock: ClockLike, *, site_url: str = DEFAULT_SITE_URL) -> None:
        self.store = store
        self.clock = clock
        self.site_url = site_url
        self._stores: dict[str, FileStore] = {}
        # token -> (namespace, issued at, engine ms)
        self._tokens: dict[str, tuple[str, float]] = {}
        # storage UUID -> the store holding it (UUIDs are unique across namespaces)
        self.owners: dict[str, FileStore] = {}
        # Fixed seeds: the same test always sees the same UUIDs and tokens.
        self._uuid_rng = random.Random(0x5707A6E)
        self._token_rng = random.Random(0x70CE4)
        #: Numbers the ``[Request ID: ...]`` of the site's 500 responses (one per backend).
        self.request_ids = itertools.count(1)

    def namespace(self, path: str) -> FileStore:
        """The :class:`FileStore` of namespace ``path`` (created on first use)."""
        files = self._stores.get(path)
        if files is None:
            files = self._stores[path] = FileStore(self, path)
        return files

    # ------------------------------------------------------------------ identifiers
    def new_uuid(self) -> str:
        """A fresh storage UUID (version 4 format, deterministic per backend)."""
        return str(uuid.UUID(int=self._uuid_rng.getrandbits(128), version=4))

    def _origin(self) -> str:
        return str(self.site_url).rstrip("/")

    def file_url(self, storage_uuid: str) -> str:
        """The URL serving a file: ``{site_url}/api/storage/{uuid}``."""
        return f"{self._origin()}/api/storage/{storage_uuid}"

    def generate_upload_url(self, namespace: str) -> str:
        """A URL to POST a file to, valid for one hour of engine time."""
        token = base64.urlsafe_b64encode(self._token_rng.randbytes(24)).decode("ascii")
        self._tokens[token] = (namespace, float(self.clock.now_ms()))
        return f"{self._origin()}/api/storage/upload?token={token}"

    # ------------------------------------------------------------------ transactions
    def run_in_transaction(self, fn: Callable[[Transaction], T], *, write: bool) -> T:
        """Run ``fn(txn)`` in a transaction of its own, committed if ``write`` succeeds."""
        txn = self.store.begin(read_only=not write)
        try:
            result = fn(txn)
        except BaseException:
            txn.rollback()
            raise
        if write:
            txn.commit()
        else:
            txn.rollback()
        return result

    # ------------------------------------------------------------------ endpoints
    def upload(self, token: str, body: bytes, content_type: str | None) -> httpx.Response:
        """``POST /api/storage/upload?token=...``: store the body, answer its storage ID."""
        import httpx

        from convex_test.http.transport import error_json

        issued = self._tokens.get(token)
        if issued is None:
            return error_json(401, "StorageTokenInvalid", errors.STORAGE_TOKEN_INVALID)
        namespace, issued_ms = issued
        if float(self.clock.now_ms()) >= issued_ms + UPLOAD_TOKEN_VALIDITY_MS:
            return error_json(401, "StorageTokenExpired", errors.STORAGE_TOKEN_EXPIRED)
        files = self.namespace(namespace)
        storage_id = self.run_in_transaction(
            lambda txn: files.store(txn, body, content_type), write=True
        )
        return httpx.Response(200, json={"storageId": storage_id})

    def download(self, storage_uuid: str) -> httpx.Response | None:
        """``GET /api/storage/<uuid>``: the file with its content type, or ``None``."""
        import httpx

        from convex_test.http.transport import error_json

        try:
            key = str(uuid.UUID(storage_uuid))
        except ValueError:
            return error_json(
                400, "InvalidStoragePath", errors.STORAGE_INVALID_PATH.format(uuid=storage_uuid)
            )
        files = self.owners.get(key)
        if files is None:
            return None
        entry = self.run_in_transaction(
            lambda txn: files.lookup(txn, key, method="storage.get"), write=False
        )
        if entry is None:
            return None
        body = files.blobs[entry.storage_uuid]
        headers = {
            "Digest": f"sha-256={entry.doc['sha256']}",
            "Cache-Control": _CACHE_CONTROL,
            "Accept-Ranges": "bytes",
        }
        content_type = entry.doc.get("contentType")
        if content_type is not None:
            headers["Content-Type"] = content_type
        return httpx.Response(200, headers=headers, content=body)

    def __repr__(self) -> str:
        return f"<Files site={self.site_url!r} namespaces={sorted(self._stores)}>"


def _check_data(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    hint = errors.STORAGE_DATA_STR_HINT if isinstance(data, str) else ""
    raise errors.ConvexTestError(
        errors.STORAGE_DATA_NOT_BYTES.format(type=type(data).__name__, hint=hint)
    )


def _parse_sha256(value: Any) -> bytes:
    """A SHA-256 digest given as base64 (Convex's form) or hex."""
    if isinstance(value, str):
        try:
            if len(value) == 64:
                return bytes.fromhex(value)
            if len(value) == 44:
                digest = base64.b64decode(value, validate=True)
                if len(digest) == 32:
                    return digest
        except (ValueError, binascii.Error):
            pass
    raise errors.ConvexTestError(errors.STORAGE_BAD_SHA256.format(value=_show(value)))


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _show(value: Any) -> str:
    try:
        return display_value(value)
    except Exception:  # not a Convex value: fall back to repr
        return safe_repr(value)
