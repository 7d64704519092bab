"""convex-test ``getFunctionMetadata.test.ts``, ``getDeploymentMetadata.test.ts`` and the
``ctx.meta.getTransactionMetrics()`` cases of ``bandwidth.test.ts``.

``ctx.meta`` is not supported; SPEC §13: an unsupported feature raises
``NotImplementedError`` naming it (not an ``AttributeError``).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("method", ["query", "mutation", "action", "run"])
def test_ctx_meta_is_not_implemented(t: Any, method: str) -> None:
    with pytest.raises(NotImplementedError, match=r"ctx\.meta"):
        getattr(t, method)(lambda ctx: ctx.meta)


def test_ctx_meta_in_an_http_action_is_not_implemented(t: Any) -> None:
    with pytest.raises(NotImplementedError, match=r"ctx\.meta"):
        t.fetch("/metadata", raise_errors=True)
