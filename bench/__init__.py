"""Measured figures (`make bench`): see docs/benchmarks.md."""
