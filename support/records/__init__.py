"""Helpers for features/records and features/migrations: databases, factories, schema."""
