"""Agent coordination: work queues with fenced claims, named leases, events, the fleet."""

from agentstore.coordination.fleet import BatchReport, FleetAgent, FleetCommander, Task
from agentstore.coordination.opening import open_events, open_leases, open_queue
from agentstore.coordination.protocol import Events, Job, Lease, Leases, Queue

__all__ = [
    "BatchReport",
    "Events",
    "FleetAgent",
    "FleetCommander",
    "Job",
    "Lease",
    "Leases",
    "Queue",
    "Task",
    "open_events",
    "open_leases",
    "open_queue",
]
