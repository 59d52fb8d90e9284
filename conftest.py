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
    "steps.memory.remembering_steps",
    "steps.memory.expiry_steps",
    "steps.memory.listing_steps",
    "steps.memory.agents_steps",
    "steps.memory.bad_input_steps",
    "steps.memory.recovery_steps",
    "steps.cluster_steps",
    "steps.coordination.exactly_once_steps",
    "steps.coordination.retries_steps",
    "steps.coordination.bad_input_steps",
    "steps.coordination.leases_steps",
    "steps.coordination.fleet_steps",
    "steps.coordination.shared_memory_steps",
    "steps.coordination.events_steps",
    "steps.coordination.order_steps",
    "steps.faults.servers_steps",
    "steps.faults.calls_steps",
    "steps.faults.doctor_steps",
    "steps.backup.stores_steps",
    "steps.backup.moves_steps",
    "steps.backup.checks_steps",
    "steps.backup.import_failure_steps",
    "pytester",  # pytest's own fixture for the harness's tests (tests/spec_project.py)
]
