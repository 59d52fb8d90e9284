"""Glob patterns (``*`` and ``?`` only) translated for each backend, every other char literal.

SQL LIKE gives ``%`` and ``_`` meaning; Redis glob gives ``[``, ``]`` and ``\\`` meaning.
Both translations escape those, so a key such as ``aqe/100%_[done]`` is matched literally.
"""

from __future__ import annotations

import re

#: The escape character the SQL backends declare with ``LIKE ... ESCAPE``.
LIKE_ESCAPE = "\\"

_LIKE_SPECIAL = {"%", "_", LIKE_ESCAPE}
_REDIS_SPECIAL = {"*", "?", "[", "]", "\\"}


def like_literal(text: str) -> str:
    """``text`` as a LIKE pattern that matches exactly itself."""
    return "".join(LIKE_ESCAPE + c if c in _LIKE_SPECIAL else c for c in text)


def glob_to_like(pattern: str) -> str:
    """A glob (``*``, ``?``) as a LIKE pattern for ``ESCAPE '\\'``."""
    out = []
    for c in pattern:
        if c == "*":
            out.append("%")
        elif c == "?":
            out.append("_")
        else:
            out.append(like_literal(c))
    return "".join(out)


def prefix_to_like(prefix: str) -> str:
    """A LIKE pattern matching every text that starts with ``prefix``."""
    return like_literal(prefix) + "%"


def glob_to_redis(pattern: str) -> str:
    """A glob (``*``, ``?``) as a Redis MATCH pattern with every other character literal."""
    return "".join(c if c in "*?" else ("\\" + c if c in _REDIS_SPECIAL else c) for c in pattern)


def redis_prefilter(pattern: str) -> str:
    """A Redis MATCH pattern that finds every key the glob matches (and maybe a few more).

    Redis matches bytes, so its ``?`` would miss a character UTF-8 spells in two or more
    bytes; ``?`` becomes ``*`` here and the caller filters the candidates exactly with
    :func:`agentstore.memory.glob_match.glob_match` (linear, never a backtracking regex).
    """
    return glob_to_redis(pattern.replace("?", "*"))


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """The glob as a regular expression: a test reference only (it backtracks on many stars)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body + r"\Z", re.DOTALL)


def scoped_prefix(namespace: str, prefix: str) -> str | None:
    """The key prefix that ``list_keys(prefix)`` means inside ``namespace``.

    Returns ``None`` when no key of the namespace can start with ``prefix``.
    """
    own = namespace + "/"
    if prefix.startswith(own):
        return prefix
    if own.startswith(prefix):
        return own
    return None


def redis_literal(text: str) -> str:
    """``text`` as a Redis MATCH pattern that matches exactly itself (no wildcards)."""
    return "".join("\\" + c if c in _REDIS_SPECIAL else c for c in text)
