"""Guards where user code meets the engine: calls with the wrong arguments.

Python reports a call whose arguments do not fit the callee's signature as a
``TypeError`` raised before the callee runs.  These helpers turn exactly those into
:class:`~convex_test.errors.ConvexTestError` naming the expected call, in both
directions: user code calling a ``ctx`` method wrongly (:func:`checked_arity`), and the
engine calling a user callback that takes the wrong parameters (:func:`call_callback`).
A ``TypeError`` raised *inside* the callee is a bug of its own and propagates unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar

from convex_test import errors
from convex_test.values.display import safe_repr
from convex_test.values.types import Shown

__all__ = ["call_callback", "checked_arity", "checked_call"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

_MARK: Final = "__convex_test_checked__"


def _binding_failed(exc: TypeError) -> bool:
    """Whether ``exc`` came from the call itself: the callee never started running.

    Caught in the calling frame, the traceback starts there; a Python callee that ran
    adds a second entry.  (A C callee adds none, so a ``TypeError`` it raises counts as
    a bad call: for a user callback such as ``len`` that is the right diagnosis.)
    """
    tb = exc.__traceback__
    return tb is not None and tb.tb_next is None


_ELIDED: Final = Shown("...")


def _signature_text(fn: Callable[..., Any], *, drop_first: bool) -> str:
    """``(table, value)``: the parameters users pass, without annotations or defaults."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "(...)"
    params = list(sig.parameters.values())[1 if drop_first else 0 :]
    shown = [
        p.replace(
            annotation=inspect.Parameter.empty,
            default=inspect.Parameter.empty if p.default is inspect.Parameter.empty else _ELIDED,
        )
        for p in params
    ]
    return str(sig.replace(parameters=shown, return_annotation=inspect.Signature.empty))


def _checked(
    fn: Callable[P, R], label: str | Callable[[Any], str], *, drop_first: bool
) -> Callable[P, R]:
    # Costs ~0.1 us per call (re-packing *args/**kwargs); generated exact-signature
    # wrappers save only ~20 ns and cannot catch an argument passed twice.
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True  # pytest: show the user's call, not this frame
        try:
            return fn(*args, **kwargs)
        except TypeError as exc:
            if not _binding_failed(exc):
                raise
            raise errors.ConvexTestError(
                errors.WRONG_ARGUMENTS.format(
                    method=label if isinstance(label, str) else label(args[0]),
                    signature=_signature_text(fn, drop_first=drop_first),
                    reason=exc,
                )
            ) from None

    setattr(wrapper, _MARK, True)
    return wrapper


def checked_arity(
    prefix: str, *, call: Callable[[Any], str] | None = None
) -> Callable[[type[T]], type[T]]:
    """Class decorator: calling a public method with the wrong arguments raises
    ``ConvexTestError`` ("``ctx.db.insert(table, value) was called with the wrong
    arguments: ...``") instead of a raw ``TypeError``.

    ``prefix`` is how users reach an instance (``"ctx.db"``).  Only the class's own
    plain functions are wrapped; inherited ones were wrapped with their class.  With
    ``call`` (instance -> its name), calling an instance is checked too.
    """

    def decorate(cls: type[T]) -> type[T]:
        dunder_call = vars(cls).get("__call__")
        if call is not None and inspect.isfunction(dunder_call):
            cls.__call__ = _checked(dunder_call, call, drop_first=True)  # type: ignore[method-assign]
        for name, member in list(vars(cls).items()):
            if name.startswith("_"):
                continue
            label = f"{prefix}.{name}"
            if isinstance(member, staticmethod):
                if not hasattr(member.__func__, _MARK):
                    wrapped = _checked(member.__func__, label, drop_first=False)
                    setattr(cls, name, staticmethod(wrapped))
            elif inspect.isfunction(member) and not hasattr(member, _MARK):
                setattr(cls, name, _checked(member, label, drop_first=True))
        return cls

    return decorate


def checked_call(label: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """:func:`checked_arity` for one plain function reached as ``label``."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        return _checked(fn, label, drop_first=False)

    return decorate


def _callable_name(fn: Any) -> str:
    name = getattr(fn, "__qualname__", None)
    return name if isinstance(name, str) else safe_repr(fn)


def call_callback(fn: Any, *args: Any, what: str, form: str) -> Any:
    """``fn(*args)`` for a user callback (``what`` names it, ``form`` shows the call).

    If the callback cannot take these arguments, raise ``ConvexTestError``; a
    ``TypeError`` raised while it runs is the user's own and propagates.
    """
    __tracebackhide__ = True
    try:
        return fn(*args)
    except TypeError as exc:
        if not _binding_failed(exc):
            raise
        raise errors.ConvexTestError(
            errors.CALLBACK_BAD_SIGNATURE.format(
                what=what, function=_callable_name(fn), form=form, reason=exc
            )
        ) from None
