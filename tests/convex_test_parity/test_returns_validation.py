"""Port of convex-test ``convex/returnsValidation.test.ts``.

JS says "Return value validation failed"; the real backend raises a
``ReturnsValidationError`` with the validator's message, and for a mutation it does so
before the commit, so the writes do not persist (JS commits first).
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ReturnsValidationError, api

MISSING_CREATION_TIME = "^Object contains extra field `_creationTime` that is not in the validator"


def seed(t: Any, author: str, body: str) -> None:
    t.run(lambda ctx: ctx.db.insert("messages", {"author": author, "body": body}))


def test_query_with_incomplete_return_validator_should_fail(t: Any) -> None:
    seed(t, "Alice", "Hello")
    # The validator is a union (null or the message): a union that no member matches
    # reports the whole union, as the backend does.
    with pytest.raises(ReturnsValidationError, match=r"^Value does not match validator\.\n"):
        t.query(api.returns_validation.query_with_incomplete_return_validator)


def test_query_with_correct_return_validator_should_pass(t: Any) -> None:
    seed(t, "Bob", "World")
    result = t.query(api.returns_validation.query_with_correct_return_validator)
    assert result["author"] == "Bob"
    assert isinstance(result["_creationTime"], float)


def test_query_returning_correct_primitive_type_should_pass(t: Any) -> None:
    assert t.query(api.returns_validation.query_returning_number) == 42


def test_query_returning_wrong_primitive_type_should_fail(t: Any) -> None:
    with pytest.raises(ReturnsValidationError, match=r"Value: 42\.0\nValidator: v\.string\(\)"):
        t.query(api.returns_validation.query_returning_wrong_type)


def test_mutation_with_incomplete_return_validator_should_fail(t: Any) -> None:
    with pytest.raises(ReturnsValidationError, match=MISSING_CREATION_TIME):
        t.mutation(
            api.returns_validation.mutation_with_incomplete_return_validator,
            {"author": "Charlie", "body": "Test"},
        )
    # Validated before the commit: the insert rolled back.
    assert t.run(lambda ctx: ctx.db.query("messages").collect()) == []


def test_mutation_with_correct_return_validator_should_pass(t: Any) -> None:
    result = t.mutation(
        api.returns_validation.mutation_with_correct_return_validator,
        {"author": "Diana", "body": "Test"},
    )
    assert result["author"] == "Diana"
    assert isinstance(result["_creationTime"], float)


def test_query_without_return_validator_should_pass(t: Any) -> None:
    seed(t, "Eve", "No validator")
    assert t.query(api.returns_validation.query_without_return_validator) is not None


def test_query_returning_array_with_incomplete_item_validator_should_fail(t: Any) -> None:
    seed(t, "Frank", "Array test")
    with pytest.raises(ReturnsValidationError, match=MISSING_CREATION_TIME):
        t.query(api.returns_validation.query_returning_array_with_incomplete_validator)


def test_action_with_incomplete_return_validator_should_fail(t: Any) -> None:
    with pytest.raises(ReturnsValidationError, match=r"^Object contains extra field `extraField`"):
        t.action(api.returns_validation.action_with_incomplete_return_validator)


def test_action_with_correct_return_validator_should_pass(t: Any) -> None:
    result = t.action(api.returns_validation.action_with_correct_return_validator)
    assert result == {"name": "test", "value": 42}
