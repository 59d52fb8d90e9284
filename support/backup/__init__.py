"""Helpers for features/backup: stores to back up, their state, faults and servers."""
