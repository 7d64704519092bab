"""The twin of the JS oracle's ``convex/http.ts``: an exact-path and a prefix route."""

from __future__ import annotations

import json
from typing import Any

import httpx

from convex_test import HttpRouter, http_action

http = HttpRouter()


@http_action
def hello(ctx: Any, request: httpx.Request) -> httpx.Response:
    who = request.url.params.get("who") or "world"
    return httpx.Response(
        200, text=f"hello {who}", headers={"content-type": "text/plain", "x-route": "exact"}
    )


@http_action
def echo(ctx: Any, request: httpx.Request) -> httpx.Response:
    body = request.content.decode("utf-8")
    return httpx.Response(
        201,
        content=json.dumps({"got": body, "method": request.method}, separators=(",", ":")),
        headers={"content-type": "application/json"},
    )


@http_action
def files(ctx: Any, request: httpx.Request) -> httpx.Response:
    query = request.url.query.decode("ascii")
    payload = {
        "path": request.url.path,
        "search": f"?{query}" if query else "",
        "identity": ctx.auth.get_user_identity(),
    }
    return httpx.Response(
        200,
        content=json.dumps(payload, separators=(",", ":")),
        headers={"content-type": "application/json", "x-route": "prefix"},
    )


http.route(path="/hello", method="GET", handler=hello)
http.route(path="/echo", method="POST", handler=echo)
http.route(path_prefix="/files/", method="GET", handler=files)
