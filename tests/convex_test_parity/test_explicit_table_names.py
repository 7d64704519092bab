"""Port of convex-test ``convex/explicitTableNames.test.ts``.

The wrong-table error uses the backend's text (convex-semantics §4.3), not JS's
"Invalid argument `id`, expected ID in table 'otherTable' but got ID in table 'messages'".
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import InvalidIdError, api


def test_correct_usage_should_not_throw(t: Any) -> None:
    t.mutation(api.explicit_table_names.correct_usage)
    assert t.run(lambda ctx: ctx.db.query("messages").collect()) == []


@pytest.mark.parametrize("method", ["get", "patch", "delete", "replace"])
def test_called_with_wrong_table_name(t: Any, method: str) -> None:
    with pytest.raises(
        InvalidIdError,
        match=(
            rf"^Invalid argument `id` for `db\.{method}`: expected to be an "
            r'Id<"otherTable">, got Id<"messages"> instead\.'
        ),
    ):
        t.mutation(getattr(api.explicit_table_names, f"{method}_wrong_table"))
    # The failed mutation rolled back its insert.
    assert t.run(lambda ctx: ctx.db.query("messages").collect()) == []
