"""Helpers for features/faults: calls against servers that stop, stall or restart."""
