"""ctx.storage.get returns bytes that carry their content type (like a JS Blob)."""

from __future__ import annotations

import pickle
from typing import Any

from convex_test import convex_test
from convex_test.storage import Blob


def test_get_returns_bytes_with_the_content_type() -> None:
    t = convex_test()
    storage_id = t.action(lambda ctx: ctx.storage.store(b"\x89PNG", content_type="image/png"))
    untyped_id = t.action(lambda ctx: ctx.storage.store(b"raw"))

    def read(ctx: Any) -> tuple[Any, Any]:
        blob = ctx.storage.get(storage_id)
        untyped = ctx.storage.get(untyped_id)
        assert isinstance(blob, Blob)
        assert blob == b"\x89PNG"
        assert blob.content_type == "image/png"
        assert untyped.content_type is None
        return blob, untyped

    returned, _ = t.action(read)
    # Crossing the function boundary, it is plain bytes again.
    assert type(returned) is bytes
    assert returned == b"\x89PNG"


def test_blob_pickles_with_its_type() -> None:
    blob = Blob(b"data", "text/plain")
    again = pickle.loads(pickle.dumps(blob))
    assert again == b"data"
    assert again.content_type == "text/plain"
