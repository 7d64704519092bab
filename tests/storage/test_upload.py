"""Upload URLs and file URLs end to end, through ``t.fetch`` and ``t.http_client()``."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from convex_test.harness import ConvexTest, convex_test
from convex_test.storage import UPLOAD_TOKEN_VALIDITY_MS

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "http_app"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP)


def upload_url(t: ConvexTest) -> str:
    url: str = t.mutation("storage:mutation_generate_upload_url")
    return url


def test_upload_then_serve_round_trip(t: ConvexTest) -> None:
    """The documented flow: generate URL, POST the file, save its ID, GET its URL."""
    response = t.fetch(upload_url(t), "POST", content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 200
    storage_id = response.json()["storageId"]
    assert set(response.json()) == {"storageId"}
    t.mutation("storage:save_file", {"name": "logo", "storageId": storage_id})

    (doc,) = t.query("storage:list_files")
    assert doc["_id"] == storage_id
    assert doc["contentType"] == "image/png"
    assert doc["size"] == float(len(PNG))

    file_url = t.query("storage:url_by_name", {"name": "logo"})
    served = t.fetch(file_url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-length"] == str(len(PNG))
    assert served.headers["digest"] == (
        "sha-256=" + base64.b64encode(hashlib.sha256(PNG).digest()).decode()
    )
    head = t.fetch(file_url, "HEAD")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "image/png"


def test_round_trip_through_http_client(t: ConvexTest) -> None:
    with t.http_client() as client:
        assert client.base_url == httpx.URL("https://convex.test.site")
        storage_id = client.post(upload_url(t), content=b"hello").json()["storageId"]
        file_url = t.query("storage:query_get_url", {"id": storage_id})
        served = client.get(file_url)
        # The relative form of the same URL works too.
        relative = client.get(httpx.URL(file_url).path)
    assert served.content == relative.content == b"hello"
    assert "content-type" not in served.headers  # uploaded without one: contentType null
    assert t.query("storage:list_files")[0]["contentType"] is None


@pytest.mark.anyio
async def test_round_trip_through_async_http_client(t: ConvexTest) -> None:
    async with t.async_http_client() as client:
        response = await client.post(
            upload_url(t), content=b"async bytes", headers={"content-type": "text/plain"}
        )
        storage_id = response.json()["storageId"]
        served = await client.get(t.query("storage:query_get_url", {"id": storage_id}))
    assert served.content == b"async bytes"
    assert served.headers["content-type"] == "text/plain"


def test_upload_token_can_be_reused_within_the_hour(t: ConvexTest) -> None:
    url = upload_url(t)
    first = t.fetch(url, "POST", content=b"1").json()["storageId"]
    second = t.fetch(url, "POST", content=b"2").json()["storageId"]
    assert first != second
    assert len(t.query("storage:list_files")) == 2


def test_upload_url_expires_after_an_hour_of_engine_time(t: ConvexTest) -> None:
    url = upload_url(t)
    t.advance_time(UPLOAD_TOKEN_VALIDITY_MS - 1)
    assert t.fetch(url, "POST", content=b"just in time").status_code == 200
    t.advance_time(timedelta(milliseconds=1))
    expired = t.fetch(url, "POST", content=b"late")
    assert expired.status_code == 401
    assert expired.json() == {
        "code": "StorageTokenExpired",
        "message": "Store File Authorization expired",
    }
    assert len(t.query("storage:list_files")) == 1


@pytest.mark.parametrize("token", ["bogus", "", "6vKzYAcNeKec_Z38Nmzjex7iUIMagzSH"])
def test_unknown_upload_token_is_rejected(t: ConvexTest, token: str) -> None:
    response = t.fetch(f"/api/storage/upload?token={token}", "POST", content=b"x")
    assert response.status_code == 401
    assert response.json() == {
        "code": "StorageTokenInvalid",
        "message": "Couldn't decode the StoreFileAuthorization token",
    }
    assert t.query("storage:list_files") == []


def test_upload_without_token_is_a_bad_request(t: ConvexTest) -> None:
    response = t.fetch("/api/storage/upload", "POST", content=b"x")
    assert response.status_code == 400
    assert response.json()["code"] == "BadQueryArgs"


def test_token_from_another_backend_is_unknown(t: ConvexTest) -> None:
    url = upload_url(convex_test(modules=APP))
    # Both backends issue the same first token: a fresh one here is not issued yet.
    assert t.fetch(url, "POST", content=b"x").status_code == 401


def test_uploads_have_no_20_mib_limit(t: ConvexTest) -> None:
    big = b"\x00" * ((20 << 20) + 1)
    response = t.fetch(upload_url(t), "POST", content=big)
    assert response.status_code == 200
    assert t.query("storage:list_files")[0]["size"] == float(len(big))


def test_file_url_of_a_deleted_file_is_not_found(t: ConvexTest) -> None:
    storage_id = t.fetch(upload_url(t), "POST", content=b"bye").json()["storageId"]
    file_url = t.query("storage:query_get_url", {"id": storage_id})
    t.mutation("storage:mutation_delete_blob", {"id": storage_id})
    response = t.fetch(file_url)
    assert response.status_code == 404
    storage_uuid = file_url.rsplit("/", 1)[1]
    assert response.json() == {"code": "FileNotFound", "message": f"File {storage_uuid} not found"}


def test_file_url_with_a_malformed_uuid_is_a_bad_request(t: ConvexTest) -> None:
    response = t.fetch("/api/storage/not-a-uuid")
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidStoragePath"
    assert 'Invalid storage path: "not-a-uuid"' in response.json()["message"]


def test_get_on_the_upload_path_is_not_an_upload(t: ConvexTest) -> None:
    response = t.fetch(upload_url(t))
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidStoragePath"
    assert t.query("storage:list_files") == []


def test_other_methods_on_storage_urls_reach_the_router(t: ConvexTest) -> None:
    storage_id = t.fetch(upload_url(t), "POST", content=b"x").json()["storageId"]
    file_url = t.query("storage:query_get_url", {"id": storage_id})
    response = t.fetch(file_url, "DELETE")
    assert response.status_code == 404
    assert response.text == f"No HttpAction routed for {httpx.URL(file_url).path}"
    assert t.query("storage:list_files") != []


def test_storage_urls_work_without_http_py() -> None:
    t = convex_test()
    url = t.mutation(lambda ctx: ctx.storage.generate_upload_url())
    storage_id = t.fetch(url, "POST", content=b"no router").json()["storageId"]
    served = t.fetch(t.query(lambda ctx: ctx.storage.get_url(storage_id)))
    assert served.content == b"no router"


def test_upload_in_an_action_flow(t: ConvexTest) -> None:
    """An action can generate the URL too; the upload itself is its own transaction."""
    url = t.action(lambda ctx: ctx.storage.generate_upload_url())
    storage_id = t.fetch(url, "POST", content=b"from action").json()["storageId"]
    assert t.action("storage:action_get_blob", {"id": storage_id}) == b"from action"
