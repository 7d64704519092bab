"""Port of convex-test ``convex/argumentsValidation.test.ts``.

JS checks only for "Validator error"; the real backend says what did not match
(convex-semantics §6.3, §15.3), which these tests check.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from convex_test import ArgumentValidationError, api
from tests.convex_test_parity.conftest import with_counter


def test_query_arguments_validation(t: Any) -> None:
    with pytest.raises(
        ArgumentValidationError,
        match=r'(?s)^Value does not match validator\.\nPath: \.a\nValue: "bad"\nValidator: v\.float64\(\)',
    ):
        t.query(api.arguments_validation.query_with_args, {"a": "bad"})
    # No args validator: anything goes.
    assert t.query(api.arguments_validation.query_without_args, {"a": "ok"}) is None


def test_mutation_arguments_validation(t: Any) -> None:
    with pytest.raises(
        ArgumentValidationError, match=r"^Object contains extra field `bad` that is not in"
    ):
        t.mutation(api.arguments_validation.mutation_with_args, {"a": 42, "bad": 1})
    assert t.mutation(api.arguments_validation.mutation_without_args, {"a": "ok"}) is None


def test_action_arguments_validation(t: Any) -> None:
    with pytest.raises(ArgumentValidationError, match=r"^Object is missing the required field `a`"):
        t.action(api.arguments_validation.action_with_args, {})
    assert t.action(api.arguments_validation.action_without_args, {"a": "ok"}) is None


def test_optional_fields(t: Any) -> None:
    assert t.query(api.arguments_validation.query_with_optional_args, {}) == "ok"


def test_component_mutation_arguments_validation() -> None:
    t = with_counter()
    ref = api.arguments_validation.component_mutation_with_number_arg
    assert t.mutation(ref, {"a": 42}) == 42
    # The component function validates its own args.
    with pytest.raises(ArgumentValidationError, match=r"Path: \.a\nValue: \"bad\""):
        t.mutation(ref, {"a": "bad"})
    assert t.mutation(ref, {"a": math.inf}) == math.inf


def test_query_with_union_arg() -> None:
    t = with_counter()
    ref = api.arguments_validation.query_with_union_arg
    assert t.query(ref, {"a": 42}) == "ok"
    assert t.query(ref, {"a": "42"}) == "ok"
    with pytest.raises(
        ArgumentValidationError,
        match=r"Value: null\nValidator: v\.union\(v\.float64\(\), v\.string\(\)\)",
    ):
        t.query(ref, {"a": None})
