"""Agent coordination: work queues with fenced claims, named leases, events, the fleet."""

from agentstore.coordination.opening import open_events, open_leases, open_queue
from agentstore.coordination.protocol import Events, Job, Lease, Leases, Queue

__all__ = ["Events", "Job", "Lease", "Leases", "Queue", "open_events", "open_leases", "open_queue"]
