"""Sub-commands of the ``agentstore`` CLI; each module exposes ``register(subparsers)``.

To add a command, write a module with ``register`` and list it in ``COMMANDS``.
"""

from __future__ import annotations

from agentstore.commands import backup, doctor, export, import_, migrate, restore, seed

COMMANDS = [migrate, seed, backup, restore, export, import_, doctor]
