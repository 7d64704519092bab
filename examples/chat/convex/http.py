"""HTTP endpoints: an incoming webhook and public avatar images.

``POST /webhooks/incoming`` with the header ``X-Webhook-Secret: $WEBHOOK_SECRET`` and a
JSON body ``{"channel": "general", "text": "Deploy finished", "sender": "CI"}`` posts a
message to the channel.  ``GET /avatars/<userId>`` serves a user's avatar image.
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Any

import httpx

from convex_test import HttpRouter, http_action, internal

from .messages import MAX_BODY

SECRET_HEADER = "X-Webhook-Secret"


def _error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": message})


@http_action
def incoming_webhook(ctx: Any, request: httpx.Request) -> httpx.Response:
    # A missing WEBHOOK_SECRET is a deployment mistake: fail loudly (500), don't accept all.
    secret = os.environ["WEBHOOK_SECRET"]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _error(401, "invalid webhook secret")
    try:
        payload = json.loads(request.content)
    except ValueError:
        return _error(400, "body must be JSON")
    if not isinstance(payload, dict):
        return _error(400, "body must be a JSON object")
    channel, text = payload.get("channel"), payload.get("text")
    sender = payload.get("sender", "Webhook")
    if not all(isinstance(field, str) for field in (channel, text, sender)):
        return _error(400, '"channel", "text" and "sender" must be strings')
    text = text.strip()
    if not text or len(text) > MAX_BODY:
        return _error(400, f'"text" must have 1 to {MAX_BODY} characters')
    message_id = ctx.run_mutation(
        internal.webhooks.post_message, {"channel": channel, "sender": sender, "body": text}
    )
    if message_id is None:
        return _error(404, f"no channel named {channel!r}")
    return httpx.Response(201, json={"messageId": message_id})


AVATARS = "/avatars/"


@http_action
def get_avatar(ctx: Any, request: httpx.Request) -> httpx.Response:
    user_id = request.url.path.removeprefix(AVATARS)
    file = ctx.run_query(internal.files.avatar_file, {"userId": user_id})
    # The file may be replaced between the query and the read: get() then gives None.
    data = ctx.storage.get(file["storageId"]) if file is not None else None
    if file is None or data is None:
        return _error(404, "no avatar")
    return httpx.Response(
        200,
        content=data,
        headers={"Content-Type": file["contentType"], "Cache-Control": "public, max-age=60"},
    )


http = HttpRouter()
http.route(path="/webhooks/incoming", method="POST", handler=incoming_webhook)
http.route(path_prefix=AVATARS, method="GET", handler=get_avatar)
