"""Backups that restore: native backups per backend, and a portable archive between them.

``backup``/``restore``: PostgreSQL through ``pg_dump``/``pg_restore`` (:mod:`pg_backup`, with
client programs found by :mod:`pg_tools`), SQLite through its online backup API
(:mod:`sqlite_backup`). ``export``/``import_archive``: the portable archive (:mod:`archive`),
any backend to any backend, memory included; Redis memory is backed up this way. Every file
carries a manifest (:mod:`manifest`) inside one zip (:mod:`container`); every restore and
import verifies counts and checksums before the target's old content is replaced.
"""

from __future__ import annotations

import os

from agentstore.backup import archive, container, pg_backup, redis_scope, sqlite_backup
from agentstore.backup.progress import QUIET, Progress, Summary
from agentstore.errors import BackupError, InvalidOption
from agentstore.urls import Backend, BackendURL, label, parse

__all__ = ["Progress", "Summary", "backup", "export", "import_archive", "restore"]

_KIND_BACKEND: dict[str, Backend] = {"postgres-dump": "postgres", "sqlite-file": "sqlite"}


def backup(
    url: str | BackendURL,
    out: str | os.PathLike[str],
    progress: Progress = QUIET,
    *,
    namespace: str = "aqe",
    prefix: str = "",
) -> Summary:
    """Back up the database at ``url`` into ``out`` (Redis memory: a portable archive of the
    memory ``namespace``/``prefix``, refused with ``BackupError`` when that memory is empty
    while the server holds memory under other names). A SQL backup keeps the whole database:
    ``namespace`` and ``prefix`` must keep their defaults there (``InvalidOption``)."""
    url = parse(url)
    backend = url.backend
    if backend in ("postgres", "sqlite") and (namespace, prefix) != ("aqe", ""):
        raise InvalidOption(
            f"a {label(backend)} backup keeps the whole database: --prefix and --namespace "
            "choose the memory of a Redis backup only (use `agentstore export` to pick one)"
        )
    if backend == "postgres":
        return pg_backup.backup(url, out, progress)
    if backend == "sqlite":
        return sqlite_backup.backup(url, out, progress)
    redis_scope.check_holds_something(url, namespace, prefix)
    summary = archive.export(url, out, namespace=namespace, prefix=prefix, progress=progress)
    summary.action = "backup"
    return summary


def restore(
    url: str | BackendURL,
    source: str | os.PathLike[str],
    *,
    force: bool = False,
    progress: Progress = QUIET,
) -> Summary:
    """Restore the backup file ``source`` into ``url``; refuses a non-empty target unless
    ``force``; the target keeps its old content unless the new is complete and verified."""
    url = parse(url)
    backend = url.backend
    where = str(source)
    files, manifest = container.open_backup(source)
    with files:
        if manifest.kind == "portable":
            # A restore puts memory back under the prefix it was backed up from.
            prefix = str((manifest.memory or {}).get("prefix", ""))
            summary = archive.import_(
                url, files, manifest, where, force=force, prefix=prefix, progress=progress
            )
            summary.action = "restore"
            return summary
        needed: Backend = _KIND_BACKEND[manifest.kind]
        if needed != backend:
            raise BackupError(
                f"{where} is a {label(needed)} backup and restores only into {label(needed)}; "
                "move between backends with `agentstore export` and `agentstore import`"
            )
        if backend == "postgres":
            return pg_backup.restore(url, files, manifest, where, force=force, progress=progress)
        return sqlite_backup.restore(url, files, manifest, where, force=force, progress=progress)


def export(
    url: str | BackendURL,
    out: str | os.PathLike[str],
    *,
    namespace: str = "aqe",
    prefix: str = "",
    progress: Progress = QUIET,
) -> Summary:
    """Write the portable archive of ``url`` (tables and live memory) to ``out``; on Redis,
    refused with ``BackupError`` (no file written) when the memory ``namespace``/``prefix`` is
    empty while the server holds memory under other names."""
    url = parse(url)
    if url.backend in ("redis", "redis_cluster"):
        redis_scope.check_holds_something(url, namespace, prefix)
    return archive.export(url, out, namespace=namespace, prefix=prefix, progress=progress)


def import_archive(
    url: str | BackendURL,
    source: str | os.PathLike[str],
    *,
    force: bool = False,
    prefix: str = "",
    progress: Progress = QUIET,
) -> Summary:
    """Load the portable archive ``source`` into ``url``, verified, all or nothing."""
    files, manifest = container.open_backup(source)
    with files:
        return archive.import_(
            parse(url), files, manifest, str(source), force=force, prefix=prefix, progress=progress
        )
