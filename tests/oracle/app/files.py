"""The twin of the JS oracle's ``convex/files.ts``: file storage from an action."""

from __future__ import annotations

from typing import Any

from convex_test import action, internal, internal_query, v


@internal_query(args={"id": v.id("_storage")})
def metaDoc(ctx: Any, args: dict[str, Any]) -> Any:
    return ctx.db.system.get(args["id"])


@internal_query(args={})
def listStorage(ctx: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = ctx.db.system.query("_storage").collect()
    return docs


@action(args={"text": v.string()})
def storeAndDescribe(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    # JS: ctx.storage.store(new Blob([text], {type: "text/plain"})).
    storage_id = ctx.storage.store(args["text"].encode("utf-8"), "text/plain")
    url = ctx.storage.get_url(storage_id)
    try:
        metadata: dict[str, Any] = {"ok": ctx.storage.get_metadata(storage_id)}
    except Exception as exc:  # the JS twin records the message the same way
        metadata = {"error": str(exc)}
    blob = ctx.storage.get(storage_id)
    read_back = None if blob is None else blob.decode("utf-8")
    system_doc = ctx.run_query(internal.files.metaDoc, {"id": storage_id})
    ctx.storage.delete(storage_id)
    after_delete_url = ctx.storage.get_url(storage_id)
    after_delete_blob = ctx.storage.get(storage_id)
    return {
        "storageId": storage_id,
        "url": url,
        "metadata": metadata,
        "readBack": read_back,
        "systemDoc": system_doc,
        "afterDeleteUrl": after_delete_url,
        "afterDeleteBlob": None if after_delete_blob is None else "non-null",
    }
