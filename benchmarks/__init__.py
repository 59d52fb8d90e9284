"""agentstore's speed against the raw clients, the bare tools and its own targets.

    python -m benchmarks [--quick] [--only FAMILY ...] [--out reports/]

Each family is a module with ``run(settings) -> rows`` (``benchmarks.common`` says what a
row holds); ``FAMILIES`` lists them in the order they run, and which of them ``--quick``
takes. ``benchmarks.report`` prints the table and writes the JSON and the charts.
"""

from __future__ import annotations

FAMILIES = {
    # name: (module, in --quick)
    "memory": ("benchmarks.memory", True),
    "queue": ("benchmarks.work_queue", True),
    "inserts": ("benchmarks.inserts", True),
    "migrations": ("benchmarks.migrations", True),
    "backup": ("benchmarks.backup", True),
    "isolation": ("benchmarks.isolation", True),
    "async": ("benchmarks.asyncio_memory", True),
    "cluster": ("benchmarks.cluster", False),
    "recovery": ("benchmarks.recovery", False),
    "spec": ("benchmarks.spec", False),
}
