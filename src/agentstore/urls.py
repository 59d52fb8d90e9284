"""Backend URLs: which backend a URL names, its canonical form, and how to show it safely.

``redis+cluster://host:port[,host:port...]`` names a Redis Cluster by any of its nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from agentstore.errors import InvalidURL

Backend = Literal["postgres", "sqlite", "redis", "redis_cluster"]

_SCHEMES: dict[str, Backend] = {
    "postgresql+psycopg": "postgres",
    "postgresql": "postgres",
    "postgres": "postgres",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
    "redis+cluster": "redis_cluster",
    "rediss+cluster": "redis_cluster",
}

_LABELS: dict[Backend, str] = {
    "postgres": "PostgreSQL",
    "sqlite": "SQLite",
    "redis": "Redis",
    "redis_cluster": "Redis Cluster",
}


def redact(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``, safe for messages and logs.

    Both places a driver takes a password are masked: ``user:password@`` in the address and a
    ``password=`` query parameter. A malformed port is shown as written, never parsed.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if ":" in userinfo:
        userinfo = userinfo.partition(":")[0] + ":***"
    netloc = f"{userinfo}{at}{hostport}"
    query = "&".join(_redact_parameter(item) for item in parts.query.split("&"))
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_parameter(item: str) -> str:
    name, equals, _value = item.partition("=")
    if equals and unquote(name).strip().lower() == "password":
        return f"{name}=***"
    return item


def backend_of(url: str) -> Backend:
    """Name the backend a URL points at, or raise ``InvalidURL`` for an unknown scheme."""
    if not isinstance(url, str) or "://" not in url:
        raise InvalidURL(f"not a backend URL: {redact(str(url))!r}")
    scheme = url.split("://", 1)[0].lower()
    try:
        return _SCHEMES[scheme]
    except KeyError:
        known = ", ".join(sorted({"postgresql+psycopg", "sqlite", "redis", "redis+cluster"}))
        raise InvalidURL(
            f"unsupported URL scheme {scheme!r} in {redact(url)} (expected one of: {known})"
        ) from None


def expect(url: str, *backends: Backend) -> Backend:
    """Return the URL's backend, or raise ``InvalidURL`` when it is not one of ``backends``."""
    found = backend_of(url)
    if found not in backends:
        wanted = " or ".join(_LABELS[b] for b in backends)
        raise InvalidURL(f"expected a {wanted} URL, got a {_LABELS[found]} URL: {redact(url)}")
    return found


def sqlalchemy_url(url: str) -> str:
    """Return the SQLAlchemy form of a SQL URL (PostgreSQL always through psycopg 3)."""
    backend = expect(url, "postgres", "sqlite")
    if backend == "postgres":
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def libpq_url(url: str) -> str:
    """Return a PostgreSQL URL that psycopg and the PostgreSQL tools (pg_dump...) accept."""
    expect(url, "postgres")
    return "postgresql://" + url.split("://", 1)[1]


def label(backend: Backend) -> str:
    """The product name of a backend, as readers know it."""
    return _LABELS[backend]


def with_database(url: str, database: str) -> str:
    """The same PostgreSQL server's URL naming another database (parsed, never sliced)."""
    from sqlalchemy.engine import make_url

    expect(url, "postgres")
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@dataclass(frozen=True)
class ClusterAddress:
    """What a ``redis+cluster://`` URL names: any of the cluster's nodes, and how to log in."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = None
    ssl: bool = False


def cluster_address(url: str) -> ClusterAddress:
    """Read ``redis+cluster://[user[:password]@]host[:port][,host[:port]...][/0]``.

    Any one node is enough to find the others; listing more lets a client start while one is
    down. The port defaults to 6379; a cluster has only database 0. Raises ``InvalidURL``.
    """
    expect(url, "redis_cluster")
    scheme, rest = url.split("://", 1)
    netloc, _, path = rest.partition("/")
    netloc = netloc.partition("?")[0]
    path = path.partition("?")[0]
    if path not in ("", "0"):
        raise InvalidURL(f"a Redis Cluster has only database 0, not {path!r}: {redact(url)}")
    userinfo, at, hosts = netloc.rpartition("@")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes = tuple(_host_port(part, url) for part in hosts.split(",") if part.strip())
    if not nodes:
        raise InvalidURL(f"a Redis Cluster URL names no node: {redact(url)}")
    return ClusterAddress(nodes, username, password, scheme.lower().startswith("rediss"))


def _host_port(text: str, url: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [::1]:7000
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.partition(":")
    if not host or (port and not port.isdigit()) or not 0 < int(port or 6379) < 65536:
        raise InvalidURL(f"not a host:port in a Redis Cluster URL: {text!r} in {redact(url)}")
    return host, int(port or 6379)
