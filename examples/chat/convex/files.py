"""Avatars: upload an image, then attach it to the signed-in user.

The client flow is the usual Convex one:

1. ``generate_avatar_upload_url`` gives a short-lived upload URL;
2. the client POSTs the image to it (with its ``Content-Type``) and gets ``{"storageId"}``;
3. ``set_avatar(storageId)`` checks the file and attaches it, deleting the old avatar.
"""

from __future__ import annotations

from typing import Any

from convex_test import ConvexError, internal_query, mutation, query, v

from .auth import current_user

MAX_AVATAR_BYTES = 512 * 1024
AVATAR_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@mutation(args={}, returns=v.string())
def generate_avatar_upload_url(ctx: Any, args: dict[str, Any]) -> str:
    current_user(ctx)  # only signed-in users may upload
    url: str = ctx.storage.generate_upload_url()
    return url


@mutation(args={"storageId": v.id("_storage")}, returns=v.null())
def set_avatar(ctx: Any, args: dict[str, Any]) -> None:
    """Make an uploaded image the user's avatar.

    A rejected file stays in storage: raising rolls back everything this mutation did,
    deletes included.
    """
    user = current_user(ctx)
    storage_id = args["storageId"]
    file = ctx.db.system.get(storage_id)
    if file is None:
        raise ConvexError({"code": "NOT_FOUND", "message": "Upload the file first"})
    if file["contentType"] not in AVATAR_TYPES:
        raise ConvexError({"code": "NOT_AN_IMAGE", "contentType": file["contentType"]})
    if file["size"] > MAX_AVATAR_BYTES:
        raise ConvexError({"code": "TOO_LARGE", "max": MAX_AVATAR_BYTES})
    previous = user.get("avatarId")
    if previous == storage_id:
        return None
    if previous is not None:
        ctx.storage.delete(previous)
    ctx.db.patch(user["_id"], {"avatarId": storage_id})
    return None


@query(args={"userId": v.id("users")}, returns=v.union(v.string(), v.null()))
def avatar_url(ctx: Any, args: dict[str, Any]) -> str | None:
    """The URL of a user's avatar, or None when they have none."""
    user = ctx.db.get(args["userId"])
    if user is None or "avatarId" not in user:
        return None
    url: str | None = ctx.storage.get_url(user["avatarId"])
    return url


@internal_query(args={"userId": v.string()})
def avatar_file(ctx: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """``{"storageId", "contentType"}`` of a user's avatar, for ``GET /avatars/<userId>``.

    ``userId`` comes straight from a URL, so it is checked here rather than by a
    ``v.id`` validator (which would turn a bad ID into a server error).
    """
    user_id = ctx.db.normalize_id("users", args["userId"])
    user = ctx.db.get(user_id) if user_id is not None else None
    if user is None or "avatarId" not in user:
        return None
    file = ctx.db.system.get(user["avatarId"])
    if file is None:
        return None
    return {"storageId": file["_id"], "contentType": file["contentType"]}
