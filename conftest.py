"""Root conftest: registers the harness and every step library (the only place that does)."""

pytest_plugins = [
    "support.plugin",
    "support.feature_files",
    "support.isolation",
    "steps.platform_steps",
]
