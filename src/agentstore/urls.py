"""Backend URLs: which backend a URL names, its canonical form, and how to show it safely.

A URL is read once, at the edge, by :func:`parse` into a :class:`BackendURL`: its backend,
its redacted form, its secrets and its driver forms; nothing inside reads the string again,
and ``InvalidURL`` is raised there alone (:func:`unusable` builds it for a driver that cannot
use a URL that reads well).
``redis+cluster://host:port[,host:port...]`` names a Redis Cluster by any of its nodes.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

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


def redact(url: str | BackendURL) -> str:
    """Return ``url`` with every secret replaced by ``***``, safe for messages and logs.

    The one parser for showing URLs: :func:`secret_spans` marks what may be a secret (a
    userinfo password, however parsers split a malformed URL, and the value of every query
    parameter whose name holds ``pass``, ``secret``, ``token`` or ``key``); each marked stretch
    is shown as ``***``. Nothing is decoded, so an invalid percent escape never raises.
    A :class:`BackendURL` was redacted when it was read: its form is returned as it is.
    """
    if isinstance(url, BackendURL):
        return url.redacted
    if not isinstance(url, str):
        return "<not a URL>"
    shown, last = [], 0
    for start, end in secret_spans(url):
        shown.append(url[last:start] + "***")
        last = end
    shown.append(url[last:])
    return "".join(shown)


#: Query parameters shown after a secret one: an unescaped ``&`` in a password makes the rest
#: of it look like more parameters, so after one only these well-known names are shown.
KNOWN_PARAMETERS = frozenset(
    {
        "application_name", "client_encoding", "connect_timeout", "gssencmode", "keepalives",
        "options", "sslcert", "sslmode", "sslrootcert", "target_session_attrs",
        "client_name", "db", "health_check_interval", "protocol", "socket_timeout",
        "ssl_cert_reqs",
    }
)  # fmt: skip
#: A query parameter whose name holds one of these is a secret (password, sslpassword, ...).
SECRET_WORDS = ("pass", "secret", "token", "key", "pwd")


def _is_secret(name: str) -> bool:
    key = unquote(name).strip().lower()
    return any(word in key for word in SECRET_WORDS)


def _query_spans(url: str) -> list[tuple[int, int]]:
    """Secret stretches of every text after a ``?`` read as a query (a ``?`` may also sit in a
    password, so each one is tried): a secret parameter's value, and after it every item but
    a well-known parameter."""
    spans: list[tuple[int, int]] = []
    for mark in (i for i, char in enumerate(url) if char == "?"):
        position, hidden = mark + 1, False
        for item in url[mark + 1 :].split("&"):
            name, equals, _value = item.partition("=")
            start, end = position, position + len(item)
            if equals and _is_secret(name):
                if hidden:
                    spans.append((start, end))
                else:
                    spans.append((start + len(name) + 1, end))
                hidden = True
            elif hidden and not (equals and unquote(name).strip().lower() in KNOWN_PARAMETERS):
                spans.append((start, end))
            position = end + 1
    return spans


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= index < end for start, end in spans)


def _userinfo_span(url: str, query: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The password stretch of the user part: from its first ``:`` to the ``@`` ending it.

    A password may hold ``@``, ``/``, ``?`` or ``:`` unescaped, so the user part ends at the
    *last* ``@`` -- not counting one inside a secret query value (``?password=a@b``), unless
    every ``@`` is (then the password may itself hold ``?password=``, and all is hidden).
    """
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower().startswith("sqlite"):
        return None
    base = len(scheme) + len(sep)
    ats = [base + i for i, char in enumerate(rest) if char == "@"]
    outside = [at for at in ats if not _inside(at, query)]
    chosen = outside or ats
    if not chosen:
        return None
    at = chosen[-1]
    colon = url.find(":", base, at)
    return (colon + 1, at) if colon >= 0 and colon + 1 < at else None


def secret_spans(url: str) -> list[tuple[int, int]]:
    """The stretches of ``url`` that may be secret, merged and in order (``[start, end)``)."""
    spans = _query_spans(url)
    userinfo = _userinfo_span(url, spans)
    if userinfo:
        spans.append(userinfo)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def manifest_source(url: str | BackendURL) -> str:
    """What a backup may say of its source: scheme, host(:port) and database, nothing more.

    No user, no password, no query; a part that may hold a secret is left out.
    """
    if isinstance(url, BackendURL):
        url = url.raw
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _SCHEMES:
        return "unknown"
    spans = secret_spans(url)
    base = len(scheme) + len(sep)
    rest = rest.split("?", 1)[0].split("#", 1)[0]

    def clean(start: int, end: int) -> bool:
        return not any(s < base + end and e > base + start for s, e in spans)

    if scheme.startswith("sqlite"):
        return f"{scheme}://{rest}" if clean(0, len(rest)) else f"{scheme}://"
    hosts_start = rest.rfind("@") + 1
    hosts, slash, database = rest[hosts_start:].partition("/")
    if not clean(hosts_start, len(rest)) or not _PLAIN_HOSTS.match(hosts):
        return f"{scheme}://"
    shown = f"{scheme}://{hosts}"
    if slash and _PLAIN_DATABASE.match(database):
        shown += f"/{database}"
    return shown


_PLAIN_HOSTS = re.compile(r"^[A-Za-z0-9._\-\[\]:,]*$")
_PLAIN_DATABASE = re.compile(r"^[A-Za-z0-9._\-]+$")


def _parsed_passwords(url: str) -> set[str]:
    """What each parser that connects would take for the password (raw and decoded)."""
    found: set[str] = set()
    with suppress(Exception):  # any parser may refuse a malformed URL: then it connects not
        found.add(urlsplit(url).password or "")  # redis-py's reading (urllib)
    if not url.lower().startswith(("redis", "unix")):
        with suppress(Exception):
            from sqlalchemy.engine import make_url

            parsed = make_url(url)
            found.add(parsed.password or "")
            found.update(v for k, v in parsed.query.items() if _is_secret(k) and isinstance(v, str))
    found |= {unquote(secret) for secret in found}
    found.discard("")
    return found


def secrets(url: str) -> set[str]:
    """Every text that may be a secret of ``url``: what any parser reads as the password, and
    every stretch :func:`secret_spans` marks."""
    found = set(_parsed_passwords(url))
    found.update(url[start:end] for start, end in secret_spans(url))
    found |= {unquote(secret) for secret in found}
    found.discard("")
    return found


#: How long a stretch of a password must be to count as quoted in a message.
_QUOTE = 4


def scrub(text: str, url: str | BackendURL) -> str:
    """A driver's ``text`` about ``url``, or a neutral phrase if it may quote the password.

    Drivers quote what they could not read (a host, a port, a percent escape), and with a
    malformed URL that can be part of the password: any four characters of it in a row,
    anywhere in the text, and the text is withheld.
    """
    for secret in url.secrets if isinstance(url, BackendURL) else secrets(url):
        if secret in text or any(
            secret[i : i + _QUOTE] in text for i in range(len(secret) - _QUOTE + 1)
        ):
            return "(details withheld: they may quote the password)"
    return text


def unusable(url: str | BackendURL, backend: Backend, reason: str | None = None) -> InvalidURL:
    """The ``InvalidURL`` for a URL that reads well but that its driver cannot use: the URL
    redacted and, with ``reason`` (the driver's words, one line), why; secrets scrubbed."""
    if reason is None:
        return InvalidURL(f"not a usable {_LABELS[backend]} URL: {redact(url)}")
    return InvalidURL(f"not a usable {_LABELS[backend]} URL {redact(url)}: {scrub(reason, url)}")


def sqlite_file(url: BackendURL, needed_by: str) -> Path:
    """The file a SQLite URL names; ``InvalidURL`` for an in-memory database, which
    ``needed_by`` (say, "a backup") cannot use."""
    if url.sqlite_path is None:
        raise InvalidURL(
            f"{needed_by} needs a SQLite file, not an in-memory database: {url.redacted}"
        )
    return url.sqlite_path


def migrate_command(url: str | BackendURL) -> str:
    """The command that creates agentstore's schema at ``url``, the password hidden."""
    return f"agentstore migrate up --url {redact(url)}"


def label(backend: Backend) -> str:
    """The product name of a backend, as readers know it."""
    return _LABELS[backend]


def with_database(url: str | BackendURL, database: str) -> str:
    """The same PostgreSQL server's URL naming another database (parsed, never sliced)."""
    from sqlalchemy.engine import make_url

    raw = parse(url, "postgres").raw
    return make_url(raw).set(database=database).render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class ClusterAddress:
    """What a ``redis+cluster://`` URL names: any of the cluster's nodes, and how to log in."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl: bool = False


@dataclass(frozen=True, slots=True, repr=False)
class BackendURL:
    """A backend URL read once (by :func:`parse`): everything the drivers and the messages
    need of it. ``str()`` and ``repr()`` show it redacted; ``raw`` and the driver forms hold
    the password, for the drivers alone."""

    backend: Backend
    redacted: str
    secrets: frozenset[str]
    raw: str
    #: The SQLite file, or ``None`` (in-memory databases and other backends).
    sqlite_path: Path | None = None
    _sqlalchemy: str | None = None
    _sqlalchemy_async: str | None = None
    _libpq: str | None = None
    _cluster: ClusterAddress | None = None

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"BackendURL({self.redacted!r})"

    @property
    def scheme(self) -> str:
        """The scheme, as written before ``://`` (lower case)."""
        return self.raw.partition("://")[0].lower()

    @property
    def label(self) -> str:
        """The backend's product name (``PostgreSQL``, ``Redis Cluster``...)."""
        return _LABELS[self.backend]

    @property
    def sqlalchemy(self) -> str:
        """The SQLAlchemy form of a SQL URL (PostgreSQL always through psycopg 3)."""
        return self._form(self._sqlalchemy)

    @property
    def sqlalchemy_async(self) -> str:
        """The SQLAlchemy asyncio form of a SQL URL (psycopg's async side, aiosqlite)."""
        return self._form(self._sqlalchemy_async)

    @property
    def libpq(self) -> str:
        """The form psycopg and the PostgreSQL tools (pg_dump...) accept."""
        return self._form(self._libpq)

    @property
    def cluster(self) -> ClusterAddress:
        """A Redis Cluster's nodes and login."""
        if self._cluster is None:
            raise TypeError(f"{self.redacted} is not a Redis Cluster URL")
        return self._cluster

    @property
    def nodes(self) -> tuple[tuple[str, int], ...]:
        """A Redis Cluster's nodes, as (host, port) pairs."""
        return self.cluster.nodes

    def _form(self, form: str | None) -> str:
        # Asking a Redis URL for its SQL form is a bug: the opener's parse(url, ...) checks.
        if form is None:
            raise TypeError(f"{self.redacted} has no such form (a {self.label} URL)")
        return form


class _Unusable(Exception):
    """Why a URL cannot be read (its message already redacted); :func:`parse` turns it into
    ``InvalidURL``."""


def parse(url: str | BackendURL, *backends: Backend) -> BackendURL:
    """Read ``url`` once; ``backends``: the ones the caller accepts (any, if none).

    The one place that raises ``InvalidURL``: an unknown scheme, another backend than
    ``backends``, a bad percent escape, a URL SQLAlchemy cannot read, a bad cluster node.
    A :class:`BackendURL` is returned as it is (only its backend checked).
    """
    try:
        found = url if isinstance(url, BackendURL) else _read(url)
        if backends and found.backend not in backends:
            wanted = " or ".join(_LABELS[b] for b in backends)
            raise _Unusable(f"expected a {wanted} URL, got a {found.label} URL: {found.redacted}")
    except _Unusable as bad:
        raise InvalidURL(str(bad)) from None
    return found


def _read(url: object) -> BackendURL:
    if not isinstance(url, str) or "://" not in url:
        raise _Unusable(
            f"{redact(str(url))!r} is not a backend URL; "
            "for a SQLite file use sqlite:///<absolute path>"
        )
    scheme, rest = url.split("://", 1)
    backend = _SCHEMES.get(scheme.lower())
    if backend is None:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
        raise _Unusable(
            f"unsupported URL scheme {scheme.lower()!r} in {redact(url)} (expected one of: {known})"
        )
    found = BackendURL(backend, redact(url), frozenset(secrets(url)), url)
    if backend == "postgres":
        if _BAD_ESCAPE.search(url):  # libpq would refuse it, quoting the password
            raise _Unusable(
                f"not a usable URL {found.redacted}: it holds a '%' that is not followed by two "
                "hex digits (write a literal % as %25)"
            )
        sync = "postgresql+psycopg://" + rest
        _sqlalchemy_database(sync, found)
        # create_async_engine picks psycopg's async dialect itself
        return replace(
            found, _sqlalchemy=sync, _sqlalchemy_async=sync, _libpq="postgresql://" + rest
        )
    if backend == "sqlite":
        path = _sqlite_file(_sqlalchemy_database(url, found))
        aio = "sqlite+aiosqlite://" + rest
        return replace(found, sqlite_path=path, _sqlalchemy=url, _sqlalchemy_async=aio)
    if backend == "redis_cluster":
        return replace(found, _cluster=_cluster(scheme, rest, found.redacted))
    return found


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")


def _sqlalchemy_database(target: str, found: BackendURL) -> str | None:
    """The database SQLAlchemy reads in ``target``; ``_Unusable`` when it cannot read it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(target).database
    except (ArgumentError, ValueError) as error:  # a port that is no number, say
        raise _Unusable(
            f"not a usable database URL {found.redacted}: {scrub(str(error), found)}"
        ) from None


def _sqlite_file(database: str | None) -> Path | None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _cluster(scheme: str, rest: str, shown: str) -> ClusterAddress:
    """Read ``[user[:password]@]host[:port][,host[:port]...][/0]`` after the scheme.

    Any one node is enough to find the others; listing more lets a client start while one is
    down. The port defaults to 6379; a cluster has only database 0.
    """
    # The user and password first (up to the last "@"): a "/" or "?" in a password must not
    # be read as the path or the query, which the errors below quote.
    userinfo, at, after = rest.rpartition("@")
    hosts, _, path = after.partition("?")[0].partition("/")
    if path not in ("", "0"):
        raise _Unusable(f"a Redis Cluster has only database 0, not {path!r}: {shown}")
    username = password = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes = tuple(_host_port(part, shown) for part in hosts.split(",") if part.strip())
    if not nodes:
        raise _Unusable(f"a Redis Cluster URL names no node: {shown}")
    return ClusterAddress(nodes, username, password, scheme.lower().startswith("rediss"))


def _host_port(text: str, shown: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [::1]:7000
        host, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = text.partition(":")
    if not host or (port and not port.isdigit()) or not 0 < int(port or 6379) < 65536:
        raise _Unusable(f"not a host:port in a Redis Cluster URL: {text!r} in {shown}")
    return host, int(port or 6379)


# Shorthands for callers that hold a string (the harness, tests, the CLI's checks).


def backend_of(url: str | BackendURL) -> Backend:
    """Name the backend a URL points at, or raise ``InvalidURL``."""
    return parse(url).backend


def expect(url: str | BackendURL, *backends: Backend) -> Backend:
    """Return the URL's backend, or raise ``InvalidURL`` when it is not one of ``backends``."""
    return parse(url, *backends).backend


def sqlalchemy_url(url: str | BackendURL) -> str:
    """Return the SQLAlchemy form of a SQL URL (PostgreSQL always through psycopg 3)."""
    return parse(url, "postgres", "sqlite").sqlalchemy


def sqlalchemy_async_url(url: str | BackendURL) -> str:
    """Return the SQLAlchemy asyncio form of a SQL URL (psycopg's async side, aiosqlite)."""
    return parse(url, "postgres", "sqlite").sqlalchemy_async


def libpq_url(url: str | BackendURL) -> str:
    """Return a PostgreSQL URL that psycopg and the PostgreSQL tools (pg_dump...) accept."""
    return parse(url, "postgres").libpq


def cluster_address(url: str | BackendURL) -> ClusterAddress:
    """What a ``redis+cluster://`` URL names (raises ``InvalidURL``)."""
    return parse(url, "redis_cluster").cluster
