"""A glob matcher (``*`` and ``?`` only, every other character literal) in linear-ish time.

The Redis stores filter ``HSCAN`` candidates with it. A backtracking regular expression took
minutes on a many-star pattern; this two-pointer walk with star restart never backtracks past
the last ``*``, so it costs at most ``len(pattern) * len(text)`` steps.
"""

from __future__ import annotations


def glob_match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the whole glob (``?``: one character, ``*``: any run)."""
    p = t = 0
    star = -1  # index in pattern just after the last '*' seen
    mark = 0  # where in text that '*' started matching
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            p += 1
            star, mark = p, t
        elif star >= 0:
            mark += 1
            p, t = star, mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])
