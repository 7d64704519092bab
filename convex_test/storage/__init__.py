"""File storage: blobs and ``_storage`` documents per namespace, and ``ctx.storage``."""

from __future__ import annotations

from convex_test.storage.context import StorageReader, StorageWriter, storage_for
from convex_test.storage.files import (
    STORAGE_TABLE,
    UPLOAD_TOKEN_VALIDITY_MS,
    Blob,
    FileEntry,
    Files,
    FileStore,
)

__all__ = [
    "STORAGE_TABLE",
    "UPLOAD_TOKEN_VALIDITY_MS",
    "Blob",
    "FileEntry",
    "FileStore",
    "Files",
    "StorageReader",
    "StorageWriter",
    "storage_for",
]
