"""Writes confirmed by replicas: Redis WAIT on the connection that made the write.

Redis replicates asynchronously: a master acknowledges a write before any replica has it. If
the master dies in that moment and its replica takes over, the acknowledged write is gone.
``WAIT n timeout`` narrows (never closes) that window: it returns once ``n`` replicas have
every write of *this connection*, so the write and its WAIT go down one connection, in one
round trip. A write fewer replicas confirm in time raises ``WriteNotReplicated``: it is on
the master and may survive, or may be lost if the master fails before replicating it. Even a
confirmed write can be lost when a replica that had not got it is the one promoted (Redis's
own caveat: WAIT does not make Redis strongly consistent).
"""

from __future__ import annotations

from typing import Any

import redis
from redis.cluster import RedisCluster
from redis.commands.core import Script

from agentstore import errors


def run_confirmed(
    client: redis.Redis | RedisCluster,
    script: Script,
    keys: list[str],
    args: list[Any],
    replicas: int,
    timeout: float,
    where: str,
) -> Any:
    """Run a write script, then WAIT for ``replicas`` replicas up to ``timeout`` seconds.

    On a cluster both go to the master of the keys' slot; after a failover moved it, the
    cluster client reads the new map and the call is tried once more.
    """
    wait = ["WAIT", replicas, max(1, round(timeout * 1000))]
    for attempt in range(3):
        node = client
        if isinstance(client, RedisCluster):
            node = client.get_node_from_key(keys[0]).redis_connection
        pipe = node.pipeline(transaction=False)
        pipe.evalsha(script.sha, len(keys), *keys, *args)
        pipe.execute_command(*wait)
        try:
            result, confirmed = pipe.execute()
        except redis.exceptions.NoScriptError:
            node.script_load(script.script)
            continue
        except redis.exceptions.MovedError:
            if attempt:
                raise
            client.nodes_manager.initialize()
            continue
        if int(confirmed) < replicas:
            raise errors.WriteNotReplicated(
                f"a write to {where} was confirmed by {confirmed} of {replicas} replicas within "
                f"{timeout:g}s: it is on the master but may be lost if the master fails now"
            )
        return result
    raise errors.BackendUnavailable(f"{where} refused the script twice")
