"""Tell a refused login from a server that does not answer, by code, never by translated text.

PostgreSQL reports SQLSTATE 28P01 (wrong password) or 28000 (no such role, login refused);
libpq gives no SQLSTATE for a login refused while connecting (psycopg's error then has
``sqlstate`` None), so there, and only there, the server's FATAL line is read for its fixed
English phrases (a server with translated ``lc_messages`` is told as unreachable, as before).
Redis replies ``NOAUTH`` / ``WRONGPASS`` (redis-py's ``AuthenticationError``) or, to a client
that sent no password with HELLO, ``NOAUTH HELLO must be called with the client already
authenticated``. Redis error replies start with a fixed code word, never translated.
"""

from __future__ import annotations

import re

from agentstore.errors import AuthenticationFailed
from agentstore.urls import BackendURL, redact

#: PostgreSQL's SQLSTATEs for a refused login: invalid authorization, wrong password.
PG_AUTH_SQLSTATES = frozenset({"28000", "28P01"})
_REDIS_AUTH_CODES = ("NOAUTH", "WRONGPASS")
#: What PostgreSQL (and libpq) say when refusing a login, as a connection error's text holds it.
_PG_REFUSALS = re.compile(
    r"password authentication failed for user|no password supplied|"
    r"role \".*\" does not exist|role \".*\" is not permitted to log in"
)


def is_postgres_auth(error: BaseException) -> bool:
    """Whether ``error`` (or the driver error it wraps) is PostgreSQL refusing the login."""
    import psycopg

    driver = getattr(error, "orig", None) or error
    code = getattr(driver, "sqlstate", None)
    if code is not None or not isinstance(driver, psycopg.OperationalError):
        return code in PG_AUTH_SQLSTATES
    return _PG_REFUSALS.search(str(driver)) is not None


def is_redis_auth(error: BaseException) -> bool:
    """Whether ``error`` is Redis refusing the client's user or password (or its absence)."""
    import redis

    if isinstance(error, redis.AuthenticationError):
        return True
    text = str(error).lstrip()
    if text.startswith(_REDIS_AUTH_CODES) or "HELLO must be called" in text:
        return True
    # The cluster client wraps the node's reply: look at what it was raised from.
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and is_redis_auth(cause)


def authentication_failed(url: str | BackendURL) -> AuthenticationFailed:
    """The one-line error for a refused login at ``url`` (the password never shown)."""
    return AuthenticationFailed(
        f"authentication failed for {redact(url)}: check the user and password"
    )
