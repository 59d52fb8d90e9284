"""A throwaway redis-server of a test's own (a password, an empty server), on a free port.

Started with the harness's ``launch_redis`` (loopback, nothing kept on disk) and stopped when
the block ends.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from harness.servers.ladder import free_port, launch_redis


@contextlib.contextmanager
def own_redis(home: Path, *options: str) -> Iterator[int]:
    """The port of a redis-server started in ``home`` with ``options``, answering."""
    port = free_port()
    server = launch_redis(Path("redis-server"), port, str(home), *options)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)
