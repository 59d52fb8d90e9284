"""Root conftest: registers the harness and every step library (the only place that does)."""

pytest_plugins = [
    "support.plugin",
    "support.feature_files",
    "support.isolation",
    "support.factories",
    "support.databases",
    "support.glossary",
    "support.missing_step",
    "support.living_docs",
    "steps.platform_steps",
    "steps.records_steps",
    "steps.migration_steps",
    "steps.connection_steps",
    "steps.memory_steps",
]
