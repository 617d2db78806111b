"""Benchmarks: each reports a ratio against a baseline run in the same process, plus peak memory."""
