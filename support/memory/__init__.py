"""Helpers for features/memory: agents remembering, in threads and processes."""
