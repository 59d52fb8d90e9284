"""Named leases written once: the sync shell that runs a backend's lease operations
(``SqlLeaseOperations``, ``RedisLeaseOperations``, generators on :mod:`agentstore.driving`);
the asyncio ``AsyncLeasesShell`` runs the same operations with an async driver."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from agentstore.coordination.protocol import Closing, Lease
from agentstore.driving import Operation, run

T = TypeVar("T")


class LeaseOperations(Protocol):
    """The lease operations a shell runs (each backend's class has them all)."""

    def acquire(self, name: str, owner: str, ttl: float) -> Operation[Lease | None]: ...

    def extend(self, lease: Lease, ttl: float) -> Operation[bool]: ...

    def release(self, lease: Lease) -> Operation[bool]: ...

    def holder(self, name: str) -> Operation[Lease | None]: ...


class LeasesShell(Closing):
    """Sync ``Leases``: each method runs its operation through ``_perform``."""

    _ops: LeaseOperations

    def _perform(self, request: Any) -> Any:  # pragma: no cover - each backend overrides it
        raise NotImplementedError

    def _run(self, operation: Operation[T]) -> T:
        return run(operation, self._perform)

    def acquire(self, name: str, owner: str, ttl: float) -> Lease | None:
        """Hold ``name`` for ``ttl`` seconds, or ``None`` while someone else holds it."""
        return self._run(self._ops.acquire(name, owner, ttl))

    def extend(self, lease: Lease, ttl: float) -> bool:
        """Hold the lease ``ttl`` more seconds from now; ``False`` if it is no longer held."""
        return self._run(self._ops.extend(lease, ttl))

    def release(self, lease: Lease) -> bool:
        """Give the lease up; ``False`` if this holder had already lost it."""
        return self._run(self._ops.release(lease))

    def holder(self, name: str) -> Lease | None:
        """Who holds ``name`` now, or ``None``."""
        return self._run(self._ops.holder(name))
