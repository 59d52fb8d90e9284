"""Backend URLs: which backend a URL names, its canonical form, and how to show it safely."""

from __future__ import annotations

from contextlib import suppress
from typing import Literal
from urllib.parse import unquote, urlsplit

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

    A password may hold ``#``, ``/``, ``?``, ``:`` or ``@`` unescaped, and parsers disagree on
    where it ends, so this reads no further than it must: everything between the first ``:``
    of the user part and the *last* ``@`` is hidden (``user:***@host...``), and so is a
    ``password=`` query parameter (and what may belong to it, see ``KNOWN_PARAMETERS``).
    That stretch holds whatever the connecting parsers (SQLAlchemy's ``make_url``, redis-py's
    ``urlparse``) take for the password, however they split a malformed URL. A URL with no
    ``@`` and no ``password=`` comes back unchanged.
    """
    if not isinstance(url, str):
        return "<not a URL>"
    scheme, sep, rest = url.partition("://")
    if sep and not scheme.lower().startswith("sqlite") and "@" in rest:
        userinfo, _, hostpart = rest.rpartition("@")
        user, colon, _secret = userinfo.partition(":")
        if colon:
            rest = f"{user}:***@{hostpart}"
    path, question, query = rest.partition("?")
    if question:
        query = _redact_query(query)
    return f"{scheme}{sep}{path}{question}{query}"


#: Query parameters shown after a password: an unescaped ``&`` in a password makes the rest
#: of it look like more parameters, so after one only these well-known names are shown.
KNOWN_PARAMETERS = frozenset(
    {
        "application_name", "client_encoding", "connect_timeout", "gssencmode", "keepalives",
        "options", "sslcert", "sslkey", "sslmode", "sslrootcert", "target_session_attrs",
        "client_name", "db", "health_check_interval", "protocol", "socket_timeout",
        "ssl_cert_reqs",
    }
)  # fmt: skip


def _redact_query(query: str) -> str:
    """The query with its password hidden, and after it any item that may be part of it."""
    items = query.split("&")
    shown: list[str] = []
    hidden = False
    for item in items:
        name, equals, _value = item.partition("=")
        key = unquote(name).strip().lower()
        if equals and key == "password":
            shown.append(f"{name}=***")
            hidden = True
        elif not hidden or (equals and key in KNOWN_PARAMETERS):
            shown.append(item)
        elif shown[-1] != "...":
            shown.append("...")
    return "&".join(shown)


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
            found.update(
                v for k, v in parsed.query.items() if k.lower() == "password" and isinstance(v, str)
            )
    found |= {unquote(secret) for secret in found}
    found.discard("")
    return found


def secrets(url: str) -> set[str]:
    """Every text that may be the password of ``url``: what any parser reads as one, and the
    whole stretch between the user part's first ``:`` and the last ``@``."""
    found = set(_parsed_passwords(url))
    _scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        userinfo = rest.rpartition("@")[0]
        if ":" in userinfo:
            found.add(userinfo.partition(":")[2])
    for item in url.partition("?")[2].split("&"):
        name, equals, value = item.partition("=")
        if equals and unquote(name).strip().lower() == "password":
            found.add(value)
    found |= {unquote(secret) for secret in found}
    found.discard("")
    return found


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


def sqlalchemy_async_url(url: str) -> str:
    """Return the SQLAlchemy asyncio form of a SQL URL (psycopg's async side, aiosqlite)."""
    if expect(url, "postgres", "sqlite") == "postgres":
        return sqlalchemy_url(url)  # create_async_engine picks psycopg's async dialect itself
    return "sqlite+aiosqlite://" + url.split("://", 1)[1]


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
