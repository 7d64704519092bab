"""The in-process HTTP transport: routing, 404/500 shapes, HEAD, storage, URLs, async."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from convex_test.errors import ConvexError, ConvexTestError
from convex_test.http import (
    DEFAULT_SITE_URL,
    ConvexAsyncHttpTransport,
    ConvexHttpTransport,
    HttpRouter,
    build_request,
    make_async_client,
    make_client,
)
from convex_test.values import UNDEFINED, Int64

Handler = Callable[[httpx.Request], Any]
SERVER_ERROR = re.compile(r"^\[Request ID: ([0-9a-f]{16})\] Server Error: (.*)$", re.S)


def invoke(handler: Handler, request: httpx.Request) -> Any:
    return handler(request)


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "method": request.method,
            "url": str(request.url),
            "path": request.url.path,
            "params": [list(item) for item in request.url.params.multi_items()],
            "body": request.content.decode(),
            "content_type": request.headers.get("content-type"),
            "route": request.extensions.get("convex_routed_path"),
        },
        headers={"x-handler": "echo"},
    )


def boom(request: httpx.Request) -> httpx.Response:
    raise ValueError("boom")


def client_for(router: HttpRouter | None, **kwargs: Any) -> httpx.Client:
    return make_client(ConvexHttpTransport(router, invoke, **kwargs), DEFAULT_SITE_URL)


@pytest.fixture
def router() -> HttpRouter:
    router = HttpRouter()
    router.route(path="/echo", method="GET", handler=echo)
    router.route(path="/echo", method="POST", handler=echo)
    router.route(path_prefix="/files/", method="GET", handler=echo)
    router.route(path="/files/special", method="GET", handler=lambda r: httpx.Response(204))
    router.route(path="/boom", method="GET", handler=boom)
    return router


# --- routing --------------------------------------------------------------------------------


def test_relative_path_query_params_and_body_reach_the_handler(router: HttpRouter) -> None:
    with client_for(router) as client:
        response = client.post("/echo", params={"b": ["x", "y"]}, json={"hello": "wörld"})
    assert response.status_code == 200
    data = response.json()
    assert data["method"] == "POST"
    assert data["url"] == "https://convex.test.site/echo?b=x&b=y"
    assert data["params"] == [["b", "x"], ["b", "y"]]
    assert json.loads(data["body"]) == {"hello": "wörld"}
    assert data["content_type"] == "application/json"
    assert data["route"] == "/echo"
    assert response.headers["x-handler"] == "echo"


def test_absolute_url_on_the_site_works(router: HttpRouter) -> None:
    with client_for(router) as client:
        response = client.get("https://convex.test.site/echo?q=1")
    assert response.json()["params"] == [["q", "1"]]


def test_exact_beats_prefix_and_prefix_needs_the_trailing_slash(router: HttpRouter) -> None:
    with client_for(router) as client:
        assert client.get("/files/special").status_code == 204
        assert client.get("/files/").json()["route"] == "/files/*"
        assert client.get("/files/a/b.txt").json()["path"] == "/files/a/b.txt"
        missing = client.get("/files")
    assert missing.status_code == 404
    assert missing.text == "No HttpAction routed for /files"


def test_method_is_case_insensitive(router: HttpRouter) -> None:
    with client_for(router) as client:
        response = client.request("post", "/echo", content=b"x")
    assert response.status_code == 200
    assert response.json()["body"] == "x"


def test_head_is_get_without_body(router: HttpRouter) -> None:
    router.route(
        path="/doc",
        method="GET",
        handler=lambda r: httpx.Response(203, json={"doc": 1}, headers={"x-k": "v"}),
    )
    with client_for(router) as client:
        get = client.get("/doc")
        head = client.head("/doc")
    assert get.content == b'{"doc":1}'
    assert head.status_code == 203
    assert head.content == b""
    assert head.headers["x-k"] == "v"
    assert head.headers["content-type"] == "application/json"
    # The GET's length is kept, as an HTTP server answers HEAD.
    assert head.headers["content-length"] == str(len(get.content))
    assert head.request.method == "HEAD"


def test_head_of_unrouted_path_is_404_without_body(router: HttpRouter) -> None:
    with client_for(router) as client:
        response = client.head("/nope")
    assert response.status_code == 404
    assert response.content == b""


def test_no_route_and_wrong_method_are_404_text(router: HttpRouter) -> None:
    with client_for(router) as client:
        missing = client.get("/missing/x")
        wrong_method = client.delete("/echo")
        encoded = client.get("/a b")
    assert (missing.status_code, missing.text) == (404, "No HttpAction routed for /missing/x")
    assert missing.headers["content-type"].startswith("text/plain")
    assert wrong_method.text == "No HttpAction routed for /echo"
    # Matching and the message use the percent-encoded pathname, as Convex does.
    assert encoded.text == "No HttpAction routed for /a%20b"


def test_routes_match_the_encoded_pathname() -> None:
    router = HttpRouter()
    router.route(path="/a%20b", method="GET", handler=echo)
    with client_for(router) as client:
        assert client.get("/a b").status_code == 200


def test_no_router_is_404_text() -> None:
    with client_for(None) as client:
        response = client.get("/echo")
    assert response.status_code == 404
    assert response.text == "This Convex deployment does not have HTTP actions enabled."


def test_foreign_origin_is_rejected(router: HttpRouter) -> None:
    with client_for(router) as client, pytest.raises(ConvexTestError) as info:
        client.get("https://example.com/echo")
    assert "https://example.com/echo" in str(info.value)
    assert "https://convex.test.site" in str(info.value)


def test_transport_rejects_non_router() -> None:
    with pytest.raises(ConvexTestError, match="Expected an HttpRouter"):
        ConvexHttpTransport({"/x": echo}, invoke)  # type: ignore[arg-type]


def test_bad_site_url_is_rejected() -> None:
    with pytest.raises(ConvexTestError, match="absolute http"):
        ConvexHttpTransport(None, invoke, site_url="convex.test.site")


# --- errors ---------------------------------------------------------------------------------


def test_uncaught_error_is_500_json_with_deterministic_request_ids(router: HttpRouter) -> None:
    with client_for(router) as client:
        first = client.get("/boom")
        second = client.get("/boom")
    assert first.status_code == 500
    assert first.headers["content-type"] == "application/json"
    body = first.json()
    assert set(body) == {"code", "trace"}
    match = SERVER_ERROR.match(body["code"])
    assert match is not None
    assert match.groups() == ("0000000000000001", "Uncaught ValueError: boom")
    assert body["trace"].startswith("Traceback (most recent call last):")
    assert body["trace"].rstrip().endswith("ValueError: boom")
    assert "in boom" in body["trace"]
    assert second.json()["code"].startswith("[Request ID: 0000000000000002] ")


def test_error_without_message() -> None:
    router = HttpRouter()

    def fail(request: httpx.Request) -> httpx.Response:
        raise KeyError

    router.route(path="/x", method="GET", handler=fail)
    with client_for(router) as client:
        code = client.get("/x").json()["code"]
    assert code == "[Request ID: 0000000000000001] Server Error: Uncaught KeyError"


@pytest.mark.parametrize(
    "data", ["just text", {"code": "LIMIT", "ok": False, "tags": ["a", "b"]}, None]
)
def test_convex_error_adds_its_data(data: Any) -> None:
    router = HttpRouter()

    def fail(request: httpx.Request) -> httpx.Response:
        raise ConvexError(data)

    router.route(path="/x", method="GET", handler=fail)
    with client_for(router) as client:
        body = client.get("/x").json()
    assert set(body) == {"code", "trace", "data"}
    assert body["data"] == data
    match = SERVER_ERROR.match(body["code"])
    assert match is not None
    assert match.group(2) == f"Uncaught ConvexError: {ConvexError(data)}"


def test_convex_error_data_is_convex_json() -> None:
    router = HttpRouter()

    def fail(request: httpx.Request) -> httpx.Response:
        raise ConvexError({"n": Int64(5), "raw": b"x", "f": 2, "u": UNDEFINED})

    router.route(path="/x", method="GET", handler=fail)
    with client_for(router) as client:
        data = client.get("/x").json()["data"]
    assert data == {"n": {"$integer": "BQAAAAAAAAA="}, "raw": {"$bytes": "eA=="}, "f": 2.0}


def test_convex_error_with_invalid_data_drops_it() -> None:
    router = HttpRouter()

    def fail(request: httpx.Request) -> httpx.Response:
        raise ConvexError({"a": {1, 2}})

    router.route(path="/x", method="GET", handler=fail)
    with client_for(router) as client:
        body = client.get("/x").json()
    assert set(body) == {"code", "trace"}
    match = SERVER_ERROR.match(body["code"])
    assert match is not None
    assert match.group(2).startswith("Uncaught ConvexError: ConvexError with invalid data: ")
    assert "is not a supported Convex type at path .a" in match.group(2)


def test_raise_errors_reraises_the_original_exception(router: HttpRouter) -> None:
    with client_for(router, raise_errors=True) as client:
        with pytest.raises(ValueError, match=r"^boom$"):
            client.get("/boom")
        # Routing misses are still responses, not errors.
        assert client.get("/nope").status_code == 404


@pytest.mark.parametrize(
    ("value", "got"), [(None, "None"), ({"ok": True}, "dict"), ("text", "str")]
)
def test_handler_must_return_a_response(value: Any, got: str) -> None:
    router = HttpRouter()
    router.route(path="/x", method="GET", handler=lambda r: value)
    message = f"HTTP action handler must return an httpx.Response, got {got}"
    with client_for(router) as client:
        body = client.get("/x").json()
    assert body["code"].endswith(f"Server Error: Uncaught ConvexTestError: {message}")
    with client_for(router, raise_errors=True) as client, pytest.raises(ConvexTestError) as info:
        client.get("/x")
    assert str(info.value) == message


def test_error_while_streaming_the_body_is_a_handler_error() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("stream broke")

    router = HttpRouter()
    router.route(path="/x", method="GET", handler=lambda r: httpx.Response(200, content=chunks()))
    with client_for(router) as client:
        response = client.get("/x")
    assert response.status_code == 500
    assert response.json()["code"].endswith("Uncaught RuntimeError: stream broke")


# --- direct use, as t.fetch does -------------------------------------------------------------


def test_handle_request_returns_a_read_response_bound_to_its_request() -> None:
    def streamed(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=iter([b'{"a":', b" 1}"]))

    router = HttpRouter()
    router.route(path="/s", method="GET", handler=streamed)
    transport = ConvexHttpTransport(router, invoke)
    request = build_request("/s", site_url=DEFAULT_SITE_URL)
    response = transport.handle_request(request)
    assert response.is_stream_consumed
    assert response.json() == {"a": 1}
    assert response.request is request
    response.raise_for_status()

    failing = transport.handle_request(build_request("/nope", site_url=DEFAULT_SITE_URL))
    with pytest.raises(httpx.HTTPStatusError):
        failing.raise_for_status()


def test_handler_sees_head_method_on_the_get_route() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(200, text="body")

    router = HttpRouter()
    router.route(path="/x", method="GET", handler=record)
    transport = ConvexHttpTransport(router, invoke)
    response = transport.handle_request(build_request("/x", "head", site_url=DEFAULT_SITE_URL))
    assert (seen, response.content, response.headers["content-length"]) == (["HEAD"], b"", "4")


# --- storage endpoints ------------------------------------------------------------------------


class FakeStorage:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str | None]] = {"abc-123": (b"hello", "text/plain")}
        self.uploads: list[tuple[str, bytes, str | None]] = []
        self.fail: Exception | None = None

    def upload(self, token: str, body: bytes, content_type: str | None) -> httpx.Response:
        if self.fail is not None:
            raise self.fail
        self.uploads.append((token, body, content_type))
        return httpx.Response(200, json={"storageId": f"id{len(self.uploads)}"})

    def download(self, storage_uuid: str) -> httpx.Response | None:
        if storage_uuid not in self.files:
            return None
        body, content_type = self.files[storage_uuid]
        headers = {"content-type": content_type} if content_type else {}
        return httpx.Response(200, content=body, headers=headers)


def test_upload_url_routes_to_storage(router: HttpRouter) -> None:
    storage = FakeStorage()
    with client_for(router, storage=storage) as client:
        response = client.post(
            "/api/storage/upload?token=t0k",
            content=b"\x00\x01",
            headers={"content-type": "image/png"},
        )
        bare = client.post("/api/storage/upload?token=t1", content=b"")
    assert response.json() == {"storageId": "id1"}
    assert bare.json() == {"storageId": "id2"}
    assert storage.uploads == [("t0k", b"\x00\x01", "image/png"), ("t1", b"", None)]


def test_upload_without_token_is_400() -> None:
    storage = FakeStorage()
    with client_for(None, storage=storage) as client:
        response = client.post("/api/storage/upload", content=b"x")
    assert response.status_code == 400
    assert response.json() == {
        "code": "BadQueryArgs",
        "message": "Failed to deserialize query string: missing field `token`",
    }
    assert storage.uploads == []


def test_file_url_routes_to_storage() -> None:
    with client_for(None, storage=FakeStorage()) as client:
        found = client.get("/api/storage/abc-123")
        head = client.head("/api/storage/abc-123")
        missing = client.get("/api/storage/nope")
    assert (found.status_code, found.content) == (200, b"hello")
    assert found.headers["content-type"] == "text/plain"
    assert (head.status_code, head.content) == (200, b"")
    assert missing.status_code == 404
    assert missing.json() == {"code": "FileNotFound", "message": "File nope not found"}


def test_other_storage_like_paths_fall_through_to_the_router(router: HttpRouter) -> None:
    router.route(path_prefix="/api/", method="GET", handler=echo)
    router.route(path_prefix="/api/", method="PUT", handler=echo)
    with client_for(router, storage=FakeStorage()) as client:
        assert client.get("/api/storage/a/b").json()["route"] == "/api/*"
        assert client.get("/api/storage/").json()["route"] == "/api/*"
        assert client.put("/api/storage/upload?token=x").json()["route"] == "/api/*"
    with client_for(None, storage=FakeStorage()) as client:
        assert client.post("/api/storage/abc-123").status_code == 404


def test_storage_errors_are_shaped_like_handler_errors() -> None:
    storage = FakeStorage()
    storage.fail = ConvexTestError("Invalid upload token")
    with client_for(None, storage=storage) as client:
        body = client.post("/api/storage/upload?token=x").json()
    assert body["code"].endswith("Server Error: Uncaught ConvexTestError: Invalid upload token")
    with (
        client_for(None, storage=storage, raise_errors=True) as client,
        pytest.raises(ConvexTestError, match="Invalid upload token"),
    ):
        client.post("/api/storage/upload?token=x")


# --- build_request --------------------------------------------------------------------------


def test_build_request_joins_relative_paths_and_merges_params() -> None:
    request = build_request(
        "/p?a=1#frag",
        "post",
        site_url="http://localhost:3211/",
        headers={"x-k": "v"},
        params={"b": "2"},
        json={"n": 1},
    )
    assert request.method == "POST"
    assert request.url.host == "localhost"
    assert request.url.port == 3211
    assert request.url.path == "/p"
    assert request.url.params.multi_items() == [("a", "1"), ("b", "2")]
    assert request.headers["x-k"] == "v"
    assert json.loads(request.content) == {"n": 1}


def test_build_request_keeps_double_slash_paths_on_the_site() -> None:
    request = build_request("//evil.example/x", site_url=DEFAULT_SITE_URL)
    assert request.url.host == "convex.test.site"
    assert request.url.path == "//evil.example/x"


@pytest.mark.parametrize(
    "url",
    [
        "https://convex.test.site/x",
        "https://CONVEX.test.site:443/x",
        httpx.URL("https://convex.test.site/x?y=1"),
    ],
)
def test_build_request_accepts_absolute_urls_on_the_site(url: Any) -> None:
    assert build_request(url, site_url=DEFAULT_SITE_URL).url.path == "/x"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/x",
        "http://convex.test.site/x",
        "https://convex.test.site:8443/x",
    ],
)
def test_build_request_rejects_other_origins_naming_both(url: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        build_request(url, site_url=DEFAULT_SITE_URL)
    assert url in str(info.value)
    assert DEFAULT_SITE_URL in str(info.value)


@pytest.mark.parametrize("path", ["send", "", "?x=1", 5, None])
def test_build_request_rejects_relative_paths_without_slash(path: Any) -> None:
    with pytest.raises(ConvexTestError, match="must start with a `/`"):
        build_request(path, site_url=DEFAULT_SITE_URL)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": ""}, "HTTP method must be a non-empty string, got ''"),
        ({"method": None}, "HTTP method must be a non-empty string, got None"),
        (
            {"content": b"x", "json": {"a": 1}},
            "Pass either content= or json= to `t.fetch`, not both",
        ),
        ({"json": {"a": object()}}, "Invalid request for `t.fetch`: "),
        ({"content": 5}, "Invalid request for `t.fetch`: "),
        ({"headers": {"x": 5}}, "Invalid request for `t.fetch`: "),
    ],
)
def test_build_request_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConvexTestError) as info:
        build_request("/x", site_url=DEFAULT_SITE_URL, **kwargs)
    assert str(info.value).startswith(message)


def test_make_client_rejects_bad_site_url() -> None:
    transport = ConvexHttpTransport(None, invoke)
    with pytest.raises(ConvexTestError, match="got 'ftp://x'"):
        make_client(transport, "ftp://x")


# --- async ------------------------------------------------------------------------------------


def test_async_client_with_sync_and_async_invoke(router: HttpRouter) -> None:
    async def async_invoke(handler: Handler, request: httpx.Request) -> Any:
        await asyncio.sleep(0)
        return handler(request)

    async def main(invoker: Callable[[Handler, httpx.Request], Any]) -> list[httpx.Response]:
        transport = ConvexAsyncHttpTransport(router, invoker, storage=FakeStorage())
        async with make_async_client(transport, DEFAULT_SITE_URL) as client:
            return list(
                await asyncio.gather(
                    client.post("/echo", params={"a": "1"}, content=b"hi"),
                    client.head("/echo"),
                    client.get("/nope"),
                    client.get("/boom"),
                    client.get("/api/storage/abc-123"),
                )
            )

    for invoker in (invoke, async_invoke):
        posted, head, missing, failed, stored = asyncio.run(main(invoker))
        assert posted.json()["body"] == "hi"
        assert posted.json()["params"] == [["a", "1"]]
        assert (head.status_code, head.content) == (200, b"")
        assert missing.text == "No HttpAction routed for /nope"
        assert failed.status_code == 500
        assert failed.json()["code"].endswith("Uncaught ValueError: boom")
        assert stored.content == b"hello"


def test_async_transport_reads_streams_and_raises_errors() -> None:
    async def agen() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    router = HttpRouter()
    router.route(path="/async", method="GET", handler=lambda r: httpx.Response(200, content=agen()))
    router.route(
        path="/sync", method="GET", handler=lambda r: httpx.Response(200, content=iter([b"c"]))
    )
    router.route(path="/boom", method="GET", handler=boom)

    async def main() -> tuple[bytes, bytes]:
        transport = ConvexAsyncHttpTransport(router, invoke, raise_errors=True)
        async with make_async_client(transport) as client:
            a = await client.get("/async")
            s = await client.get("/sync")
            with pytest.raises(ValueError, match="boom"):
                await client.get("/boom")
        direct = await transport.handle_async_request(
            build_request("/async", site_url=DEFAULT_SITE_URL)
        )
        assert direct.content == b"ab"
        return a.content, s.content

    assert asyncio.run(main()) == (b"ab", b"c")


def test_async_invoke_returning_non_response() -> None:
    async def bad_invoke(handler: Handler, request: httpx.Request) -> Any:
        return 42

    router = HttpRouter()
    router.route(path="/x", method="GET", handler=echo)

    async def main() -> httpx.Response:
        invoker: Callable[[Handler, httpx.Request], Awaitable[Any]] = bad_invoke
        async with make_async_client(ConvexAsyncHttpTransport(router, invoker)) as client:
            return await client.get("/x")

    body = asyncio.run(main()).json()
    assert body["code"].endswith("must return an httpx.Response, got int")
