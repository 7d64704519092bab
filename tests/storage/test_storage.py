"""ctx.storage through ``t``: convex-test's storage.test.ts scenarios and more."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convex_test.errors import ConvexError, ConvexTestError, InvalidIdError
from convex_test.functions import components
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "http_app"
TWO_BYTES = bytes([0b00001100, 0b00000000])
TWO_BYTES_SHA256 = "v2DkNJys5rzg1VLo14NCjbZtDWSb2eQwo2J+LuFKyDk="  # from storage.test.ts
FILE_URL = re.compile(r"^https://convex\.test\.site/api/storage/[0-9a-f-]{36}$")


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP)


def store(t: ConvexTest, data: bytes = TWO_BYTES) -> str:
    storage_id: str = t.action("storage:action_store_blob", {"bytes": data})
    return storage_id


# --- convex-test storage.test.ts --------------------------------------------------------


def test_action_store_blob(t: ConvexTest) -> None:
    storage_id = store(t)
    files = t.query("storage:list_files")
    assert len(files) == 1
    assert files[0]["_id"] == storage_id
    assert files[0]["sha256"] == TWO_BYTES_SHA256
    assert files[0]["size"] == 2.0
    assert isinstance(files[0]["size"], float)
    # Unlike convex-test, the real backend keeps contentType: null when none is given.
    assert files[0]["contentType"] is None
    assert set(files[0]) == {"_id", "_creationTime", "sha256", "size", "contentType"}


def test_action_get_blob(t: ConvexTest) -> None:
    storage_id = store(t)
    assert t.action("storage:action_get_blob", {"id": storage_id}) == TWO_BYTES


def test_action_delete_blob(t: ConvexTest) -> None:
    storage_id = store(t)
    t.action("storage:action_delete_blob", {"id": storage_id})
    assert t.action("storage:action_get_blob", {"id": storage_id}) is None
    assert t.query("storage:list_files") == []


def test_mutation_delete_blob(t: ConvexTest) -> None:
    storage_id = t.run(lambda ctx: ctx.storage.store(TWO_BYTES))
    t.mutation("storage:mutation_delete_blob", {"id": storage_id})
    assert t.action("storage:action_get_blob", {"id": storage_id}) is None


def test_query_get_url(t: ConvexTest) -> None:
    storage_id = store(t)
    url = t.query("storage:query_get_url", {"id": storage_id})
    assert FILE_URL.match(url)
    t.mutation("storage:mutation_delete_blob", {"id": storage_id})
    assert t.query("storage:query_get_url", {"id": storage_id}) is None


def test_mutation_generate_upload_url(t: ConvexTest) -> None:
    url = t.mutation("storage:mutation_generate_upload_url")
    assert re.fullmatch(r"https://convex\.test\.site/api/storage/upload\?token=[\w-]+=*", url)


def test_t_run_storage_changes_roll_back_with_the_transaction(t: ConvexTest) -> None:
    kept = store(t, b"\x01\x02")

    def body(ctx: Any) -> None:
        new_id = ctx.storage.store(b"uncommitted")
        assert ctx.storage.get(new_id) == b"uncommitted"
        ctx.storage.delete(kept)
        assert ctx.storage.get(kept) is None
        raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        t.run(body)
    assert [f["_id"] for f in t.query("storage:list_files")] == [kept]
    assert t.action("storage:action_get_blob", {"id": kept}) == b"\x01\x02"


def test_nested_storage_deletion_rolls_back_with_its_parent_mutation(t: ConvexTest) -> None:
    storage_id = store(t, b"\x01\x02")

    def parent(ctx: Any) -> None:
        ctx.run_mutation("storage:mutation_delete_blob", {"id": storage_id})
        assert ctx.run_query("storage:query_get_url", {"id": storage_id}) is None
        raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        t.mutation(parent)
    assert t.action("storage:action_get_blob", {"id": storage_id}) == b"\x01\x02"
    assert FILE_URL.match(t.query("storage:query_get_url", {"id": storage_id}))
    t.action("storage:action_delete_blob", {"id": storage_id})
    assert t.action("storage:action_get_blob", {"id": storage_id}) is None
    assert t.query("storage:query_get_url", {"id": storage_id}) is None
    assert t.query("storage:list_files") == []


def test_nested_mutation_that_fails_rolls_back_only_its_own_store(t: ConvexTest) -> None:
    def parent(ctx: Any) -> list[str]:
        outer = ctx.storage.store(b"outer")
        with pytest.raises(ConvexError):
            ctx.run_mutation("storage:store_then_fail", {"text": "inner"})
        return [outer]

    (outer,) = t.mutation(parent)
    assert [f["_id"] for f in t.query("storage:list_files")] == [outer]


@pytest.fixture
def with_component(t: ConvexTest) -> ConvexTest:
    t.register_component("files", modules=APP)
    return t


def test_nested_component_storage_deletion_rolls_back_with_its_parent_mutation(
    with_component: ConvexTest,
) -> None:
    t = with_component
    storage = components.files.storage
    storage_id = t.action(storage.action_store_blob, {"bytes": b"\x01\x02"})

    def parent(ctx: Any) -> None:
        ctx.run_mutation(storage.delete_file, {"id": storage_id})
        assert ctx.run_query(storage.file_url, {"id": storage_id}) is None
        raise RuntimeError("rollback")

    with pytest.raises(RuntimeError, match="rollback"):
        t.mutation(parent)
    assert t.action(storage.action_get_blob, {"id": storage_id}) == b"\x01\x02"
    assert FILE_URL.match(t.query(storage.query_get_url, {"id": storage_id}))
    t.action(storage.action_delete_blob, {"id": storage_id})
    assert t.action(storage.action_get_blob, {"id": storage_id}) is None
    assert t.query(storage.list_files) == []


def test_component_files_are_separate_from_the_app(with_component: ConvexTest) -> None:
    t = with_component
    storage = components.files.storage
    component_id = t.action(storage.action_store_blob, {"bytes": b"component"})
    app_id = store(t, b"app")
    assert [f["_id"] for f in t.query(storage.list_files)] == [component_id]
    assert [f["_id"] for f in t.query("storage:list_files")] == [app_id]
    with pytest.raises(InvalidIdError, match="cannot be an ID on any table other than"):
        t.query(lambda ctx: ctx.storage.get_url(component_id))
    # The component's file URL is served like any other.
    assert t.fetch(t.query(storage.query_get_url, {"id": component_id})).content == b"component"


def test_component_upload_url_stores_into_the_component(with_component: ConvexTest) -> None:
    t = with_component
    url = t.mutation(components.files.storage.mutation_generate_upload_url)
    storage_id = t.fetch(url, "POST", content=b"up").json()["storageId"]
    assert t.action(components.files.storage.action_get_blob, {"id": storage_id}) == b"up"
    assert t.query("storage:list_files") == []
    assert t.run(lambda ctx: ctx.storage.get(storage_id), component="files") == b"up"


# --- transactional rollback of a failing mutation ------------------------------------------


def test_failing_mutation_rolls_back_its_stored_file_and_the_row_pointing_at_it(
    t: ConvexTest,
) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation("storage:store_then_fail", {"text": "lost"})
    storage_id = info.value.data["storageId"]
    assert t.query("storage:list_files") == []
    assert t.query(lambda ctx: ctx.db.query("files").collect()) == []
    assert t.action("storage:action_get_blob", {"id": storage_id}) is None
    assert t.query("storage:query_get_url", {"id": storage_id}) is None
    # The file URL of the rolled-back file does not serve it either.
    blob_uuid = next(iter(t.backend.files.namespace("").blobs))
    assert t.fetch(f"/api/storage/{blob_uuid}").status_code == 404


def test_mutation_reads_its_own_stored_file(t: ConvexTest) -> None:
    result = t.mutation("storage:store_in_mutation", {"text": "hi"})
    assert result["bytes"] == b"hi"
    assert FILE_URL.match(result["url"])
    assert result["doc"]["_id"] == result["id"]
    assert result["doc"]["contentType"] == "text/plain"
    assert result["doc"]["size"] == 2.0


def test_action_store_commits_at_once_even_if_the_action_then_fails(t: ConvexTest) -> None:
    def action(ctx: Any) -> None:
        ctx.storage.store(b"kept")
        raise RuntimeError("after storing")

    with pytest.raises(RuntimeError):
        t.action(action)
    (doc,) = t.query("storage:list_files")
    assert t.action(lambda ctx: ctx.storage.get(doc["_id"])) == b"kept"


# --- metadata, content types, URLs ------------------------------------------------------------


def test_store_and_describe(t: ConvexTest) -> None:
    """The oracle's files:storeAndDescribe scenario, with the real backend's answers."""
    result = t.action("storage:store_and_describe", {"text": "hello"})
    metadata = result["metadata"]
    assert FILE_URL.match(result["url"])
    assert result["url"].endswith("/" + metadata["storageId"])
    # storageId is the storage UUID, not the _storage document ID.
    assert str(uuid.UUID(metadata["storageId"])) == metadata["storageId"]
    assert metadata["storageId"] != result["storageId"]
    assert metadata == {
        "storageId": metadata["storageId"],
        "sha256": hashlib.sha256(b"hello").hexdigest(),
        "size": 5.0,
        "contentType": "text/plain",
    }
    assert result["readBack"] == b"hello"
    assert result["afterDeleteUrl"] is None
    assert result["afterDeleteBlob"] is None


def test_storage_document_sha256_is_base64_and_metadata_hex(t: ConvexTest) -> None:
    data = b"\x00\xff" * 100
    storage_id = t.action("storage:action_store_typed", {"bytes": data, "contentType": "image/png"})
    doc = t.query(lambda ctx: ctx.db.system.get(storage_id))
    digest = hashlib.sha256(data).digest()
    assert doc["sha256"] == base64.b64encode(digest).decode()
    assert doc["contentType"] == "image/png"
    metadata = t.query("storage:query_get_metadata", {"id": storage_id})
    assert metadata["sha256"] == digest.hex()
    assert metadata["size"] == 200.0


def test_storage_uuid_is_accepted_as_a_legacy_storage_id(t: ConvexTest) -> None:
    storage_id = store(t)
    metadata = t.query("storage:query_get_metadata", {"id": storage_id})
    legacy = metadata["storageId"]
    assert t.query("storage:query_get_metadata", {"id": legacy}) == metadata
    assert t.query(lambda ctx: ctx.storage.get_url(legacy)) == t.query(
        "storage:query_get_url", {"id": storage_id}
    )
    assert t.query(lambda ctx: ctx.storage.get_url(legacy.upper())) is not None
    t.action(lambda ctx: ctx.storage.delete(legacy))
    assert t.query("storage:query_get_metadata", {"id": legacy}) is None
    assert t.query("storage:query_get_metadata", {"id": str(uuid.UUID(int=7))}) is None


def test_ids_and_urls_are_deterministic() -> None:
    def scenario() -> tuple[Any, ...]:
        t = convex_test(modules=APP)
        storage_id = store(t)
        return (
            storage_id,
            t.query("storage:query_get_url", {"id": storage_id}),
            t.mutation("storage:mutation_generate_upload_url"),
        )

    assert scenario() == scenario()


def test_backends_do_not_share_files(t: ConvexTest) -> None:
    storage_id = store(t)
    other = convex_test(modules=APP)
    assert other.action("storage:action_get_blob", {"id": storage_id}) is None
    assert other.query("storage:list_files") == []


def test_store_accepts_bytearray_and_memoryview(t: ConvexTest) -> None:
    ids = t.action(
        lambda ctx: [ctx.storage.store(bytearray(b"ab")), ctx.storage.store(memoryview(b"cd"))]
    )
    assert t.action(lambda ctx: [ctx.storage.get(i) for i in ids]) == [b"ab", b"cd"]


def test_store_checks_a_given_sha256(t: ConvexTest) -> None:
    digest = hashlib.sha256(b"data").digest()
    ok = t.action(
        lambda ctx: [
            ctx.storage.store(b"data", sha256=base64.b64encode(digest).decode()),
            ctx.storage.store(b"data", sha256=digest.hex()),
        ]
    )
    assert len(ok) == 2
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    with pytest.raises(ConvexTestError, match=r"^Sha256 mismatch\. Expected: .* Actual: "):
        t.action(lambda ctx: ctx.storage.store(b"data", sha256=wrong))
    with pytest.raises(ConvexTestError, match="sha256 must be the SHA-256 digest"):
        t.action(lambda ctx: ctx.storage.store(b"data", sha256="abc"))
    assert len(t.query("storage:list_files")) == 2


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=2048), content_type=st.none() | st.sampled_from(["a/b", "x"]))
def test_store_get_round_trip(data: bytes, content_type: str | None) -> None:
    t = convex_test()

    def body(ctx: Any) -> tuple[Any, ...]:
        storage_id = ctx.storage.store(data, content_type)
        return ctx.storage.get(storage_id), ctx.storage.get_metadata(storage_id)

    got, metadata = t.run(body)
    assert got == data
    assert metadata["size"] == float(len(data))
    assert metadata["sha256"] == hashlib.sha256(data).hexdigest()
    assert metadata["contentType"] == content_type


# --- bad input ----------------------------------------------------------------------------------


def test_id_of_another_table_is_rejected(t: ConvexTest) -> None:
    message_id = t.mutation("messages:send", {"author": "a", "body": "b"})
    message = "Invalid storage ID. Storage ID cannot be an ID on any table other than '_storage'."
    for method, call in (
        ("storage.getUrl", lambda ctx: ctx.storage.get_url(message_id)),
        ("storage.getMetadata", lambda ctx: ctx.storage.get_metadata(message_id)),
        ("storage.get", lambda ctx: ctx.storage.get(message_id)),
        ("storage.delete", lambda ctx: ctx.storage.delete(message_id)),
    ):
        with pytest.raises(InvalidIdError) as info:
            t.run(call)
        assert str(info.value) == f"Invalid argument `storageId` for `{method}`: {message}"


@pytest.mark.parametrize("garbage", ["nope", "", "12345", "g42fea2291f3m2jx5wt6qamman77jn8e"])
def test_garbage_storage_id_is_rejected(t: ConvexTest, garbage: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        t.query(lambda ctx: ctx.storage.get_url(garbage))
    assert str(info.value) == (
        "Invalid argument `storageId` for `storage.getUrl`: "
        f"Invalid storage ID: \"{garbage}\". Storage ID should be an Id of '_storage' table, "
        "or a UUID string."
    )


@pytest.mark.parametrize("value", [5, None, b"id", ["x"], {"id": "x"}, object()])
def test_non_string_storage_id_is_rejected(t: ConvexTest, value: Any) -> None:
    with pytest.raises(InvalidIdError, match="Invalid storage ID: expected a string"):
        t.run(lambda ctx: ctx.storage.get(value))


def test_storage_id_arg_validation_rejects_other_tables(t: ConvexTest) -> None:
    from convex_test.errors import ArgumentValidationError

    message_id = t.mutation("messages:send", {"author": "a", "body": "b"})
    with pytest.raises(ArgumentValidationError):
        t.query("storage:query_get_url", {"id": message_id})


def test_deleting_a_missing_file_raises_convex_text(t: ConvexTest) -> None:
    storage_id = store(t)
    t.action("storage:action_delete_blob", {"id": storage_id})
    with pytest.raises(ConvexTestError) as info:
        t.mutation("storage:mutation_delete_blob", {"id": storage_id})
    assert str(info.value).startswith(f"storage id {storage_id} not found")
    missing_uuid = str(uuid.UUID(int=1))
    with pytest.raises(ConvexTestError, match=f"^storage id {missing_uuid} not found"):
        t.action(lambda ctx: ctx.storage.delete(missing_uuid))


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("text", "str"), (5, "int"), (None, "NoneType"), (["a"], "list"), ({"a": 1}, "dict")],
)
def test_store_rejects_non_bytes(t: ConvexTest, data: Any, type_name: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.action(lambda ctx: ctx.storage.store(data))
    assert not isinstance(info.value, TypeError)
    assert f"got {type_name}." in str(info.value)
    if isinstance(data, str):
        assert "text.encode()" in str(info.value)
    assert t.query("storage:list_files") == []


@pytest.mark.parametrize("content_type", [5, b"text/plain", ["a"]])
def test_store_rejects_a_non_string_content_type(t: ConvexTest, content_type: Any) -> None:
    with pytest.raises(ConvexTestError, match="content_type must be a str"):
        t.run(lambda ctx: ctx.storage.store(b"x", content_type))


@pytest.mark.parametrize("method", ["store", "get", "delete", "generate_upload_url"])
def test_query_storage_is_read_only(t: ConvexTest, method: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        t.query(lambda ctx: getattr(ctx.storage, method))
    assert str(info.value).startswith(f"ctx.storage.{method} is not available in a query function.")


def test_query_storage_reads_work(t: ConvexTest) -> None:
    storage_id = store(t)
    assert t.query(lambda ctx: ctx.storage.get_metadata(storage_id))["size"] == 2.0


def test_camel_case_names_get_a_hint(t: ConvexTest) -> None:
    with pytest.raises(AttributeError, match="Did you mean `get_url`"):
        t.query(lambda ctx: ctx.storage.getUrl)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        t.action(lambda ctx: ctx.storage.nothing)


def test_storage_repr(t: ConvexTest) -> None:
    assert t.query(lambda ctx: repr(ctx.storage)) == "<StorageReader>"
    assert t.action(lambda ctx: repr(ctx.storage)) == "<StorageWriter>"
