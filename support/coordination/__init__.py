"""Helpers for features/coordination: workers, workloads and what they did."""
