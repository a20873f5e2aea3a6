"""Helpers for the test suite: factories for real rows (no mocks of our own code)."""
