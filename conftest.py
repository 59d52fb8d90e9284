"""Root conftest: registers the harness and every step library (the only place that does)."""

pytest_plugins = [
    "support.plugin",
    "support.isolation",
    "support.factories",
    "support.databases",
    "steps.platform_steps",
    "steps.records_steps",
    "steps.migration_steps",
    "steps.connection_steps",
]
