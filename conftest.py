"""Root conftest: registers the harness and every step library (the only place that does)."""

pytest_plugins = [
    "support.plugin",
    "support.isolation",
    "steps.platform_steps",
    "steps.memory_steps",
]
