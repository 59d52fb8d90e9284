"""Backend URLs: which backend a URL names, its canonical form, and how to show it safely.

``redis+cluster://host:port[,host:port...]`` names a Redis Cluster by any of its nodes.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
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


def redact(url: str) -> str:
    """Return ``url`` with every secret replaced by ``***``, safe for messages and logs.

    The one parser for showing URLs: :func:`secret_spans` marks what may be a secret (a
    userinfo password, however parsers split a malformed URL, and the value of every query
    parameter whose name holds ``pass``, ``secret``, ``token`` or ``key``); each marked stretch
    is shown as ``***``. Nothing is decoded, so an invalid percent escape never raises.
    """
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


def manifest_source(url: str) -> str:
    """What a backup may say of its source: scheme, host(:port) and database, nothing more.

    No user, no password, no query; a part that may hold a secret is left out.
    """
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


def check_escapes(url: str) -> None:
    """``InvalidURL`` (the URL shown redacted) when a ``%`` is not followed by two hex digits
    or stands for NUL: libpq refuses such a URL and would quote the password in its error."""
    if _BAD_ESCAPE.search(url):
        raise InvalidURL(
            f"not a usable URL {redact(url)}: it holds a '%' that is not followed by two hex "
            "digits (write a literal % as %25)"
        )


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")


#: How long a stretch of a password must be to count as quoted in a message.
_QUOTE = 4


def scrub(text: str, url: str) -> str:
    """A driver's ``text`` about ``url``, or a neutral phrase if it may quote the password.

    Drivers quote what they could not read (a host, a port, a percent escape), and with a
    malformed URL that can be part of the password: any four characters of it in a row,
    anywhere in the text, and the text is withheld.
    """
    for secret in secrets(url):
        if secret in text or any(
            secret[i : i + _QUOTE] in text for i in range(len(secret) - _QUOTE + 1)
        ):
            return "(details withheld: they may quote the password)"
    return text


def migrate_command(url: str) -> str:
    """The command that creates agentstore's schema at ``url``, the password hidden."""
    return f"agentstore migrate up --url {redact(url)}"


def backend_of(url: str) -> Backend:
    """Name the backend a URL points at, or raise ``InvalidURL`` for an unknown scheme."""
    if not isinstance(url, str) or "://" not in url:
        raise InvalidURL(
            f"{redact(str(url))!r} is not a backend URL; "
            "for a SQLite file use sqlite:///<absolute path>"
        )
    scheme = url.split("://", 1)[0].lower()
    try:
        return _SCHEMES[scheme]
    except KeyError:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
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
        check_escapes(url)
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlalchemy_async_url(url: str) -> str:
    """Return the SQLAlchemy asyncio form of a SQL URL (psycopg's async side, aiosqlite)."""
    if expect(url, "postgres", "sqlite") == "postgres":
        return sqlalchemy_url(url)  # create_async_engine picks psycopg's async dialect itself
    return "sqlite+aiosqlite://" + url.split("://", 1)[1]


def libpq_url(url: str) -> str:
    """Return a PostgreSQL URL that psycopg and the PostgreSQL tools (pg_dump...) accept."""
    expect(url, "postgres")
    check_escapes(url)
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
