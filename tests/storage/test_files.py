"""FileStore / Files on a bare Store: namespaces, UUIDs, tokens and endpoints."""

from __future__ import annotations

import uuid

import pytest

from convex_test.engine.store import Store
from convex_test.errors import InvalidIdError
from convex_test.storage import UPLOAD_TOKEN_VALIDITY_MS, Files


class FakeClock:
    def __init__(self, ms: float = 1_700_000_000_000.0) -> None:
        self.ms = ms

    def now_ms(self) -> float:
        return self.ms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def files(clock: FakeClock) -> Files:
    store = Store(clock)
    store.add_namespace("", None)
    store.add_namespace("comp", None)
    return Files(store, clock)


def stored(files: Files, namespace: str, data: bytes, content_type: str | None = None) -> str:
    fs = files.namespace(namespace)
    storage_id: str = files.run_in_transaction(
        lambda txn: fs.store(txn, data, content_type), write=True
    )
    return storage_id


def test_each_namespace_has_its_own_store(files: Files) -> None:
    assert files.namespace("") is files.namespace("")
    assert files.namespace("comp") is not files.namespace("")
    assert files.namespace("comp").namespace == "comp"


def test_a_component_file_is_invisible_to_the_app(files: Files) -> None:
    storage_id = stored(files, "comp", b"component file")
    app = files.namespace("")
    comp = files.namespace("comp")
    with pytest.raises(InvalidIdError, match="cannot be an ID on any table other than"):
        files.run_in_transaction(lambda txn: app.get(txn, storage_id), write=False)
    assert files.run_in_transaction(lambda txn: comp.get(txn, storage_id), write=False) == (
        b"component file"
    )
    # ... but its URL works: storage UUIDs are unique across the backend.
    (storage_uuid,) = comp.blobs
    response = files.download(storage_uuid)
    assert response is not None
    assert response.content == b"component file"


def test_uuids_are_version_4_and_unique(files: Files) -> None:
    made = {files.new_uuid() for _ in range(200)}
    assert len(made) == 200
    assert all(uuid.UUID(u).version == 4 for u in made)


def test_tokens_and_uuids_are_deterministic(clock: FakeClock) -> None:
    def run() -> tuple[str, str]:
        store = Store(clock)
        store.add_namespace("", None)
        files = Files(store, clock)
        return files.new_uuid(), files.generate_upload_url("")

    assert run() == run()


def test_site_url_shapes_urls(files: Files) -> None:
    files.site_url = "http://localhost:3211/"
    assert files.file_url("abc").startswith("http://localhost:3211/api/storage/abc")
    assert files.generate_upload_url("").startswith(
        "http://localhost:3211/api/storage/upload?token="
    )


def test_upload_token_validity_window(files: Files, clock: FakeClock) -> None:
    token = files.generate_upload_url("").split("token=")[1]
    clock.ms += UPLOAD_TOKEN_VALIDITY_MS - 1
    ok = files.upload(token, b"in time", None)
    assert ok.status_code == 200
    clock.ms += 1
    late = files.upload(token, b"too late", None)
    assert late.status_code == 401
    assert late.json() == {
        "code": "StorageTokenExpired",
        "message": "Store File Authorization expired",
    }


def test_upload_to_a_component_token_lands_in_the_component(files: Files) -> None:
    token = files.generate_upload_url("comp").split("token=")[1]
    storage_id = files.upload(token, b"x", "text/plain").json()["storageId"]
    comp = files.namespace("comp")
    entry = files.run_in_transaction(
        lambda txn: comp.lookup(txn, storage_id, method="storage.get"), write=False
    )
    assert entry is not None
    assert entry.doc["contentType"] == "text/plain"
    assert files.namespace("").blobs == {}


def test_download_of_an_unknown_uuid_is_none(files: Files) -> None:
    assert files.download(str(uuid.UUID(int=5))) is None
    bad = files.download("not-a-uuid")
    assert bad is not None
    assert bad.status_code == 400
    assert bad.json()["code"] == "InvalidStoragePath"


def test_repr(files: Files) -> None:
    stored(files, "", b"x")
    assert repr(files.namespace("")) == "<FileStore '' (1 blobs)>"
    assert "convex.test.site" in repr(files)
