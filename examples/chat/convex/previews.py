"""Link previews: fetch a page a message links to and read its title."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx

from convex_test import ConvexError, action, v


class _TitleParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.title is None:
            self._in_title = True
            self.title = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data


@action(
    args={"url": v.string()},
    returns=v.object({"url": v.string(), "title": v.union(v.string(), v.null())}),
)
def link_preview(ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
    """``{"url", "title"}`` of a web page; ``title`` is None when the page has none."""
    url = args["url"]
    if not url.startswith(("https://", "http://")):
        raise ConvexError({"code": "BAD_URL", "url": url})
    try:
        response = httpx.get(url, follow_redirects=True, timeout=5.0)
    except httpx.TransportError as exc:
        raise ConvexError({"code": "UNREACHABLE", "url": url}) from exc
    if response.status_code != 200:
        raise ConvexError({"code": "FETCH_FAILED", "status": response.status_code})
    if not response.headers.get("content-type", "").startswith("text/html"):
        return {"url": str(response.url), "title": None}
    parser = _TitleParser()
    parser.feed(response.text)
    title = " ".join(parser.title.split()) if parser.title else None
    return {"url": str(response.url), "title": title or None}
