from __future__ import annotations

import copy
import functools
import inspect
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convex_test.errors import ConvexTestError, SchemaDefinitionError
from convex_test.functions import (
    AppDefinition,
    FunctionDefinition,
    FunctionReference,
    FunctionRegistry,
    action,
    api,
    check_kind,
    components,
    define_app,
    function_name,
    http_action,
    internal,
    internal_action,
    internal_mutation,
    internal_query,
    mutation,
    normalize_function_path,
    query,
    resolve_function,
)
from convex_test.schema.validators import v

DECORATORS = [
    (query, "query", "public"),
    (mutation, "mutation", "public"),
    (action, "action", "public"),
    (internal_query, "query", "internal"),
    (internal_mutation, "mutation", "internal"),
    (internal_action, "action", "internal"),
    (http_action, "http_action", "public"),
]
DECORATOR_IDS = [
    "query",
    "mutation",
    "action",
    "internal_query",
    "internal_mutation",
    "internal_action",
    "http_action",
]
WITH_ARGS = [d for d in DECORATORS if d[1] != "http_action"]
WITH_ARGS_IDS = [i for i in DECORATOR_IDS if i != "http_action"]


def handler(ctx: Any, args: Any) -> str:
    """Handler docstring."""
    return "ok"


async def async_handler(ctx: Any, args: Any) -> str:
    return "ok"


# ---------------------------------------------------------------------------
# Decorator forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("decorator", "kind", "visibility"), DECORATORS, ids=DECORATOR_IDS)
def test_every_form_builds_the_same_definition(decorator: Any, kind: str, visibility: str) -> None:
    bare = decorator(handler)
    factory = decorator()(handler)
    functional = decorator(handler=handler)
    for fdef in (bare, factory, functional):
        assert isinstance(fdef, FunctionDefinition)
        assert fdef.kind == kind
        assert fdef.visibility == visibility
        assert fdef.handler is handler
        assert fdef.args_validator is None
        assert fdef.returns_validator is None
        assert fdef.is_async is False
        assert fdef.accepts_args is True
        assert fdef.path is None


def test_bare_decorator_syntax() -> None:
    @query
    def list_all(ctx: Any, args: Any) -> list[Any]:
        """Lists everything."""
        return []

    assert isinstance(list_all, FunctionDefinition)
    assert list_all.__name__ == "list_all"
    assert list_all.__doc__ == "Lists everything."
    assert list_all.__module__ == __name__
    assert list_all.__qualname__.endswith("test_bare_decorator_syntax.<locals>.list_all")
    assert list_all.__wrapped__ is list_all.handler
    assert list(inspect.signature(list_all).parameters) == ["ctx", "args"]


@pytest.mark.parametrize(("decorator", "kind", "visibility"), WITH_ARGS, ids=WITH_ARGS_IDS)
def test_options_form_converts_dict_args_to_object(
    decorator: Any, kind: str, visibility: str
) -> None:
    @decorator(args={"body": v.string()}, returns=v.id("messages"))
    def send(ctx: Any, args: Any) -> Any:
        return None

    assert send.args_validator == v.object({"body": v.string()})
    assert send.returns_validator == v.id("messages")
    functional = decorator(args={}, returns={"n": v.float64()}, handler=handler)
    assert functional.args_validator == v.object({})
    assert functional.returns_validator == v.object({"n": v.float64()})
    positional = decorator(handler, args={"a": v.any()})
    assert positional.args_validator == v.object({"a": v.any()})


@pytest.mark.parametrize("validator", [v.object({"a": v.string()}), v.any()], ids=repr)
def test_object_and_any_validators_are_kept_as_args(validator: Any) -> None:
    assert query(args=validator, handler=handler).args_validator is validator


@pytest.mark.parametrize(
    "args",
    [
        v.string(),
        v.array(v.string()),
        v.union(v.object({}), v.null()),
        v.optional(v.object({})),
        5,
        "body",
        [v.string()],
    ],
    ids=repr,
)
def test_args_must_be_an_object_validator(args: Any) -> None:
    with pytest.raises(
        SchemaDefinitionError, match=r"args must be an object validator or v\.any\(\)"
    ):
        query(args=args, handler=handler)


def test_args_dict_values_must_be_validators() -> None:
    with pytest.raises(SchemaDefinitionError, match=r"args\['body'\] must be a validator"):
        query(args={"body": str}, handler=handler)
    with pytest.raises(SchemaDefinitionError, match="field names must be strings"):
        mutation(args={1: v.string()}, handler=handler)
    with pytest.raises(SchemaDefinitionError, match=r"returns\['n'\] must be a validator"):
        query(returns={"n": 1}, handler=handler)


@pytest.mark.parametrize("returns", [5, "v.string()", [v.string()], str], ids=repr)
def test_returns_must_be_a_validator(returns: Any) -> None:
    with pytest.raises(SchemaDefinitionError, match="returns must be a validator"):
        action(returns=returns, handler=handler)


def test_any_validator_is_accepted_as_returns() -> None:
    assert query(returns=v.optional(v.string()), handler=handler).returns_validator == v.optional(
        v.string()
    )


def test_validation_errors_happen_at_decoration_time() -> None:
    with pytest.raises(SchemaDefinitionError):
        query(args=5)  # the factory form fails before any handler is given


@pytest.mark.parametrize(
    "bad", [5, "handler", {"args": {}}, [handler]], ids=["int", "str", "dict", "list"]
)
def test_handler_must_be_callable(bad: Any) -> None:
    with pytest.raises(SchemaDefinitionError, match="only positional argument"):
        query(bad)
    with pytest.raises(SchemaDefinitionError, match="must be a function"):
        query(handler=bad)
    with pytest.raises(SchemaDefinitionError, match="must be a function"):
        query()(bad)
    with pytest.raises(SchemaDefinitionError, match="must be a function"):
        mutation()(None)  # type: ignore[arg-type]


def test_positional_non_callable_hints_at_keywords() -> None:
    with pytest.raises(SchemaDefinitionError, match=r"Pass validators by keyword: query\(args="):
        query({"body": v.string()})  # type: ignore[call-overload]


def test_handler_given_twice() -> None:
    with pytest.raises(SchemaDefinitionError, match="handler twice"):
        query(handler, handler=handler)  # type: ignore[call-overload]


def test_classes_and_definitions_are_not_handlers() -> None:
    class Handler:
        def __init__(self, ctx: Any, args: Any) -> None: ...

    with pytest.raises(SchemaDefinitionError, match="must be a function"):
        query(Handler)
    with pytest.raises(SchemaDefinitionError, match="already a Convex function"):
        mutation(query(handler))


def test_ctx_only_handler_is_allowed_except_for_http_actions() -> None:
    def ctx_only(ctx: Any) -> None: ...

    fdef = query(ctx_only)
    assert fdef.accepts_args is False
    with pytest.raises(SchemaDefinitionError, match=r"must accept \(ctx, request\)"):
        http_action(ctx_only)


@pytest.mark.parametrize(
    "bad",
    [lambda: None, lambda ctx, args, extra: None, lambda *, ctx: None],
    ids=["no params", "three required", "keyword only"],
)
def test_handler_signature_is_checked(bad: Any) -> None:
    with pytest.raises(SchemaDefinitionError, match=r"must accept \(ctx, args\) or \(ctx\)"):
        mutation(bad)


def test_flexible_and_unintrospectable_handlers_are_accepted() -> None:
    assert query(lambda *a, **kw: None).accepts_args is True
    assert query(lambda ctx, args=None, more=1: None).accepts_args is True
    assert query(print).accepts_args is True  # builtin: assume (ctx, args)


def test_http_action_takes_no_validators() -> None:
    with pytest.raises(SchemaDefinitionError, match="http_action takes no args/returns"):
        http_action(args={}, handler=handler)
    with pytest.raises(SchemaDefinitionError, match="http_action takes no args/returns"):
        http_action(returns=v.string())


class _AsyncCallable:
    async def __call__(self, ctx: Any, args: Any) -> None: ...


class _SyncCallable:
    def __call__(self, ctx: Any, args: Any) -> None: ...


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (handler, False),
        (async_handler, True),
        (functools.partial(async_handler), True),
        (_AsyncCallable(), True),
        (_SyncCallable(), False),
        (lambda ctx, args: None, False),
    ],
    ids=["def", "async def", "partial(async)", "async __call__", "sync __call__", "lambda"],
)
def test_is_async(fn: Any, expected: bool) -> None:
    assert query(fn).is_async is expected


def test_fields_are_read_only_but_path_is_settable() -> None:
    fdef = query(handler)
    for name in ("kind", "visibility", "handler", "args_validator", "is_async", "accepts_args"):
        with pytest.raises(AttributeError, match="read-only"):
            setattr(fdef, name, None)
    with pytest.raises(AttributeError):
        del fdef.path
    fdef.path = "messages:list"
    assert fdef.path == "messages:list"


def test_handler_dict_does_not_leak_into_the_definition() -> None:
    def fn(ctx: Any, args: Any) -> None: ...

    fn.kind = "evil"  # type: ignore[attr-defined]
    assert query(fn).kind == "query"


@pytest.mark.parametrize(
    ("fdef", "expected"),
    [
        (query(handler), r"Use t\.query\(ref, args\) in tests or ctx\.run_query"),
        (internal_mutation(handler), r"t\.mutation\(ref, args\).*ctx\.run_mutation"),
        (action(handler), r"t\.action\(ref, args\).*ctx\.run_action"),
        (http_action(handler), r"HttpRouter in http\.py and call it with t\.fetch"),
    ],
    ids=["query", "internal_mutation", "action", "http_action"],
)
def test_calling_a_definition_directly_raises(fdef: FunctionDefinition, expected: str) -> None:
    with pytest.raises(ConvexTestError, match=expected) as info:
        fdef(object(), {})
    assert "`.handler`" in str(info.value)


def test_calling_a_registered_definition_names_its_path() -> None:
    fdef = mutation(handler)
    fdef.path = "messages:send"
    with pytest.raises(
        ConvexTestError, match=r'messages:send is a Convex mutation.*t\.mutation\("messages:send"'
    ):
        fdef()
    assert fdef.handler(None, {}) == "ok"


def test_repr() -> None:
    fdef = internal_mutation(handler)
    assert repr(fdef) == "<internal_mutation handler (unregistered)>"
    fdef.path = "admin/users:ban"
    assert repr(fdef) == "<internal_mutation admin/users:ban>"
    assert repr(http_action(handler)) == "<http_action handler (unregistered)>"
    assert repr(query) == "<convex_test.query>"


@pytest.mark.parametrize(
    ("kind", "expected", "message"),
    [
        (
            "mutation",
            "query",
            "Trying to execute messages:send as Query, but it is defined as Mutation.",
        ),
        (
            "query",
            "mutation",
            "Trying to execute messages:send as Mutation, but it is defined as Query.",
        ),
        (
            "query",
            "action",
            "Trying to execute messages:send as Action, but it is defined as Query.",
        ),
        (
            "action",
            "mutation",
            "Trying to execute messages:send as Mutation, but it is defined as Action.",
        ),
        (
            "http_action",
            "action",
            "Trying to execute messages:send as Action, but it is defined as HttpAction.",
        ),
    ],
)
def test_check_kind_messages(kind: str, expected: Any, message: str) -> None:
    decorator = {d[1]: d[0] for d in DECORATORS if d[2] == "public"}[kind]
    fdef = decorator(handler)
    fdef.path = "messages:send"
    with pytest.raises(ConvexTestError) as info:
        check_kind(fdef, expected)
    assert str(info.value) == message
    check_kind(fdef, fdef.kind)  # no error for the right kind
    with pytest.raises(ConvexTestError, match="execute other:path as"):
        FunctionRegistry.check_kind(fdef, expected, "other:path")


# ---------------------------------------------------------------------------
# Paths and references
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("messages:send", "messages:send"),
        ("messages", "messages:default"),
        ("admin/users:ban", "admin/users:ban"),
        ("messages.py:send", "messages:send"),
        ("messages.js:send", "messages:send"),
        ("admin/users.py", "admin/users:default"),
    ],
)
def test_normalize_function_path(path: str, expected: str) -> None:
    assert normalize_function_path(path) == expected


@pytest.mark.parametrize(
    "path",
    [
        "",
        ":send",
        "messages:",
        "a//b:c",
        "/a:b",
        "a/:b",
        "a:b:c",
        "a:b/c",
        " a:b",
        "a:b ",
        "../a:b",
    ],
)
def test_invalid_function_paths(path: str) -> None:
    with pytest.raises(ConvexTestError, match="Invalid function path"):
        normalize_function_path(path)


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (api.messages.send, ("", "messages:send")),
        (internal.messages.send, ("", "messages:send")),
        (api.admin.users.ban, ("", "admin/users:ban")),
        (internal.a.b.c.d, ("", "a/b/c:d")),
        (FunctionReference("messages:send"), ("", "messages:send")),
        (FunctionReference("messages"), ("", "messages:default")),
        (FunctionReference("lib:add", component="counter"), ("counter", "lib:add")),
        (components.counter.lib.add, ("counter", "lib:add")),
        (components.counter.shards.lib.add, ("counter", "shards/lib:add")),
        ("messages:send", ("", "messages:send")),
        ("messages", ("", "messages:default")),
    ],
    ids=repr,
)
def test_function_name(ref: Any, expected: tuple[str, str]) -> None:
    assert function_name(ref) == expected


def test_references_are_relative_to_the_calling_namespace() -> None:
    assert function_name(api.lib.add, current="counter") == ("counter", "lib:add")
    assert function_name("lib:add", current="counter") == ("counter", "lib:add")
    assert function_name(components.shards.lib.add, current="counter") == (
        "counter/shards",
        "lib:add",
    )
    # An explicit reference names an absolute component path.
    assert function_name(FunctionReference("lib:add", "counter"), current="other") == (
        "counter",
        "lib:add",
    )


def test_component_refs_pick_the_longest_registered_prefix() -> None:
    paths = {"", "counter", "counter/shards"}
    assert function_name(components.counter.lib.add, component_paths=paths) == (
        "counter",
        "lib:add",
    )
    assert function_name(components.counter.shards.lib.add, component_paths=paths) == (
        "counter/shards",
        "lib:add",
    )
    # At least "<module>.<function>" must remain after the component prefix.
    assert function_name(components.counter.shards.add, component_paths=paths) == (
        "counter",
        "shards:add",
    )
    assert function_name(components.shards.lib.add, current="counter", component_paths=paths) == (
        "counter/shards",
        "lib:add",
    )


def test_unregistered_component() -> None:
    with pytest.raises(ConvexTestError) as info:
        function_name(components.countr.lib.add, component_paths={"", "counter"})
    assert str(info.value) == (
        'Component "countr" is not registered. Call t.register_component(...) '
        "Did you mean `counter`?"
    )
    with pytest.raises(ConvexTestError, match=r'^Component "counter/x" is not registered'):
        function_name(components.x.lib.add, current="counter", component_paths={"counter"})


@pytest.mark.parametrize(
    ("ref", "form"),
    [
        (api, "api.<module>.<function>"),
        (api.messages, "api.<module>.<function>"),
        (internal.messages, "internal.<module>.<function>"),
        (components.counter.add, "components.<name>.<module>.<function>"),
    ],
    ids=repr,
)
def test_incomplete_references(ref: Any, form: str) -> None:
    with pytest.raises(ConvexTestError, match=re.escape(f"expected the form {form}")):
        function_name(ref)


@pytest.mark.parametrize("value", [5, None, b"messages:send", ["messages", "send"], handler])
def test_function_name_rejects_other_values(value: Any) -> None:
    with pytest.raises(ConvexTestError, match="Expected a function reference"):
        function_name(value)


def test_function_name_of_definitions() -> None:
    fdef = query(handler)
    with pytest.raises(ConvexTestError, match="is not registered in this backend"):
        function_name(fdef)
    fdef.path = "messages:list"
    assert function_name(fdef, current="counter") == ("counter", "messages:list")


def test_reference_repr() -> None:
    assert repr(api) == "api"
    assert repr(api.messages.send) == "api.messages.send"
    assert repr(internal.admin.users.ban) == "internal.admin.users.ban"
    assert repr(components.counter.lib.add) == "components.counter.lib.add"
    assert repr(FunctionReference("messages")) == "FunctionReference('messages:default')"
    assert (
        repr(FunctionReference("lib:add", component="counter"))
        == "FunctionReference('lib:add', component='counter')"
    )


def test_references_compare_by_what_they_name() -> None:
    assert api.messages.send == api.messages.send
    assert api.messages.send == internal.messages.send  # both name the same function
    assert api.messages.send != api.messages.list
    assert api.lib.add != components.lib.add
    assert FunctionReference("messages") == FunctionReference("messages:default")
    assert FunctionReference("lib:add", "a") != FunctionReference("lib:add", "b")
    assert api.messages.send != "messages:send"
    assert len({api.messages.send, internal.messages.send, api.messages.list}) == 2


def test_underscore_names_never_build_references() -> None:
    ref = api.messages.send
    for name in ("__wrapped__", "__deepcopy__", "_private", "_pytestfixturefunction", "__len__"):
        assert not hasattr(ref, name)
    with pytest.raises(AttributeError):
        _ = api._helpers


def test_references_copy_and_pickle() -> None:
    for ref in (
        api.admin.users.ban,
        components.counter.lib.add,
        FunctionReference("lib:add", component="counter"),
    ):
        assert copy.copy(ref) == ref
        assert copy.deepcopy(ref) == ref
        clone = pickle.loads(pickle.dumps(ref))
        assert clone == ref
        assert repr(clone) == repr(ref)


def test_references_are_immutable_and_not_callable() -> None:
    ref = api.messages.send
    with pytest.raises(AttributeError, match="immutable"):
        ref._parts = ()  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del ref._root
    with pytest.raises(
        ConvexTestError, match=r"api\.messages\.send is a function reference and cannot be called"
    ):
        ref({"body": "hi"})


def test_explicit_references_do_not_chain() -> None:
    with pytest.raises(AttributeError):
        _ = FunctionReference("messages:send").more


@pytest.mark.parametrize("component", ["Counter/", "/x", "a//b", "1x", "a-b", 5])
def test_explicit_reference_checks_its_component(component: Any) -> None:
    with pytest.raises(ConvexTestError, match="Invalid component path"):
        FunctionReference("lib:add", component=component)


def test_explicit_reference_checks_its_path() -> None:
    with pytest.raises(ConvexTestError, match="Invalid function path"):
        FunctionReference("a:b:c")


_name = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@given(modules=st.lists(_name, min_size=1, max_size=4), export=_name)
def test_attribute_chains_build_paths(modules: list[str], export: str) -> None:
    ref = api
    for part in [*modules, export]:
        ref = getattr(ref, part)
    expected = "/".join(modules) + ":" + export
    assert function_name(ref) == ("", expected)
    assert function_name(pickle.loads(pickle.dumps(ref))) == ("", expected)
    assert hash(ref) == hash(FunctionReference._chain("internal", (*modules, export)))
    assert ref == FunctionReference._chain("internal", (*modules, export))


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


def _registry(namespace: str = "") -> tuple[FunctionRegistry, dict[str, FunctionDefinition]]:
    registry = FunctionRegistry(namespace)
    fns = {
        "messages:send": mutation(handler),
        "messages:list": query(handler),
        "admin/users:ban": internal_mutation(handler),
        "messages:default": query(handler),
    }
    for path, fdef in fns.items():
        registry.register(path, fdef)
    return registry, fns


def test_registry_resolves_every_kind_of_name() -> None:
    registry, fns = _registry()
    send = fns["messages:send"]
    assert send.path == "messages:send"
    for name in ("messages:send", api.messages.send, internal.messages.send, send):
        assert registry.resolve(name) is send
        assert registry.resolve_with_path(name) == ("messages:send", send)
    assert registry.resolve("messages") is fns["messages:default"]
    assert registry.resolve(api.admin.users.ban) is fns["admin/users:ban"]
    assert registry.resolve(FunctionReference("admin/users:ban")) is fns["admin/users:ban"]


def test_registry_not_found_suggests_the_closest_path() -> None:
    registry, _ = _registry()
    with pytest.raises(ConvexTestError) as info:
        registry.resolve("messages:sendd")
    assert (
        str(info.value)
        == 'Could not find function for "messages:sendd". Did you mean `messages:send`?'
    )
    with pytest.raises(
        ConvexTestError,
        match=r'^Could not find function for "admin/user:ban"\. Did you mean `admin/users:ban`\?$',
    ):
        registry.resolve(api.admin.user.ban)
    with pytest.raises(ConvexTestError, match=r'^Could not find function for "zzzzzzzz:qqqqqq"\.$'):
        registry.resolve("zzzzzzzz:qqqqqq")


def test_component_registry_names_the_component() -> None:
    registry, _ = _registry("counter")
    with pytest.raises(
        ConvexTestError, match=r'"messages:sendd" in component "counter"\. Did you mean'
    ):
        registry.resolve("messages:sendd")


def test_empty_registry_says_nothing_is_registered() -> None:
    registry = FunctionRegistry(source="/app/convex")
    with pytest.raises(ConvexTestError) as info:
        registry.resolve("messages:send")
    assert str(info.value) == (
        'Could not find function for "messages:send". No functions are registered '
        "(functions directory: /app/convex)."
    )


def test_registry_rejects_unregistered_definitions() -> None:
    registry, _ = _registry()
    inline = query(handler)
    with pytest.raises(ConvexTestError, match="is not registered in this backend"):
        registry.resolve(inline)
    # Same path as a registered function, but another object (e.g. a reloaded module).
    impostor = mutation(handler)
    impostor.path = "messages:send"
    with pytest.raises(ConvexTestError, match="is not registered in this backend"):
        registry.resolve(impostor)


def test_registry_refuses_names_of_other_components() -> None:
    registry, _ = _registry()
    with pytest.raises(ConvexTestError, match="names a function of component 'counter'"):
        registry.resolve(components.counter.lib.add)


def test_register_conflicts_and_aliases() -> None:
    registry, fns = _registry()
    send = fns["messages:send"]
    registry.register("messages:send", send)  # idempotent
    registry.register("reexports:send", send)
    assert send.path == "messages:send"
    assert registry.path_of(send) == "messages:send"
    assert registry.resolve_with_path("reexports:send") == ("reexports:send", send)
    assert registry.resolve_with_path(send) == ("messages:send", send)
    with pytest.raises(ConvexTestError, match='"messages:send" is already registered'):
        registry.register("messages:send", query(handler))
    with pytest.raises(ConvexTestError, match="Only Convex functions can be registered"):
        registry.register("messages:x", handler)  # type: ignore[arg-type]
    with pytest.raises(ConvexTestError, match="Invalid function path"):
        registry.register("messages:", query(handler))


def test_register_keeps_an_existing_path() -> None:
    fdef = query(handler)
    fdef.path = "first:path"
    registry = FunctionRegistry()
    registry.register("second:path", fdef)
    assert fdef.path == "first:path"
    assert registry.path_of(fdef) == "second:path"


def test_registry_collection_protocol() -> None:
    registry, fns = _registry()
    assert registry.paths() == [
        "admin/users:ban",
        "messages:default",
        "messages:list",
        "messages:send",
    ]
    assert list(registry) == registry.paths()
    assert len(registry) == 4
    assert registry.items()[0] == ("admin/users:ban", fns["admin/users:ban"])
    assert "messages:send" in registry
    assert "messages" in registry
    assert fns["messages:list"] in registry
    assert "messages:nope" not in registry
    assert "a:b:c" not in registry
    assert query(handler) not in registry
    assert 5 not in registry
    assert registry.get("messages:list") is fns["messages:list"]
    assert registry.get("messages:nope") is None
    assert registry.path_of(query(handler)) is None
    assert repr(registry) == "<FunctionRegistry the app: 4 functions>"
    assert (
        repr(FunctionRegistry("counter")) == "<FunctionRegistry component 'counter': 0 functions>"
    )


def test_resolve_function_across_namespaces() -> None:
    app, app_fns = _registry()
    counter = FunctionRegistry("counter")
    add = mutation(handler)
    counter.register("lib:add", add)
    shards = FunctionRegistry("counter/shards")
    shard_add = mutation(handler)
    shards.register("lib:add", shard_add)
    registries = {"": app, "counter": counter, "counter/shards": shards}

    assert resolve_function(api.messages.send, registries) == (
        "",
        "messages:send",
        app_fns["messages:send"],
    )
    assert resolve_function(components.counter.lib.add, registries) == ("counter", "lib:add", add)
    assert resolve_function(components.counter.shards.lib.add, registries) == (
        "counter/shards",
        "lib:add",
        shard_add,
    )
    assert resolve_function(components.shards.lib.add, registries, current="counter") == (
        "counter/shards",
        "lib:add",
        shard_add,
    )
    assert resolve_function(api.lib.add, registries, current="counter") == (
        "counter",
        "lib:add",
        add,
    )
    # A function object is found in whichever namespace registered it.
    assert resolve_function(add, registries) == ("counter", "lib:add", add)
    assert resolve_function(FunctionReference("lib:add", "counter"), registries)[2] is add
    with pytest.raises(ConvexTestError, match=r'Component "countr" is not registered.*`counter`'):
        resolve_function(FunctionReference("lib:add", "countr"), registries)
    with pytest.raises(ConvexTestError, match='Component "nope" is not registered'):
        resolve_function(components.nope.lib.add, registries)
    with pytest.raises(ConvexTestError, match="is not registered in this backend"):
        resolve_function(query(handler), registries)
    with pytest.raises(
        ConvexTestError, match='Could not find function for "lib:sub" in component "counter"'
    ):
        resolve_function(components.counter.lib.sub, registries)


# ---------------------------------------------------------------------------
# define_app
# ---------------------------------------------------------------------------


def test_define_app_records_components(tmp_path: Path) -> None:
    app = define_app()
    assert isinstance(app, AppDefinition)
    counter = app.use("counter", modules="tests/fixtures/apps/component_counter")
    ratelimiter = app.use("rate_limiter2", modules="some.package", schema="schema-object")
    assert [u.name for u in app.components] == ["counter", "rate_limiter2"]
    assert counter.modules == "tests/fixtures/apps/component_counter"
    assert counter.schema is None
    assert ratelimiter.schema == "schema-object"
    assert counter.base_dir == Path(__file__).resolve().parent
    assert repr(app) == "<AppDefinition components=['counter', 'rate_limiter2']>"


def test_component_modules_resolve_relative_to_the_config_file() -> None:
    app = define_app()
    use = app.use("counter", modules="fixtures/apps/component_counter")
    assert (
        use.resolved_modules()
        == Path(__file__).resolve().parent / "fixtures/apps/component_counter"
    )
    assert app.use("pkg", modules="some.package").resolved_modules() == "some.package"
    absolute = Path("/nonexistent/dir")
    assert app.use("abs", modules=absolute).resolved_modules() == absolute


@pytest.mark.parametrize("name", ["", "1abc", "a-b", "_x", "a/b", "a b", 5, None])
def test_component_names_must_be_identifiers(name: Any) -> None:
    with pytest.raises(SchemaDefinitionError, match="Invalid component name"):
        define_app().use(name, modules="x")


def test_duplicate_component_name() -> None:
    app = define_app()
    app.use("counter", modules="x")
    with pytest.raises(SchemaDefinitionError, match='Component "counter" is already used'):
        app.use("counter", modules="y")
