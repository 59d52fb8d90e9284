"""Helpers for features/platform: what each backend reports about itself."""
