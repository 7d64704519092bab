"""The Convex app the benchmarks run: the oracle app's tables and functions, in Python."""
