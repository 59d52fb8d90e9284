"""What the harness costs: throwaway server start-up and one scenario's isolation per backend.

    python benchmarks/isolation.py [--runs N]

Prints medians in milliseconds. Uses the same provisioning ladder and isolation code as the
suite, on the servers the ladder finds (plus throwaway ones for the start-up figures).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.isolation.postgres_cloner import PostgresCloner
from harness.isolation.redis_keys import delete_prefixed
from harness.servers.ladder import Provisioner
from support.schema import pytest_agentstore_prepare_template as migrate_template


def median_ms(action, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report(what: str, milliseconds: float) -> None:
    print(f"{what:<55} median {milliseconds:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    provisioner = Provisioner()
    try:
        for backend in ("postgres", "redis"):
            starts = []
            for _ in range(3):
                spawned = provisioner.provision(backend, "spawn")
                starts.append(spawned.startup_seconds * 1000)
                provisioner.stop_all()
            report(f"throwaway {backend} server start-up", statistics.median(starts))

        pg = provisioner.provision("postgres")
        cloner = PostgresCloner(pg.url, f"bench{uuid.uuid4().hex[:6]}", migrate_template)
        try:

            def back_to_back() -> None:
                cloner.drop(cloner.clone().rpartition("/")[2])

            report(
                "postgres clone, scenarios back to back (worst case)", median_ms(back_to_back, runs)
            )
            waits = []
            for _ in range(runs):
                time.sleep(0.3)  # a scenario's own work, during which the next clone is made
                waits.append(median_ms(back_to_back, 1))
            report("postgres clone, after a 300 ms scenario", statistics.median(waits))
        finally:
            cloner.close()

        folder = Path(tempfile.mkdtemp(prefix="agentstore-bench-"))
        try:
            template = folder / "template.db"
            migrate_template(f"sqlite:///{template}")
            counter = iter(range(10**9))

            def copy_file() -> None:
                target = folder / f"s{next(counter)}.db"
                shutil.copyfile(template, target)
                target.unlink()

            report("sqlite scenario isolation (copy the migrated file)", median_ms(copy_file, runs))
        finally:
            shutil.rmtree(folder)

        rd = provisioner.provision("redis")
        import redis

        client = redis.Redis.from_url(rd.url)

        def prefix_cleanup() -> None:
            prefix = f"agentstore_test:bench:{uuid.uuid4().hex}:"
            client.mset({f"{prefix}{i}": i for i in range(50)})
            delete_prefixed(rd.url, prefix)

        report("redis scenario isolation (50 keys, then cleanup)", median_ms(prefix_cleanup, runs))
        client.close()
    finally:
        provisioner.stop_all()


if __name__ == "__main__":
    main()
