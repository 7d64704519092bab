"""Avatar uploads, tested the way a browser uses them: upload URL, POST, then set_avatar."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from convex_test import ArgumentValidationError, ConvexError, api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32


def upload(who: Any, data: bytes, content_type: str) -> str:
    """Upload ``data`` like a browser would; return its storage ID."""
    upload_url = who.mutation(api.files.generate_avatar_upload_url)
    response = who.fetch(upload_url, "POST", content=data, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    storage_id: str = response.json()["storageId"]
    return storage_id


def my_id(who: Any) -> str:
    user_id: str = who.query(api.users.me)["_id"]
    return user_id


def test_upload_then_set_avatar(alice: Any) -> None:
    storage_id = upload(alice, PNG, "image/png")
    alice.mutation(api.files.set_avatar, {"storageId": storage_id})

    assert alice.query(api.users.me)["avatarId"] == storage_id
    url = alice.query(api.files.avatar_url, {"userId": my_id(alice)})
    served = alice.fetch(url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"


def test_upload_with_an_httpx_client(alice: Any) -> None:
    # Code written against httpx (say, a client SDK) works unchanged against the mock.
    upload_url = alice.mutation(api.files.generate_avatar_upload_url)
    with alice.http_client() as client:
        response = client.post(upload_url, content=JPEG, headers={"Content-Type": "image/jpeg"})
        alice.mutation(api.files.set_avatar, {"storageId": response.json()["storageId"]})
        url = alice.query(api.files.avatar_url, {"userId": my_id(alice)})
        assert client.get(url).content == JPEG


def test_no_avatar_means_no_url(alice: Any) -> None:
    assert alice.query(api.files.avatar_url, {"userId": my_id(alice)}) is None


def test_replacing_the_avatar_deletes_the_old_file(alice: Any) -> None:
    first = upload(alice, PNG, "image/png")
    alice.mutation(api.files.set_avatar, {"storageId": first})
    old_url = alice.query(api.files.avatar_url, {"userId": my_id(alice)})

    second = upload(alice, JPEG, "image/jpeg")
    alice.mutation(api.files.set_avatar, {"storageId": second})

    assert alice.run(lambda ctx: ctx.db.system.get(first)) is None
    assert alice.fetch(old_url).status_code == 404
    new_url = alice.query(api.files.avatar_url, {"userId": my_id(alice)})
    assert alice.fetch(new_url).content == JPEG
    stored = alice.run(lambda ctx: ctx.db.system.query("_storage").collect())
    assert [f["_id"] for f in stored] == [second]


def test_setting_the_same_avatar_twice_keeps_it(alice: Any) -> None:
    storage_id = upload(alice, PNG, "image/png")
    alice.mutation(api.files.set_avatar, {"storageId": storage_id})
    alice.mutation(api.files.set_avatar, {"storageId": storage_id})
    url = alice.query(api.files.avatar_url, {"userId": my_id(alice)})
    assert alice.fetch(url).content == PNG


@pytest.mark.parametrize("content_type", ["text/plain", "image/svg+xml", "application/pdf"])
def test_non_images_are_rejected(alice: Any, content_type: str) -> None:
    storage_id = upload(alice, b"<svg/> or text", content_type)
    with pytest.raises(ConvexError) as info:
        alice.mutation(api.files.set_avatar, {"storageId": storage_id})
    assert info.value.data == {"code": "NOT_AN_IMAGE", "contentType": content_type}
    assert "avatarId" not in alice.query(api.users.me)


def test_an_upload_without_content_type_is_rejected(alice: Any) -> None:
    upload_url = alice.mutation(api.files.generate_avatar_upload_url)
    storage_id = alice.fetch(upload_url, "POST", content=PNG).json()["storageId"]
    with pytest.raises(ConvexError) as info:
        alice.mutation(api.files.set_avatar, {"storageId": storage_id})
    assert info.value.data == {"code": "NOT_AN_IMAGE", "contentType": None}


def test_a_rejected_image_leaves_the_old_avatar_in_place(alice: Any) -> None:
    good = upload(alice, PNG, "image/png")
    alice.mutation(api.files.set_avatar, {"storageId": good})
    too_big = upload(alice, b"\x00" * (512 * 1024 + 1), "image/png")
    with pytest.raises(ConvexError) as info:
        alice.mutation(api.files.set_avatar, {"storageId": too_big})
    assert info.value.data == {"code": "TOO_LARGE", "max": 512 * 1024}
    assert alice.query(api.users.me)["avatarId"] == good
    assert alice.run(lambda ctx: ctx.storage.get(good)) == PNG


def test_a_deleted_file_cannot_become_an_avatar(alice: Any) -> None:
    storage_id = upload(alice, PNG, "image/png")
    alice.run(lambda ctx: ctx.storage.delete(storage_id))
    with pytest.raises(ConvexError) as info:
        alice.mutation(api.files.set_avatar, {"storageId": storage_id})
    assert info.value.data["code"] == "NOT_FOUND"


def test_set_avatar_only_takes_storage_ids(alice: Any) -> None:
    with pytest.raises(ArgumentValidationError, match=r'v\.id\("_storage"\)'):
        alice.mutation(api.files.set_avatar, {"storageId": my_id(alice)})


def test_uploading_requires_sign_in(t: Any) -> None:
    with pytest.raises(ConvexError) as info:
        t.mutation(api.files.generate_avatar_upload_url)
    assert info.value.data["code"] == "UNAUTHENTICATED"


def test_upload_urls_expire_after_an_hour(alice: Any) -> None:
    upload_url = alice.mutation(api.files.generate_avatar_upload_url)
    alice.advance_time(timedelta(hours=1))
    response = alice.fetch(upload_url, "POST", content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 401
    assert response.json()["code"] == "StorageTokenExpired"
