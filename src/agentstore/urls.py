"""Backend URLs: which backend a URL names, its canonical form, and how to show it safely."""

from __future__ import annotations

from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from agentstore.errors import InvalidURL

Backend = Literal["postgres", "sqlite", "redis"]

_SCHEMES: dict[str, Backend] = {
    "postgresql+psycopg": "postgres",
    "postgresql": "postgres",
    "postgres": "postgres",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "redis": "redis",
    "rediss": "redis",
    "unix": "redis",
}

_LABELS: dict[Backend, str] = {"postgres": "PostgreSQL", "sqlite": "SQLite", "redis": "Redis"}


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
        known = ", ".join(sorted({"postgresql+psycopg", "sqlite", "redis"}))
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
