"""HttpRouter: registration checks (Convex texts) and lookup order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError
from convex_test.http import ROUTABLE_HTTP_METHODS, HttpRouter


def handler(name: str) -> Any:
    def fn(request: Any) -> str:
        return name

    fn.__name__ = name
    return fn


# --- registration errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"path": "/a", "method": "GET", "handler": None}, "route requires handler"),
        ({"path": "/a", "method": "", "handler": handler("h")}, "route requires method"),
        (
            {"path": "/a", "method": "HEAD", "handler": handler("h")},
            "'HEAD' is not an allowed HTTP method (like GET, POST, PUT etc.)",
        ),
        (
            {"path": "/a", "method": "head", "handler": handler("h")},
            "'HEAD' is not an allowed HTTP method (like GET, POST, PUT etc.)",
        ),
        (
            {"path": "/a", "method": "TRACE", "handler": handler("h")},
            "'TRACE' is not an allowed HTTP method (like GET, POST, PUT etc.)",
        ),
        (
            {"path": "/a", "method": "CONNECT", "handler": handler("h")},
            "'CONNECT' is not an allowed HTTP method (like GET, POST, PUT etc.)",
        ),
        (
            {"path": "/a", "method": 5, "handler": handler("h")},
            "'5' is not an allowed HTTP method (like GET, POST, PUT etc.)",
        ),
        (
            {"path": "/a", "path_prefix": "/a/", "method": "GET", "handler": handler("h")},
            "Invalid httpRouter route: cannot contain both 'path' and 'path_prefix'",
        ),
        (
            {"method": "GET", "handler": handler("h")},
            "Invalid httpRouter route entry: must contain either field 'path' or 'path_prefix'",
        ),
        (
            {"path": "x", "method": "GET", "handler": handler("h")},
            "path 'x' does not start with a /",
        ),
        (
            {"path": "", "method": "GET", "handler": handler("h")},
            "path '' does not start with a /",
        ),
        (
            {"path": "/.files", "method": "GET", "handler": handler("h")},
            "path '/.files' is reserved",
        ),
        (
            {"path": "/.files/x", "method": "POST", "handler": handler("h")},
            "path '/.files/x' is reserved",
        ),
        (
            {"path": 3, "method": "GET", "handler": handler("h")},
            "path must be a string, got 3",
        ),
        (
            {"path_prefix": "x/", "method": "GET", "handler": handler("h")},
            "pathPrefix 'x/' does not start with a /",
        ),
        (
            {"path_prefix": "/x", "method": "GET", "handler": handler("h")},
            "pathPrefix /x must end with a /",
        ),
        (
            {"path_prefix": "/.files", "method": "GET", "handler": handler("h")},
            "pathPrefix /.files must end with a /",
        ),
        (
            {"path_prefix": "/.files/", "method": "GET", "handler": handler("h")},
            "pathPrefix '/.files/' is reserved",
        ),
        (
            {"path_prefix": "/.files/a/", "method": "GET", "handler": handler("h")},
            "pathPrefix '/.files/a/' is reserved",
        ),
        (
            {"path_prefix": b"/x/", "method": "GET", "handler": handler("h")},
            "path_prefix must be a string, got b'/x/'",
        ),
    ],
)
def test_route_rejects_with_convex_text(kwargs: dict[str, Any], message: str) -> None:
    router = HttpRouter()
    with pytest.raises(ConvexTestError) as info:
        router.route(**kwargs)
    assert str(info.value) == message
    assert router.get_routes() == []


def test_duplicate_exact_route_is_rejected_whatever_the_case() -> None:
    router = HttpRouter()
    router.route(path="/send", method="POST", handler=handler("a"))
    with pytest.raises(ConvexTestError, match=r"^Path '/send' for method POST already in use$"):
        router.route(path="/send", method="post", handler=handler("b"))
    # The first registration is untouched.
    assert router.lookup("/send", "POST") == (router.get_routes()[0][2], "/send")
    assert router.get_routes()[0][2].__name__ == "a"


def test_duplicate_prefix_route_is_rejected() -> None:
    router = HttpRouter()
    router.route(path_prefix="/files/", method="get", handler=handler("a"))
    with pytest.raises(ConvexTestError, match=r"^GET pathPrefix /files/ is already defined$"):
        router.route(path_prefix="/files/", method="GET", handler=handler("b"))


def test_same_path_for_other_methods_and_overlapping_prefixes_are_allowed() -> None:
    router = HttpRouter()
    for method in ROUTABLE_HTTP_METHODS:
        router.route(path="/x", method=method.lower(), handler=handler(method))
    router.route(path_prefix="/", method="GET", handler=handler("root"))
    router.route(path_prefix="/a/", method="GET", handler=handler("a"))
    router.route(path_prefix="/a/", method="POST", handler=handler("a-post"))
    router.route(path="/.filesx", method="GET", handler=handler("not-reserved"))
    assert len(router.get_routes()) == len(ROUTABLE_HTTP_METHODS) + 4


# --- lookup -----------------------------------------------------------------------------


def routed(router: HttpRouter, path: str, method: str) -> tuple[str, str] | None:
    found = router.lookup(path, method)
    return None if found is None else (found[0].__name__, found[1])


def test_exact_path_beats_longest_prefix() -> None:
    router = HttpRouter()
    router.route(path_prefix="/files/", method="GET", handler=handler("prefix"))
    router.route(path="/files/special", method="GET", handler=handler("exact"))
    assert routed(router, "/files/special", "GET") == ("exact", "/files/special")
    assert routed(router, "/files/special/x", "GET") == ("prefix", "/files/*")


def test_longest_prefix_wins_whatever_the_registration_order() -> None:
    router = HttpRouter()
    router.route(path_prefix="/a/b/", method="GET", handler=handler("ab"))
    router.route(path_prefix="/", method="GET", handler=handler("root"))
    router.route(path_prefix="/a/", method="GET", handler=handler("a"))
    assert routed(router, "/a/b/c", "GET") == ("ab", "/a/b/*")
    assert routed(router, "/a/b/", "GET") == ("ab", "/a/b/*")
    assert routed(router, "/a/b", "GET") == ("a", "/a/*")
    assert routed(router, "/a/", "GET") == ("a", "/a/*")
    assert routed(router, "/a", "GET") == ("root", "/*")
    assert routed(router, "/", "GET") == ("root", "/*")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/files/", ("files", "/files/*")),
        ("/files/a/b.txt", ("files", "/files/*")),
        ("/files//x", ("files", "/files/*")),
        ("/files", None),
        ("/filesx/a", None),
        ("/other/files/a", None),
    ],
)
def test_prefix_matching(path: str, expected: tuple[str, str] | None) -> None:
    router = HttpRouter()
    router.route(path_prefix="/files/", method="GET", handler=handler("files"))
    assert routed(router, path, "GET") == expected


@pytest.mark.parametrize("method", ["GET", "get", "Get", "HEAD", "head"])
def test_method_is_case_insensitive_and_head_is_get(method: str) -> None:
    router = HttpRouter()
    router.route(path="/x", method="get", handler=handler("get"))
    router.route(path_prefix="/p/", method="GeT", handler=handler("p"))
    assert routed(router, "/x", method) == ("get", "/x")
    assert routed(router, "/p/q", method) == ("p", "/p/*")


def test_method_mismatch_is_no_match() -> None:
    router = HttpRouter()
    router.route(path="/send", method="POST", handler=handler("send"))
    assert router.lookup("/send", "GET") is None
    assert router.lookup("/send", "HEAD") is None
    assert router.lookup("/send", "TRACE") is None
    assert routed(router, "/send", "post") == ("send", "/send")


def test_exact_path_of_another_method_falls_through_to_prefix() -> None:
    router = HttpRouter()
    router.route(path="/api/x", method="POST", handler=handler("exact-post"))
    router.route(path_prefix="/api/", method="GET", handler=handler("prefix-get"))
    assert routed(router, "/api/x", "GET") == ("prefix-get", "/api/*")
    assert routed(router, "/api/x", "POST") == ("exact-post", "/api/x")


@pytest.mark.parametrize(("path", "method"), [(None, "GET"), ("/x", None), (b"/x", "GET")])
def test_lookup_of_non_strings_is_no_match(path: Any, method: Any) -> None:
    router = HttpRouter()
    router.route(path="/x", method="GET", handler=handler("x"))
    assert router.lookup(path, method) is None


def test_get_routes_order_and_format_match_convex_js() -> None:
    router = HttpRouter()
    h = {name: handler(name) for name in "abcdefg"}
    router.route(path_prefix="/z/", method="POST", handler=h["a"])
    router.route(path="/b", method="POST", handler=h["b"])
    router.route(path="/b", method="GET", handler=h["c"])
    router.route(path="/a", method="PUT", handler=h["d"])
    router.route(path_prefix="/y/", method="GET", handler=h["e"])
    router.route(path_prefix="/x/", method="GET", handler=h["f"])
    assert router.get_routes() == [
        ("/a", "PUT", h["d"]),
        ("/b", "GET", h["c"]),
        ("/b", "POST", h["b"]),
        ("/x/*", "GET", h["f"]),
        ("/y/*", "GET", h["e"]),
        ("/z/*", "POST", h["a"]),
    ]
    assert repr(router) == ("HttpRouter([PUT /a, GET /b, POST /b, GET /x/*, GET /y/*, POST /z/*])")


# --- lookup agrees with the plain definition (exact, else longest startswith) --------------

segment = st.sampled_from(["a", "b", "ab", ""])
paths = st.lists(segment, min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
prefixes = paths.map(lambda p: p if p.endswith("/") else p + "/")
methods = st.sampled_from(["GET", "POST", "get"])


@given(
    exact=st.lists(st.tuples(paths, methods), max_size=6),
    prefixed=st.lists(st.tuples(prefixes, methods), max_size=6),
    queries=st.lists(st.tuples(paths, st.sampled_from(["GET", "POST", "HEAD", "put"]))),
)
def test_lookup_matches_reference(
    exact: list[tuple[str, str]],
    prefixed: list[tuple[str, str]],
    queries: list[tuple[str, str]],
) -> None:
    router = HttpRouter()
    exact_ref: dict[tuple[str, str], Any] = {}
    prefix_ref: dict[tuple[str, str], Any] = {}
    for i, (path, method) in enumerate(exact):
        key = (path, method.upper())
        if key not in exact_ref:
            exact_ref[key] = handler(f"e{i}")
            router.route(path=path, method=method, handler=exact_ref[key])
    for i, (prefix, method) in enumerate(prefixed):
        key = (prefix, method.upper())
        if key not in prefix_ref:
            prefix_ref[key] = handler(f"p{i}")
            router.route(path_prefix=prefix, method=method, handler=prefix_ref[key])

    for path, method in queries:
        m = "GET" if method.upper() == "HEAD" else method.upper()
        expected: tuple[Any, str] | None = None
        if (path, m) in exact_ref:
            expected = (exact_ref[(path, m)], path)
        else:
            matching = [p for (p, pm) in prefix_ref if pm == m and path.startswith(p)]
            if matching:
                best = max(matching, key=len)
                expected = (prefix_ref[(best, m)], best + "*")
        assert router.lookup(path, method) == expected
