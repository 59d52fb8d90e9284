"""Root conftest: registers the harness and every step library (the only place that does).

``support.records.schema`` tells the harness the one thing it needs of the domain: how a template
database is prepared (migrated to head) before scenarios clone it.
"""

pytest_plugins = [
    "harness.servers.plugin",
    "harness.servers.faults_plugin",
    "harness.collection.feature_files",
    "harness.collection.backend_tags",
    "harness.collection.markers",
    "harness.isolation.plugin",
    "harness.reporting.glossary",
    "harness.reporting.missing_step",
    "harness.reporting.living_docs",
    "support.records.schema",
    "support.api.binding",
    "support.records.factories",
    "support.records.databases",
    "support.backup.servers",
    "steps.platform_steps",
    "steps.records_steps",
    "steps.migration_steps",
    "steps.connection_steps",
    "steps.memory_steps",
    "steps.cluster_steps",
    "steps.coordination_steps",
    "steps.fault_steps",
    "steps.backup_steps",
    "steps.backup_rules_steps",
    "steps.import_failure_steps",
    "pytester",  # pytest's own fixture for the harness's tests (tests/spec_project.py)
]
