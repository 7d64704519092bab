"""Benchmarks of convex_test against the JS convex-test oracle: ``python -m benchmarks``."""
