"""Port of convex-test ``convex/nestedLimits.test.ts``: the scenarios the backend shares.

Per-call ``transactionLimits`` on ``run_query``/``run_mutation`` are not supported (see
README.md); what holds with the backend's fixed limits is that a nested mutation's
rolled-back writes do not count against the transaction.
"""

from __future__ import annotations

from typing import Any

import pytest

from convex_test import ConvexTestError, api


def test_rolled_back_nested_writes_do_not_consume_the_write_limit(t: Any) -> None:
    # 10 MiB rolled back + 10 MiB kept would be over 16 MiB if both counted.
    t.mutation(
        api.nested_limits.parent_insert_after_rollback, {"rolledBackCount": 10, "keptCount": 10}
    )
    assert t.query(api.nested_limits.read_all) == 10
    # Kept writes do count: 17 MiB of them is over the limit.
    with pytest.raises(ConvexTestError, match="Too many bytes written"):
        t.mutation(
            api.nested_limits.parent_insert_after_rollback, {"rolledBackCount": 0, "keptCount": 17}
        )


def test_nested_transaction_limits_are_optional(t: Any) -> None:
    t.run(
        lambda ctx: (
            [ctx.db.insert("messages", {"author": "s", "body": "m"}) for _ in range(10)] and None
        )
    )
    assert t.query(api.nested_limits.parent_read_no_limits) == 10
