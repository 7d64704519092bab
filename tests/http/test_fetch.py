"""HTTP actions end to end through ``t.fetch`` / ``t.http_client()``, and outbound HTTP
from actions mocked with respx."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from convex_test.errors import ConvexTestError, InvalidIdError
from convex_test.harness import ConvexTest, convex_test

APP = Path(__file__).parents[1] / "fixtures" / "apps" / "http_app"
WEATHER_URL = "https://api.weather.example/v1/current"


@pytest.fixture
def t() -> ConvexTest:
    return convex_test(modules=APP)


def make_app(tmp_path: Path, files: dict[str, str]) -> ConvexTest:
    root = tmp_path / "convex"
    root.mkdir()
    for name, source in files.items():
        (root / name).write_text(textwrap.dedent(source))
    return convex_test(modules=root)


# --- convex-test http.test.ts ------------------------------------------------------------


def test_simple(t: ConvexTest) -> None:
    response = t.fetch("/foo?arg=hello", "GET")
    assert response.status_code == 200
    assert response.text == "hello"
    assert response.elapsed.total_seconds() >= 0
    assert response.request.url == "https://convex.test.site/foo?arg=hello"


def test_json_body(t: ConvexTest) -> None:
    response = t.fetch("/buzz", "POST", json={"text": "hello"})
    assert response.text == "hello"


def test_path_prefix(t: ConvexTest) -> None:
    assert t.fetch("/bla/hello", "POST").text == "hello"
    assert t.fetch("/bla/x/y/deep", "POST").text == "deep"
    assert t.fetch("/bla", "POST").status_code == 404  # a prefix needs its trailing "/"


def test_http_action_runs_query(t: ConvexTest) -> None:
    t.run(lambda ctx: ctx.db.insert("messages", {"author": "mike", "body": "hello"}))
    message = t.fetch("/readQuery", "POST").json()
    assert message["body"] == "hello"


# --- requests, responses, identity ---------------------------------------------------------


def test_params_and_query_string_merge(t: ConvexTest) -> None:
    assert t.fetch("/foo", params={"arg": "from params"}).text == "from params"
    assert t.fetch("https://convex.test.site/foo?arg=absolute").text == "absolute"


def test_http_action_runs_a_mutation_and_a_query(t: ConvexTest) -> None:
    created = t.fetch("/messages", "POST", json={"author": "ada", "body": "hi"})
    assert created.status_code == 201
    message_id = created.json()["id"]
    assert t.query(lambda ctx: ctx.db.get(message_id))["body"] == "hi"
    listed = t.fetch("/messages", params={"author": "ada"})
    assert listed.json() == ["hi"]


def test_identity_reaches_the_http_action(t: ConvexTest) -> None:
    assert t.fetch("/whoami").json() is None
    sarah = t.with_identity({"name": "Sarah"})
    identity = sarah.fetch("/whoami").json()
    assert identity["name"] == "Sarah"
    assert identity["tokenIdentifier"] == f"{identity['issuer']}|{identity['subject']}"
    # ... and the functions it runs.
    message_id = sarah.fetch("/messages", "POST", json={"body": "signed"}).json()["id"]
    assert t.query(lambda ctx: ctx.db.get(message_id))["author"] == "Sarah"
    with sarah.http_client() as client:
        assert client.get("/whoami").json()["name"] == "Sarah"


def test_malformed_json_is_handled_by_the_handler(t: ConvexTest) -> None:
    response = t.fetch(
        "/messages", "POST", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid JSON: ")
    wrong_shape = t.fetch("/messages", "POST", json=["a list"])
    assert wrong_shape.status_code == 400
    assert t.query(lambda ctx: ctx.db.query("messages").collect()) == []


def test_methods_are_case_insensitive_and_head_is_get_without_a_body(t: ConvexTest) -> None:
    assert t.fetch("/buzz", "post", json={"text": "lower"}).text == "lower"
    head = t.fetch("/foo?arg=abc", "HEAD")
    assert head.status_code == 200
    assert head.content == b""
    options = t.fetch("/messages", "OPTIONS")
    assert options.status_code == 204
    assert options.headers["access-control-allow-methods"] == "GET, POST"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/buzz"), ("PUT", "/messages"), ("DELETE", "/foo"), ("GET", "/nowhere"), ("GET", "/")],
)
def test_unrouted_method_or_path_is_404(t: ConvexTest, method: str, path: str) -> None:
    response = t.fetch(path, method)
    assert response.status_code == 404
    assert response.text == f"No HttpAction routed for {path}"


def test_no_http_py_answers_convex_404(tmp_path: Path) -> None:
    for t in (
        convex_test(),
        make_app(tmp_path, {"things.py": "from convex_test.functions import query\n"}),
    ):
        response = t.fetch("/anything", "POST")
        assert response.status_code == 404
        assert response.text == "This Convex deployment does not have HTTP actions enabled."


def test_async_handler_from_a_sync_test(t: ConvexTest) -> None:
    assert t.fetch("/async").json() == {"async": True, "first": None}


@pytest.mark.anyio
async def test_async_handler_from_an_async_test(t: ConvexTest) -> None:
    assert t.fetch("/async").json()["async"] is True
    async with t.async_http_client() as client:
        response = await client.get("/async")
        foo = await client.get("/foo", params={"arg": "a"})
    assert response.json()["async"] is True
    assert foo.text == "a"


def test_http_client_uses_the_site_url(t: ConvexTest) -> None:
    with t.http_client() as client:
        assert str(client.base_url) == "https://convex.test.site"
        assert client.get("/foo?arg=1").text == "1"
        assert client.get("https://convex.test.site/foo?arg=2").text == "2"
        with pytest.raises(ConvexTestError, match="is not on the Convex site URL"):
            client.get("https://example.com/foo")


def test_fetch_rejects_other_origins_and_bad_paths(t: ConvexTest) -> None:
    with pytest.raises(ConvexTestError, match="Mock other hosts with respx"):
        t.fetch("https://example.com/foo")
    with pytest.raises(ConvexTestError, match="must start with a `/`"):
        t.fetch("foo")


def test_fetch_site_url_follows_the_backend(t: ConvexTest) -> None:
    t.backend.files.site_url = "http://127.0.0.1:3211"
    assert t.fetch("http://127.0.0.1:3211/foo?arg=local").text == "local"
    url = t.mutation("storage:mutation_generate_upload_url")
    assert url.startswith("http://127.0.0.1:3211/api/storage/upload?token=")
    with t.http_client() as client:
        assert client.post(url, content=b"x").status_code == 200


# --- storage from HTTP actions ---------------------------------------------------------------


def test_http_action_stores_and_serves_a_file(t: ConvexTest) -> None:
    stored = t.fetch("/upload", "POST", content=b"%PDF-1.7", headers={"content-type": "a/pdf"})
    storage_id = stored.json()["storageId"]
    served = t.fetch(f"/files/{storage_id}")
    assert served.content == b"%PDF-1.7"
    assert served.headers["content-type"] == "a/pdf"
    t.action("storage:action_delete_blob", {"id": storage_id})
    assert t.fetch(f"/files/{storage_id}").status_code == 404


def test_http_action_with_a_bad_storage_id_fails_clearly(t: ConvexTest) -> None:
    response = t.fetch("/files/garbage")
    assert response.status_code == 500
    assert (
        'Uncaught InvalidIdError: Invalid argument `storageId` for `storage.get`: Invalid storage ID: "garbage"'
        in response.json()["code"]
    )
    with pytest.raises(InvalidIdError):
        t.fetch("/files/garbage", raise_errors=True)


# --- errors -----------------------------------------------------------------------------------


def test_handler_error_is_a_500_like_a_dev_deployment(t: ConvexTest) -> None:
    response = t.fetch("/fail")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "[Request ID: 0000000000000001] Server Error: Uncaught ValueError: boom"
    assert "ValueError: boom" in body["trace"]
    assert "data" not in body
    # Request IDs count per backend.
    second = t.with_identity(name="x").fetch("/fail").json()["code"]
    assert second.startswith("[Request ID: 0000000000000002]")


def test_http_calls_are_recorded_for_the_failure_report() -> None:
    t = convex_test(modules=APP, capture_output=True)
    t.fetch("/foo?arg=x")
    t.fetch("/fail")
    assert [(c.path, c.kind) for c in t.calls] == [
        ("http:foo", "http_action"),
        ("http:fail", "http_action"),
    ]
    assert t.calls[0].outcome == "ok"
    assert t.calls[1].outcome == "raised ValueError: boom"


def test_raise_errors_propagates_the_handler_error(t: ConvexTest) -> None:
    with pytest.raises(ValueError, match="boom") as info:
        t.fetch("/fail", raise_errors=True)
    assert "(raised in Convex function http:fail)" in info.value.__notes__
    with t.http_client(raise_errors=True) as client, pytest.raises(ValueError, match="boom"):
        client.get("/fail")


def test_convex_error_data_is_in_the_500_body(t: ConvexTest) -> None:
    body = t.fetch("/convexError").json()
    assert body["code"].endswith('Uncaught ConvexError: {"code":"TEAPOT","retry":false}')
    assert body["data"] == {"code": "TEAPOT", "retry": False}


def test_http_action_has_no_transaction_of_its_own(t: ConvexTest) -> None:
    response = t.fetch("/writeThenFail", "POST")
    assert response.status_code == 500
    bodies = [m["body"] for m in t.query(lambda ctx: ctx.db.query("messages").collect())]
    assert bodies == ["before the crash"]


def test_handler_must_return_an_httpx_response(t: ConvexTest) -> None:
    body = t.fetch("/notAResponse").json()
    assert "HTTP action handler must return an httpx.Response, got dict" in body["code"]
    with pytest.raises(ConvexTestError, match="got dict"):
        t.fetch("/notAResponse", raise_errors=True)


def test_response_over_20_mib_fails(t: ConvexTest) -> None:
    response = t.fetch("/huge")
    assert response.status_code == 500
    assert (
        "HttpResponseTooLarge: HTTP actions support responses up to 20 MiB"
        in (response.json()["code"])
    )
    with pytest.raises(ConvexTestError, match="HttpResponseTooLarge"):
        t.fetch("/huge", raise_errors=True)


def test_request_body_over_20_mib_is_413_and_never_reaches_the_handler(t: ConvexTest) -> None:
    limit = 20 << 20
    response = t.fetch("/upload", "POST", content=b"\x00" * (limit + 1))
    assert response.status_code == 413
    assert f"got {limit + 1} bytes" in response.text
    assert t.query("storage:list_files") == []
    assert t.fetch("/upload", "POST", content=b"\x00" * limit).status_code == 200


def test_http_action_ctx_is_an_action_ctx(tmp_path: Path) -> None:
    t = make_app(
        tmp_path,
        {
            "http.py": """
                import httpx
                from convex_test.functions import http_action, query
                from convex_test.http import HttpRouter

                @http_action
                def uses_db(ctx, request):
                    ctx.db.query("x")

                @query
                def a_query(ctx, args):
                    return 1

                def plain(ctx, request):
                    return httpx.Response(200, text=type(ctx).__name__)

                http = HttpRouter()
                http.route(path="/db", method="GET", handler=uses_db)
                http.route(path="/query", method="GET", handler=a_query)
                http.route(path="/plain", method="GET", handler=plain)
            """,
        },
    )
    with pytest.raises(
        ConvexTestError, match=r"^ctx\.db is not available in an? HTTP action function\."
    ):
        t.fetch("/db", raise_errors=True)
    with pytest.raises(ConvexTestError, match="as HttpAction, but it is defined as Query"):
        t.fetch("/query", raise_errors=True)
    # A plain (ctx, request) function works as a handler too.
    assert t.fetch("/plain").text == "ActionCtx"


# --- outbound HTTP from actions, mocked with respx -------------------------------------------


def test_action_calls_an_outside_api_with_respx_mock(
    t: ConvexTest, respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get(WEATHER_URL, params={"city": "Paris"}).respond(json={"summary": "sunny"})
    assert t.action("weather:fetch_sync", {"city": "Paris"}) == "sunny"
    assert route.call_count == 1
    bodies = [m["body"] for m in t.query(lambda ctx: ctx.db.query("messages").collect())]
    assert bodies == ["Paris: sunny"]


def test_async_action_calls_an_outside_api(t: ConvexTest, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(WEATHER_URL).respond(json={"summary": "rain"})
    assert t.action("weather:fetch_async", {"city": "Oslo"}) == "rain"


def test_unmocked_outbound_call_fails_clearly(t: ConvexTest) -> None:
    with respx.mock, pytest.raises(AssertionError, match="not mocked") as info:
        t.action("weather:fetch_sync", {"city": "Nowhere"})
    assert "(raised in Convex function weather:fetch_sync)" in info.value.__notes__
    assert t.query(lambda ctx: ctx.db.query("messages").collect()) == []


def test_upstream_error_propagates_out_of_the_action(
    t: ConvexTest, respx_mock: respx.MockRouter
) -> None:
    respx_mock.get(WEATHER_URL).respond(503)
    with pytest.raises(httpx.HTTPStatusError, match="503"):
        t.action("weather:fetch_sync", {"city": "Paris"})


def test_http_action_calls_an_outside_api(t: ConvexTest, respx_mock: respx.MockRouter) -> None:
    """respx mocks the handler's outbound call; ``t.fetch`` itself never goes through it."""
    respx_mock.get(WEATHER_URL, params={"city": "Rome"}).respond(json={"summary": "hot"})
    response = t.fetch("/weather", params={"city": "Rome"})
    assert response.json() == {"summary": "hot"}
    # Only the outbound call was seen by respx.
    assert [str(call.request.url.host) for call in respx_mock.calls] == ["api.weather.example"]


def test_unmocked_outbound_call_from_an_http_action_is_a_500(t: ConvexTest) -> None:
    with respx.mock:
        response = t.fetch("/weather", params={"city": "x"})
    assert response.status_code == 500
    assert "AllMockedAssertionError" in response.json()["code"]


def test_inline_action_with_httpx(t: ConvexTest, respx_mock: respx.MockRouter) -> None:
    respx_mock.post("https://hooks.example/notify").respond(202)

    def notify(ctx: Any) -> int:
        return httpx.post("https://hooks.example/notify", json={"ok": True}).status_code

    assert t.action(notify) == 202
    assert respx_mock.calls.last.request.content == b'{"ok":true}'
