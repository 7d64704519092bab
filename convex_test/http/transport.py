"""httpx transports that serve a deployment's HTTP actions in-process (``t.fetch``).

The transport does what the Convex HTTP front end does around a handler: storage upload
and download endpoints, routing through :class:`HttpRouter`, the 404 texts, HEAD served by
the GET route with the body stripped, and an uncaught handler error turned into the 500
JSON body of a dev deployment (or re-raised when the test asks for it).  Running the
handler itself (ctx, identity, transactions) is the ``invoke`` callback's job.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from convex_test import errors
from convex_test.errors import ConvexError, ConvexTestError
from convex_test.http import DEFAULT_SITE_URL
from convex_test.http.router import HttpRouter
from convex_test.values.display import shown

if TYPE_CHECKING:
    from httpx._types import HeaderTypes, QueryParamTypes, RequestContent

__all__ = [
    "DEFAULT_SITE_URL",
    "HTTP_BODY_LIMIT",
    "ROUTE_EXTENSION",
    "AsyncInvoke",
    "ConvexAsyncHttpTransport",
    "ConvexHttpTransport",
    "Invoke",
    "StorageEndpoints",
    "build_request",
    "make_async_client",
    "make_client",
]


#: Runs an HTTP action handler on a request: ``invoke(handler, request) -> response``.
Invoke = Callable[[Any, httpx.Request], httpx.Response]
#: The async transport also accepts an ``invoke`` returning an awaitable.
AsyncInvoke = Callable[[Any, httpx.Request], "httpx.Response | Awaitable[httpx.Response]"]

_UPLOAD_PATH = "/api/storage/upload"
_STORAGE_PREFIX = "/api/storage/"
#: Request and response bodies of HTTP actions are capped at 20 MiB, as in Convex.
HTTP_BODY_LIMIT = 20 << 20
#: ``request.extensions`` key under which the routed path ("/x" or "/files/*") is passed
#: to ``invoke`` (for logs).
ROUTE_EXTENSION = "convex_routed_path"


class StorageEndpoints(Protocol):
    """The file storage side of the site: upload URLs and file URLs."""

    def upload(self, token: str, body: bytes, content_type: str | None) -> httpx.Response:
        """Store an uploaded body (``POST /api/storage/upload?token=...``)."""
        ...

    def download(self, storage_uuid: str) -> httpx.Response | None:
        """Serve a stored file (``GET /api/storage/<uuid>``); ``None`` when it is missing."""
        ...


# ---------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    # httpx already drops default ports (443 for https), so ports compare directly.
    return url.scheme, url.host.lower(), url.port


def _site(site_url: object) -> httpx.URL:
    if type(site_url) is str:
        # Parsed once per distinct site URL: every t.fetch needs it twice.
        return _parse_site(site_url)
    return _parse_site_uncached(site_url)


@functools.lru_cache(maxsize=16)
def _parse_site(site_url: str) -> httpx.URL:
    return _parse_site_uncached(site_url)


def _parse_site_uncached(site_url: object) -> httpx.URL:
    try:
        url = httpx.URL(site_url) if isinstance(site_url, str | httpx.URL) else None
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ConvexTestError(errors.HTTP_BAD_SITE_URL.format(url=site_url))
    return url


def _site_text(site: httpx.URL) -> str:
    return str(site).rstrip("/")


def build_request(
    path_or_url: str | httpx.URL,
    method: str = "GET",
    *,
    site_url: str = DEFAULT_SITE_URL,
    headers: HeaderTypes | None = None,
    params: QueryParamTypes | None = None,
    content: RequestContent | None = None,
    json: Any = None,
) -> httpx.Request:
    """Build the request ``t.fetch`` sends.

    A path starting with ``/`` is joined onto ``site_url`` (its query string is kept and
    ``params`` are merged into it); an absolute URL must be on the site URL's origin.
    """
    site = _site(site_url)
    if not isinstance(method, str) or not method:
        raise ConvexTestError(errors.HTTP_FETCH_BAD_METHOD.format(method=shown(method)))
    if content is not None and json is not None:
        raise ConvexTestError(errors.HTTP_FETCH_CONTENT_AND_JSON)
    url = _resolve(path_or_url, site)
    try:
        if params is not None:
            # Merged by hand: httpx.Request(params=...) would drop the URL's own query.
            url = url.copy_merge_params(params)
        request = httpx.Request(method.upper(), url, headers=headers, content=content, json=json)
        # Read the body now: an iterable of non-bytes content fails here, not mid-dispatch.
        request.read()
        return request
    except Exception as exc:
        # Anything httpx refuses: a json= value that is not JSON-serialisable (or cyclic),
        # a header or params that are not str mappings, content that is not bytes...
        raise ConvexTestError(errors.HTTP_FETCH_BAD_REQUEST.format(reason=_reason(exc))) from exc


def _reason(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    return text or type(exc).__name__


def _resolve(path_or_url: object, site: httpx.URL) -> httpx.URL:
    text = str(path_or_url) if isinstance(path_or_url, httpx.URL) else path_or_url
    bad = ConvexTestError(
        errors.HTTP_FETCH_BAD_PATH.format(site=_site_text(site), path=shown(path_or_url))
    )
    if not isinstance(text, str):
        raise bad
    try:
        if text.startswith("/"):
            # Joined by hand: httpx's base-URL join would treat "//host/x" as a host.
            return httpx.URL(_site_text(site) + text)
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:  # ValueError: UnicodeError of a lone surrogate
        raise bad from exc
    if not url.is_absolute_url:
        raise bad
    if _origin(url) != _origin(site):
        raise ConvexTestError(errors.HTTP_FOREIGN_ORIGIN.format(url=text, site=_site_text(site)))
    return url


def make_client(transport: httpx.BaseTransport, site_url: str = DEFAULT_SITE_URL) -> httpx.Client:
    """An ``httpx.Client`` sending through ``transport``, with ``site_url`` as base URL."""
    return httpx.Client(transport=transport, base_url=_site_text(_site(site_url)))


def make_async_client(
    transport: httpx.AsyncBaseTransport, site_url: str = DEFAULT_SITE_URL
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` sending through ``transport``, with ``site_url`` as base URL."""
    return httpx.AsyncClient(transport=transport, base_url=_site_text(_site(site_url)))


# ---------------------------------------------------------------------------
# Dispatch shared by the sync and async transports
# ---------------------------------------------------------------------------


class _Dispatcher:
    """Routing, error shaping and response finishing; no I/O of its own."""

    def __init__(
        self,
        router: HttpRouter | None,
        *,
        site_url: str,
        raise_errors: bool,
        storage: StorageEndpoints | None,
        request_ids: Iterator[int] | None = None,
    ) -> None:
        if router is not None and not isinstance(router, HttpRouter):
            raise ConvexTestError(errors.HTTP_NOT_A_ROUTER.format(value=router))
        self.router = router
        self.site = _site(site_url)
        self.raise_errors = raise_errors
        self.storage = storage
        # Deterministic request IDs: 16 hex digits like Convex's, counted per transport
        # unless the caller shares one counter between transports (one per backend).
        self._request_ids = request_ids if request_ids is not None else itertools.count(1)

    def route(self, request: httpx.Request) -> httpx.Response | tuple[Any, str]:
        """Answer ``request`` directly (storage, 404), or return ``(handler, routed_path)``.

        Storage callables run here; their errors are shaped like a handler's.
        """
        if _origin(request.url) != _origin(self.site):
            raise ConvexTestError(
                errors.HTTP_FOREIGN_ORIGIN.format(url=request.url, site=_site_text(self.site))
            )
        # Match on the percent-encoded pathname, as Convex does (JS `URL.pathname`).
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
        method = request.method.upper()
        if self.storage is not None:
            answer = self._storage(request, path, method)
            if answer is not None:
                return answer
        size = len(request.content)
        if size > HTTP_BODY_LIMIT:
            # Like the local backend's body limit on HTTP action routes: checked before
            # any handler runs.
            return _text(
                413, errors.HTTP_REQUEST_TOO_LARGE.format(limit=HTTP_BODY_LIMIT, size=size)
            )
        if self.router is None:
            return _text(404, errors.HTTP_NO_ROUTER)
        found = self.router.lookup(path, method)
        if found is None:
            return _text(404, errors.HTTP_NO_ROUTE.format(path=path))
        return found

    def _storage(self, request: httpx.Request, path: str, method: str) -> httpx.Response | None:
        assert self.storage is not None
        try:
            if path == _UPLOAD_PATH and method == "POST":
                token = request.url.params.get("token")
                if token is None:
                    return error_json(400, "BadQueryArgs", errors.HTTP_UPLOAD_NO_TOKEN)
                content_type = request.headers.get("content-type")
                return self.check_response(
                    self.storage.upload(token, request.content, content_type)
                )
            uuid = path[len(_STORAGE_PREFIX) :]
            if method in ("GET", "HEAD") and path.startswith(_STORAGE_PREFIX) and uuid:
                if "/" in uuid:
                    return None
                found = self.storage.download(uuid)
                if found is None:
                    return error_json(
                        404, "FileNotFound", errors.HTTP_FILE_NOT_FOUND.format(storage_id=uuid)
                    )
                return self.check_response(found)
        except Exception as exc:
            if self.raise_errors:
                raise
            return self.error_response(exc)
        return None

    @staticmethod
    def check_size(response: httpx.Response) -> httpx.Response:
        """Reject a handler response over the 20 MiB limit (Convex would truncate it)."""
        size = len(response.content)
        if size > HTTP_BODY_LIMIT:
            raise ConvexTestError(
                errors.HTTP_RESPONSE_TOO_LARGE.format(limit=HTTP_BODY_LIMIT, size=size)
            )
        return response

    @staticmethod
    def check_response(response: object) -> httpx.Response:
        if not isinstance(response, httpx.Response):
            if inspect.iscoroutine(response):
                response.close()  # never awaited here; closing avoids a RuntimeWarning
            got = "None" if response is None else type(response).__name__
            raise ConvexTestError(errors.HTTP_BAD_RESPONSE.format(got=got))
        return response

    def error_response(self, exc: Exception) -> httpx.Response:
        """The 500 response a dev deployment sends for an uncaught error."""
        request_id = f"{next(self._request_ids):016x}"
        name = type(exc).__name__
        message = str(exc)
        data_json: Any = None
        has_data = False
        if isinstance(exc, ConvexError):
            has_data = True
            try:
                data_json = _convex_json(exc.data)
            except ConvexTestError as conversion:
                # Like Convex: data that is not a Convex value is dropped, and said so.
                has_data = False
                message = errors.CONVEX_ERROR_INVALID_DATA.format(reason=conversion)
        body: dict[str, Any] = {
            "code": errors.HTTP_SERVER_ERROR.format(
                request_id=request_id, name=name, message=f": {message}" if message else ""
            ),
            "trace": "".join(traceback.format_exception(exc)),
        }
        if has_data:
            body["data"] = data_json
        return httpx.Response(500, json=body)

    @staticmethod
    def finish(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """Strip the body of a HEAD response and bind the response to its request."""
        if request.method.upper() == "HEAD" and response.content:
            response = httpx.Response(
                response.status_code,
                headers=response.headers,
                content=b"",
                extensions=response.extensions,
            )
        elif not isinstance(response.stream, httpx.ByteStream):
            # The body is already read; a plain byte stream serves both client kinds
            # (an AsyncClient rejects an iterator-backed sync stream, and vice versa).
            response.stream = httpx.ByteStream(response.content)
        response.request = request
        return response


def _text(status: int, text: str) -> httpx.Response:
    # What the backend's router sends: a Fetch `new Response(text)` default content type.
    return httpx.Response(
        status, content=text.encode(), headers={"content-type": "text/plain;charset=UTF-8"}
    )


def error_json(status: int, code: str, message: str) -> httpx.Response:
    """A JSON error response shaped like Convex's: ``{"code", "message"}``."""
    return httpx.Response(status, json={"code": code, "message": message})


def _convex_json(value: Any) -> Any:
    from convex_test.values.json import to_convex_json
    from convex_test.values.types import UNDEFINED

    # As convexToJson does for a thrown ConvexError: undefined data becomes null.
    return None if value is UNDEFINED else to_convex_json(value)


# ---------------------------------------------------------------------------
# Transports
# ---------------------------------------------------------------------------


class ConvexHttpTransport(httpx.BaseTransport):
    """Serves a deployment's HTTP actions and storage URLs to an ``httpx.Client``.

    ``invoke(handler, request)`` runs the routed handler.  With ``raise_errors`` an
    exception from it propagates instead of becoming a 500 response.  ``request_ids``
    (an iterator of ints) numbers the ``[Request ID: ...]`` of 500 responses.
    """

    def __init__(
        self,
        router: HttpRouter | None,
        invoke: Invoke,
        *,
        site_url: str = DEFAULT_SITE_URL,
        raise_errors: bool = False,
        storage: StorageEndpoints | None = None,
        request_ids: Iterator[int] | None = None,
    ) -> None:
        self._dispatcher = _Dispatcher(
            router,
            site_url=site_url,
            raise_errors=raise_errors,
            storage=storage,
            request_ids=request_ids,
        )
        self._invoke = invoke

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; the response comes back fully read."""
        request.read()
        dispatcher = self._dispatcher
        routed = dispatcher.route(request)
        if isinstance(routed, httpx.Response):
            response = routed
        else:
            handler, routed_path = routed
            request.extensions[ROUTE_EXTENSION] = routed_path
            try:
                response = dispatcher.check_response(self._invoke(handler, request))
                response.read()
                dispatcher.check_size(response)
            except Exception as exc:
                if dispatcher.raise_errors:
                    raise
                response = dispatcher.error_response(exc)
        return dispatcher.finish(request, response)


class ConvexAsyncHttpTransport(httpx.AsyncBaseTransport):
    """The async twin of :class:`ConvexHttpTransport`, for an ``httpx.AsyncClient``.

    ``invoke`` may return the response or an awaitable of it.
    """

    def __init__(
        self,
        router: HttpRouter | None,
        invoke: AsyncInvoke,
        *,
        site_url: str = DEFAULT_SITE_URL,
        raise_errors: bool = False,
        storage: StorageEndpoints | None = None,
        request_ids: Iterator[int] | None = None,
    ) -> None:
        self._dispatcher = _Dispatcher(
            router,
            site_url=site_url,
            raise_errors=raise_errors,
            storage=storage,
            request_ids=request_ids,
        )
        self._invoke = invoke

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; the response comes back fully read."""
        await request.aread()
        dispatcher = self._dispatcher
        routed = dispatcher.route(request)
        if isinstance(routed, httpx.Response):
            response = routed
        else:
            handler, routed_path = routed
            request.extensions[ROUTE_EXTENSION] = routed_path
            try:
                result = self._invoke(handler, request)
                if inspect.isawaitable(result):
                    result = await result
                response = dispatcher.check_response(result)
                if isinstance(response.stream, httpx.AsyncByteStream):
                    await response.aread()
                else:
                    response.read()
                dispatcher.check_size(response)
            except Exception as exc:
                if dispatcher.raise_errors:
                    raise
                response = dispatcher.error_response(exc)
        return dispatcher.finish(request, response)
