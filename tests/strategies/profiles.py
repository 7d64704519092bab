"""Hypothesis settings of the property tests: ``ci`` (the default) and ``long``.

Run the long profile (10,000 examples per test) by hand::

    CONVEX_TEST_HYPOTHESIS_PROFILE=long python -m pytest tests/strategies \
        examples/chat/tests/test_properties.py -p no:cacheprovider
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

ENV_VAR = "CONVEX_TEST_HYPOTHESIS_PROFILE"
PROFILE = os.environ.get(ENV_VAR, "ci") or "ci"
if PROFILE not in ("ci", "long"):
    raise RuntimeError(f"{ENV_VAR} must be 'ci' or 'long', got {PROFILE!r}")
LONG = PROFILE == "long"
LONG_EXAMPLES = 10_000


def examples(ci: int, **kwargs: object) -> settings:
    """``ci`` examples in CI, 10,000 with the long profile; never a deadline.

    The engine's speed varies with the data drawn; a deadline would make CI flaky.
    """
    return settings(
        max_examples=LONG_EXAMPLES if LONG else ci,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow] if LONG else [],
        **kwargs,  # type: ignore[arg-type]
    )
