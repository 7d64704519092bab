"""The HTTP endpoints of http.py, and an action calling another service (mocked with respx)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from respx.models import AllMockedAssertionError

from convex_test import ConvexError, api

SECRET = "s3cret"
PAGE = {"numItems": 10, "cursor": None}


@pytest.fixture(autouse=True)
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    # Deployment environment variables are plain os.environ in tests.
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)


def post_webhook(t: Any, payload: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {} if secret is None else {"X-Webhook-Secret": secret}
    response: httpx.Response = t.fetch("/webhooks/incoming", "POST", json=payload, headers=headers)
    return response


def bodies(who: Any, channel: str) -> list[tuple[str, str]]:
    page = who.query(api.messages.list, {"channelId": channel, "paginationOpts": PAGE})["page"]
    return [(m["author"], m["body"]) for m in page]


# --- POST /webhooks/incoming -------------------------------------------------------------


def test_webhook_posts_a_message(t: Any, alice: Any, general: str) -> None:
    response = post_webhook(t, {"channel": "general", "text": "Deploy finished", "sender": "CI"})
    assert response.status_code == 201
    message_id = response.json()["messageId"]
    assert alice.run(lambda ctx: ctx.db.get(message_id))["body"] == "Deploy finished"
    assert bodies(alice, general) == [("CI", "Deploy finished")]


def test_webhook_reuses_its_bot_user(t: Any, alice: Any, general: str) -> None:
    for text in ("one", "two"):
        assert post_webhook(t, {"channel": "General", "text": text}).status_code == 201
    assert bodies(alice, general) == [("Webhook", "two"), ("Webhook", "one")]
    bots = t.run(lambda ctx: [u for u in ctx.db.query("users").collect() if u["name"] == "Webhook"])
    assert len(bots) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
def test_webhook_rejects_a_bad_secret(t: Any, alice: Any, general: str, secret: str | None) -> None:
    response = post_webhook(t, {"channel": "general", "text": "spam"}, secret=secret)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid webhook secret"}
    assert bodies(alice, general) == []


def test_webhook_rejects_bad_json(t: Any, general: str) -> None:
    response = t.fetch(
        "/webhooks/incoming",
        "POST",
        content=b"{not json",
        headers={"X-Webhook-Secret": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "body must be JSON"}


@pytest.mark.parametrize(
    "payload",
    [
        ["general", "hi"],
        {"channel": "general"},
        {"channel": "general", "text": 5},
        {"channel": "general", "text": "   "},
        {"channel": "general", "text": "x" * 2001},
    ],
)
def test_webhook_rejects_bad_payloads(t: Any, alice: Any, general: str, payload: Any) -> None:
    assert post_webhook(t, payload).status_code == 400
    assert bodies(alice, general) == []


def test_webhook_to_an_unknown_channel_is_404(t: Any, general: str) -> None:
    response = post_webhook(t, {"channel": "random", "text": "hello?"})
    assert response.status_code == 404
    assert response.json() == {"error": "no channel named 'random'"}
    assert t.run(lambda ctx: ctx.db.query("messages").collect()) == []


def test_webhook_without_a_configured_secret_is_a_server_error(
    t: Any, general: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET")
    response = post_webhook(t, {"channel": "general", "text": "hi"})
    assert response.status_code == 500
    assert "Uncaught KeyError: 'WEBHOOK_SECRET'" in response.json()["code"]
    # While debugging, raise_errors=True gives the real exception instead of the 500.
    with pytest.raises(KeyError):
        t.fetch("/webhooks/incoming", "POST", json={}, raise_errors=True)


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/webhooks/incoming"), ("POST", "/webhooks"), ("GET", "/")]
)
def test_unrouted_requests_are_404(t: Any, method: str, path: str) -> None:
    response = t.fetch(path, method)
    assert response.status_code == 404
    assert response.text == f"No HttpAction routed for {path}"


# --- GET /avatars/<userId> ---------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def give_avatar(who: Any, data: bytes = PNG) -> str:
    """Upload ``data`` as ``who``'s avatar; return their user ID."""
    upload_url = who.mutation(api.files.generate_avatar_upload_url)
    uploaded = who.fetch(upload_url, "POST", content=data, headers={"Content-Type": "image/png"})
    who.mutation(api.files.set_avatar, {"storageId": uploaded.json()["storageId"]})
    user_id: str = who.query(api.users.me)["_id"]
    return user_id


def test_avatars_are_served_by_user_id(t: Any, alice: Any) -> None:
    user_id = give_avatar(alice)
    with t.http_client() as client:  # anyone may fetch avatars: no identity needed
        response = client.get(f"/avatars/{user_id}")
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"


def test_head_of_an_avatar_has_headers_only(t: Any, alice: Any) -> None:
    user_id = give_avatar(alice)
    response = t.fetch(f"/avatars/{user_id}", "HEAD")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == b""


def test_a_replaced_avatar_is_served_fresh(t: Any, alice: Any) -> None:
    give_avatar(alice, PNG)
    user_id = give_avatar(alice, PNG + b"v2")
    assert t.fetch(f"/avatars/{user_id}").content == PNG + b"v2"


def test_missing_avatars_are_404(t: Any, alice: Any, general: str) -> None:
    user_id = alice.query(api.users.me)["_id"]
    paths = [
        f"/avatars/{user_id}",  # a user without an avatar
        "/avatars/not-an-id",
        f"/avatars/{general}",  # the ID of a channel, not a user
        "/avatars/",
    ]
    for path in paths:
        response = t.fetch(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "no avatar"}


# --- outbound HTTP: previews:link_preview --------------------------------------------------


def test_link_preview_reads_the_page_title(t: Any, respx_mock: respx.MockRouter) -> None:
    page = respx_mock.get("https://example.com/post").respond(
        html="<html><head><title>\n  Hello,   world </title></head></html>"
    )
    preview = t.action(api.previews.link_preview, {"url": "https://example.com/post"})
    assert preview == {"url": "https://example.com/post", "title": "Hello, world"}
    assert page.call_count == 1


def test_link_preview_follows_redirects(t: Any, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://exam.pl/x").respond(301, headers={"Location": "https://example.com/x"})
    respx_mock.get("https://example.com/x").respond(html="<title>Moved here</title>")
    preview = t.action(api.previews.link_preview, {"url": "https://exam.pl/x"})
    assert preview == {"url": "https://example.com/x", "title": "Moved here"}


def test_link_preview_of_a_non_html_page_has_no_title(t: Any, respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://example.com/logo.png").respond(
        content=PNG, headers={"Content-Type": "image/png"}
    )
    preview = t.action(api.previews.link_preview, {"url": "https://example.com/logo.png"})
    assert preview["title"] is None


@pytest.mark.parametrize(
    ("mock", "error"),
    [
        (httpx.Response(404), {"code": "FETCH_FAILED", "status": 404}),
        (httpx.ConnectError("refused"), {"code": "UNREACHABLE", "url": "https://down.example/"}),
    ],
)
def test_link_preview_failures_are_convex_errors(
    t: Any, respx_mock: respx.MockRouter, mock: Any, error: dict[str, Any]
) -> None:
    route = respx_mock.get("https://down.example/")
    if isinstance(mock, Exception):
        route.side_effect = mock
    else:
        route.return_value = mock
    with pytest.raises(ConvexError) as info:
        t.action(api.previews.link_preview, {"url": "https://down.example/"})
    assert info.value.data == error


def test_an_unmocked_request_fails_the_action(t: Any, respx_mock: respx.MockRouter) -> None:
    # respx_mock lets no request reach the network: forgetting a mock fails loudly.
    with pytest.raises(AllMockedAssertionError, match="not mocked") as info:
        t.action(api.previews.link_preview, {"url": "https://example.com/unmocked"})
    assert any("previews:link_preview" in note for note in info.value.__notes__)


def test_http_actions_keep_working_under_respx(
    t: Any, alice: Any, general: str, respx_mock: respx.MockRouter
) -> None:
    # t.fetch never goes through respx, so HTTP actions and outbound mocks mix freely.
    assert post_webhook(t, {"channel": "general", "text": "hi"}).status_code == 201
    assert not respx_mock.calls
