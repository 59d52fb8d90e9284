"""A watchdog that stops a throwaway server once the test run that started it has died.

Started as a detached process next to every throwaway server::

    python -m harness.servers.reaper PARENT_PID DIRECTORY -- STOP_COMMAND...

When PARENT_PID no longer exists (the run finished, crashed, or was killed with SIGKILL),
it runs STOP_COMMAND and deletes DIRECTORY. A normal run stops the server itself and then
ends the reaper, so the two never race for a live server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

POLL_SECONDS = 0.5


def parent_alive(pid: int) -> bool:
    """True while the process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    parent, directory, _, *stop = argv
    while parent_alive(int(parent)):
        time.sleep(POLL_SECONDS)
    if stop:
        subprocess.run(stop, check=False, capture_output=True, timeout=60)
    shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
