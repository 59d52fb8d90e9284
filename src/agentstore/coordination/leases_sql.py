"""Named leases on PostgreSQL and SQLite: one row per name that outlives its holders.

Acquiring is one upsert that takes the row only when nobody holds it (never held, released,
or expired by the database's clock) and raises its token by one, so fencing tokens grow
with every holder and are never given twice. Extending and releasing name the token: only
the current, unexpired holder succeeds.
"""

from __future__ import annotations

from typing import Any

from agentstore.coordination.leases_shell import LeasesShell
from agentstore.coordination.protocol import Lease
from agentstore.coordination.sql_connections import SqlConnections, fetch_all, row_count
from agentstore.coordination.validation import check_duration, check_name
from agentstore.driving import ALL, COUNT, Operation, Statement
from agentstore.urls import BackendURL

_T = "coordination_leases"


def _statements(now: str) -> dict[str, str]:
    mine = "scope = :scope AND name = :name"
    held = f"{mine} AND token = :token AND owner = :owner AND expires_at > {now}"
    return {
        "acquire": f"INSERT INTO {_T} (scope, name, owner, token, expires_at)"
        f" VALUES (:scope, :name, :owner, 1, {now} + :ttl)"
        " ON CONFLICT (scope, name) DO UPDATE SET owner = excluded.owner,"
        f" token = {_T}.token + 1, expires_at = excluded.expires_at"
        f" WHERE {_T}.expires_at IS NULL OR {_T}.expires_at <= {now}"
        " RETURNING token",
        "extend": f"UPDATE {_T} SET expires_at = {now} + :ttl WHERE {held}",
        "release": f"UPDATE {_T} SET owner = NULL, expires_at = NULL WHERE {held}",
        "holder": f"SELECT owner, token FROM {_T} WHERE {mine} AND expires_at > {now}",
        "probe": f"SELECT token FROM {_T} WHERE 1 = 0",
    }


class SqlLeaseOperations:
    """The leases' operations on PostgreSQL or SQLite; ``prefix`` scopes the names."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def acquire(self, name: str, owner: str, ttl: float) -> Operation[Lease | None]:
        params = {
            "scope": self.prefix,
            "name": check_name(name, "lease"),
            "owner": check_name(owner, "owner"),
            "ttl": check_duration(ttl, "lease TTL"),
        }
        rows = yield Statement("acquire", params, ALL)
        return Lease(name, owner, int(rows[0][0])) if rows else None

    def _held(self, lease: Lease, **values: object) -> dict[str, object]:
        return {
            "scope": self.prefix,
            "name": lease.name,
            "owner": lease.owner,
            "token": lease.token,
            **values,
        }

    def extend(self, lease: Lease, ttl: float) -> Operation[bool]:
        params = self._held(lease, ttl=check_duration(ttl, "lease TTL"))
        return bool((yield Statement("extend", params, COUNT)))

    def release(self, lease: Lease) -> Operation[bool]:
        return bool((yield Statement("release", self._held(lease), COUNT)))

    def holder(self, name: str) -> Operation[Lease | None]:
        params = {"scope": self.prefix, "name": check_name(name, "lease")}
        rows = yield Statement("holder", params, ALL)
        return Lease(name, rows[0][0], int(rows[0][1])) if rows else None


class SqlLeases(LeasesShell):
    """``Leases`` on PostgreSQL or SQLite; ``prefix`` scopes the names."""

    def __init__(self, url: BackendURL, *, prefix: str = "") -> None:
        self.url = url
        self.prefix = prefix
        self._ops = SqlLeaseOperations(prefix)
        self._db = SqlConnections(url)
        self._sql = {k: self._db.statement(v) for k, v in _statements(self._db.now).items()}
        self._db.run(self._sql["probe"], {})

    def _perform(self, request: Statement) -> Any:
        fetch = row_count if request.fetch == COUNT else fetch_all
        return self._db.run(self._sql[request.sql], request.params, fetch)

    def close(self) -> None:
        self._db.close()
