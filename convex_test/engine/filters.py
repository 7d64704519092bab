"""``.filter(lambda q: ...)`` expressions, evaluated like the backend's ``Expression::eval``.

Comparisons (``eq neq lt lte gt gte``) use the Convex total order on possibly-missing
values (missing < null < Int64 < Float64 < ...), so ``q.eq(q.field("n"), 1)`` never
matches an ``Int64(1)``.  Arithmetic is type-strict: Int64 with Int64 (checked, with
Rust's truncating division and remainder) or Float64 with Float64 (IEEE); anything else
is an ``EvalError``.  ``and_``/``or_``/``not_`` and the filter result itself must be
booleans.

Each expression compiles, when built, to a closure ``doc -> value`` so that evaluating
a filter over many documents costs a few Python calls per document.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, NoReturn

from convex_test import errors
from convex_test._guards import call_callback, checked_arity
from convex_test.engine.store import field_getter
from convex_test.values.display import display_value
from convex_test.values.order import sort_key
from convex_test.values.types import INT64_MAX, INT64_MIN, UNDEFINED, Int64, convert, type_name

__all__ = ["Expression", "FilterBuilder", "compile_filter", "filter_builder", "literal"]

Evaluator = Callable[[dict[str, Any]], Any]


class _NotLiteral:
    __slots__ = ()


_NOT_LITERAL: Final = _NotLiteral()


class Expression:
    """A filter expression built by :class:`FilterBuilder`; opaque to user code."""

    __slots__ = ("_eval", "_fp", "_literal")

    def __init__(self, evaluate: Evaluator, fingerprint: str, literal: Any = _NOT_LITERAL) -> None:
        self._eval = evaluate
        self._fp = fingerprint
        self._literal = literal

    @property
    def fingerprint(self) -> str:
        """A canonical text of the expression (cursor fingerprints use it)."""
        return self._fp

    def evaluate(self, doc: dict[str, Any]) -> Any:
        """The value of the expression on ``doc`` (``UNDEFINED`` for missing)."""
        return self._eval(doc)

    def __repr__(self) -> str:
        return f"Expression({self._fp})"

    # Python operators would silently compare expression *objects*; refuse them.
    def _refuse(self, op: str) -> NoReturn:
        raise errors.ConvexTestError(errors.FILTER_PYTHON_OPERATOR.format(op=op))

    def __bool__(self) -> bool:
        self._refuse("and/or/not/if")

    def __eq__(self, other: object) -> bool:
        self._refuse("==")

    def __ne__(self, other: object) -> bool:
        self._refuse("!=")

    def __lt__(self, other: object) -> bool:
        self._refuse("<")

    def __le__(self, other: object) -> bool:
        self._refuse("<=")

    def __gt__(self, other: object) -> bool:
        self._refuse(">")

    def __ge__(self, other: object) -> bool:
        self._refuse(">=")

    __hash__ = object.__hash__


def literal(value: Any) -> Expression:
    """A constant expression (``UNDEFINED`` allowed: it stands for a missing value)."""
    if value is not UNDEFINED:
        value = convert(value)
    key = sort_key(value)

    def constant(doc: dict[str, Any]) -> Any:
        return value

    return Expression(constant, f"lit{key!r}", value)


def _operand(value: Any) -> Expression:
    if isinstance(value, Expression):
        return value
    return literal(value)


def _eval_error(message: str) -> errors.ConvexTestError:
    return errors.ConvexTestError(message)


def _show(value: Any) -> str:
    return display_value(value)


def _as_bool(value: Any) -> bool:
    if value is True:
        return True
    if value is False:
        return False
    raise _eval_error(errors.FILTER_NOT_BOOLEAN.format(value=_show(value), type=type_name(value)))


# -- comparisons ------------------------------------------------------------------

_COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


_FLOAT_INT_LIMIT: Final = 2**53


def _plain_number(value: Any) -> bool:
    """A Float64 literal on which Python's comparisons agree with the total order: not
    NaN and not a zero (IEEE has -0.0 == 0.0), and an int only if exactly a float."""
    cls = type(value)
    if cls is float:
        return bool(value == value and value != 0.0)
    return cls is int and value != 0 and -_FLOAT_INT_LIMIT <= value <= _FLOAT_INT_LIMIT


def _comparison(op: str, left: Any, right: Any) -> Expression:
    lhs, rhs = _operand(left), _operand(right)
    fp = f"{op}({lhs._fp},{rhs._fp})"
    compare = _COMPARE[op]
    sk = sort_key
    if rhs._literal is not _NOT_LITERAL and lhs._literal is _NOT_LITERAL:
        lit = rhs._literal
        right_key = sk(lit)
        lf = lhs._eval
        lit_type = type(lit)
        if op == "eq":
            if lit_type is str or lit_type is bool or lit is None:
                # Equal in the total order means the same type and the same value: for
                # these types, Python's == on that type is exact (no sort key needed).

                def eq_exact(doc: dict[str, Any]) -> Any:
                    value = lf(doc)
                    if type(value) is lit_type:
                        return value == lit
                    return sk(value) == right_key

                return Expression(eq_exact, fp)

            if _plain_number(lit):

                def eq_number(doc: dict[str, Any]) -> Any:
                    value = lf(doc)
                    cls = type(value)
                    if (cls is float and value == value) or (
                        cls is int and -_FLOAT_INT_LIMIT <= value <= _FLOAT_INT_LIMIT
                    ):
                        return value == lit
                    return sk(value) == right_key

                return Expression(eq_number, fp)

            def eq_literal(doc: dict[str, Any]) -> Any:
                return sk(lf(doc)) == right_key

            return Expression(eq_literal, fp)

        if _plain_number(lit):
            # Against a Float64 that is neither NaN nor a zero, Python's comparison of a
            # non-NaN float (or an int a float holds exactly) is the total order's: the
            # zeros compare alike to any nonzero number.

            def cmp_number(doc: dict[str, Any]) -> Any:
                value = lf(doc)
                cls = type(value)
                if (cls is float and value == value) or (
                    cls is int and -_FLOAT_INT_LIMIT <= value <= _FLOAT_INT_LIMIT
                ):
                    return compare(value, lit)
                return compare(sk(value), right_key)

            return Expression(cmp_number, fp)

        def cmp_literal(doc: dict[str, Any]) -> Any:
            return compare(sk(lf(doc)), right_key)

        return Expression(cmp_literal, fp)
    lf, rf = lhs._eval, rhs._eval

    def cmp(doc: dict[str, Any]) -> Any:
        return compare(sk(lf(doc)), sk(rf(doc)))

    return Expression(cmp, fp)


# -- arithmetic -------------------------------------------------------------------

_OP_NAMES: Final = {
    "add": "add",
    "sub": "subtract",
    "mul": "multiply",
    "div": "divide",
    "mod": "mod",
}


def _is_float64(value: Any) -> bool:
    cls = type(value)
    return cls is float or cls is int


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_op(op: str, a: int, b: int) -> int | None:
    """Rust's checked i64 arithmetic: ``None`` on overflow or division by zero."""
    if op == "add":
        result = a + b
    elif op == "sub":
        result = a - b
    elif op == "mul":
        result = a * b
    elif op == "div":
        if b == 0:
            return None
        result = _trunc_div(a, b)
    else:
        if b == 0:
            return None
        result = a - b * _trunc_div(a, b)
        if a == INT64_MIN and b == -1:
            return None  # checked_rem overflows like checked_div
    if not INT64_MIN <= result <= INT64_MAX:
        return None
    return result


def _float_op(op: str, a: float, b: float) -> float:
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        if b == 0.0:
            if a == 0.0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    try:
        return math.fmod(a, b)
    except ValueError:  # fmod(x, 0) and fmod(inf, y): Rust's % gives NaN
        return math.nan


def _arithmetic(op: str, left: Any, right: Any) -> Expression:
    lhs, rhs = _operand(left), _operand(right)
    lf, rf = lhs._eval, rhs._eval
    name = _OP_NAMES[op]

    def arith(doc: dict[str, Any]) -> Any:
        a = lf(doc)
        b = rf(doc)
        if type(a) is Int64 and type(b) is Int64:
            result = _int_op(op, int(a), int(b))
            if result is None:
                if b == 0:
                    raise _eval_error(errors.FILTER_BY_ZERO.format(op=name, left=int(a)))
                raise _eval_error(errors.FILTER_OVERFLOW.format(op=name, left=int(a), right=int(b)))
            return Int64(result)
        if _is_float64(a) and _is_float64(b):
            return _float_op(op, float(a), float(b))
        raise _eval_error(
            errors.FILTER_ARITH_TYPES.format(
                op=name,
                left=_show(a),
                left_type=type_name(a),
                right=_show(b),
                right_type=type_name(b),
            )
        )

    return Expression(arith, f"{op}({lhs._fp},{rhs._fp})")


def _negate(value: Any) -> Expression:
    operand = _operand(value)
    of = operand._eval

    def neg(doc: dict[str, Any]) -> Any:
        x = of(doc)
        if type(x) is Int64:
            if x == INT64_MIN:
                raise _eval_error(errors.FILTER_NEGATE_OVERFLOW.format(value=int(x)))
            return Int64(-int(x))
        if _is_float64(x):
            return -float(x)
        raise _eval_error(errors.FILTER_NEGATE_TYPE.format(value=_show(x), type=type_name(x)))

    return Expression(neg, f"neg({operand._fp})")


# -- boolean ----------------------------------------------------------------------


def _and(operands: tuple[Any, ...]) -> Expression:
    exprs = [_operand(x) for x in operands]
    fns = tuple(e._eval for e in exprs)
    fp = "and(" + ",".join(e._fp for e in exprs) + ")"

    def all_of(doc: dict[str, Any]) -> Any:
        # A plain loop: cheaper per document than all() over a generator.
        for fn in fns:
            value = fn(doc)
            if value is not True:
                if value is False:
                    return False
                _as_bool(value)  # raises: not a boolean
        return True

    return Expression(all_of, fp)


def _or(operands: tuple[Any, ...]) -> Expression:
    exprs = [_operand(x) for x in operands]
    fns = tuple(e._eval for e in exprs)
    fp = "or(" + ",".join(e._fp for e in exprs) + ")"

    def any_of(doc: dict[str, Any]) -> Any:
        for fn in fns:
            value = fn(doc)
            if value is not False:
                if value is True:
                    return True
                _as_bool(value)  # raises: not a boolean
        return False

    return Expression(any_of, fp)


def _not(value: Any) -> Expression:
    operand = _operand(value)
    of = operand._eval

    def negation(doc: dict[str, Any]) -> Any:
        return not _as_bool(of(doc))

    return Expression(negation, f"not({operand._fp})")


@checked_arity("q")
class FilterBuilder:
    """The ``q`` passed to ``.filter(lambda q: ...)``.

    Operands are expressions or Python values (converted like any Convex value;
    ``UNDEFINED`` is a missing value).
    """

    __slots__ = ()

    def field(self, path: str) -> Expression:
        """The value of a (dotted) field of the document; missing -> ``UNDEFINED``."""
        if not isinstance(path, str):
            raise errors.ConvexTestError(errors.FILTER_FIELD_PATH.format(value=display_value(path)))
        return Expression(field_getter(path), f"field({path.strip('.')})")

    def eq(self, left: Any, right: Any) -> Expression:
        """``left == right`` in the Convex total order."""
        return _comparison("eq", left, right)

    def neq(self, left: Any, right: Any) -> Expression:
        """``left != right``."""
        return _comparison("neq", left, right)

    def lt(self, left: Any, right: Any) -> Expression:
        """``left < right``."""
        return _comparison("lt", left, right)

    def lte(self, left: Any, right: Any) -> Expression:
        """``left <= right``."""
        return _comparison("lte", left, right)

    def gt(self, left: Any, right: Any) -> Expression:
        """``left > right``."""
        return _comparison("gt", left, right)

    def gte(self, left: Any, right: Any) -> Expression:
        """``left >= right``."""
        return _comparison("gte", left, right)

    def add(self, left: Any, right: Any) -> Expression:
        """``left + right`` (both Int64 or both Float64)."""
        return _arithmetic("add", left, right)

    def sub(self, left: Any, right: Any) -> Expression:
        """``left - right``."""
        return _arithmetic("sub", left, right)

    def mul(self, left: Any, right: Any) -> Expression:
        """``left * right``."""
        return _arithmetic("mul", left, right)

    def div(self, left: Any, right: Any) -> Expression:
        """``left / right`` (Int64 division truncates)."""
        return _arithmetic("div", left, right)

    def mod(self, left: Any, right: Any) -> Expression:
        """``left % right`` (the remainder has the sign of ``left``)."""
        return _arithmetic("mod", left, right)

    def neg(self, value: Any) -> Expression:
        """``-value``."""
        return _negate(value)

    def and_(self, *operands: Any) -> Expression:
        """True if every operand is true (short-circuit); ``and_()`` is True."""
        return _and(operands)

    def or_(self, *operands: Any) -> Expression:
        """True if any operand is true (short-circuit); ``or_()`` is False."""
        return _or(operands)

    def not_(self, value: Any) -> Expression:
        """Boolean negation."""
        return _not(value)

    def __repr__(self) -> str:
        return "<FilterBuilder q>"


filter_builder: Final = FilterBuilder()


def compile_filter(predicate: Any) -> tuple[Callable[[dict[str, Any]], bool], str]:
    """Run ``predicate(q)`` and return ``(doc -> bool, fingerprint)``."""
    if not callable(predicate):
        raise errors.ConvexTestError(errors.FILTER_PREDICATE.format(value=display_value(predicate)))
    expr = _operand(
        call_callback(predicate, filter_builder, what="The filter predicate", form="predicate(q)")
    )
    fn = expr._eval
    fp = expr._fp

    def test(doc: dict[str, Any]) -> bool:
        value = fn(doc)
        if value is True:
            return True
        if value is False:
            return False
        return _as_bool(value)

    return test, fp
