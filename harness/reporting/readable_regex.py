"""A step's regular expression as a reader writes the phrase, and its groups' forms in words.

``(?P<count>\\d+) agents?( with (?P<each>\\d+) executions? each)?$`` reads as
``{count} agent(s) [with {each} execution(s) each]``, ``count`` and ``each`` being whole
numbers. Python's own regular-expression parser reads the pattern, so nothing is guessed
from its text; what cannot be said in words is shown as ``…``.
"""

from __future__ import annotations

# The parser behind ``re`` (Python 3.11+, as pyproject requires).
import re._parser as sre_parse
from re._constants import (
    ANY,
    AT,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    SUBPATTERN,
)
from typing import Any

Tokens = list[tuple[Any, Any]]


def readable(pattern: str) -> tuple[str, dict[str, str]]:
    """The phrase with ``{name}`` for each named group, and each group's form in words."""
    parsed = sre_parse.parse(pattern)
    names = {number: name for name, number in parsed.state.groupdict.items()}
    forms: dict[str, str] = {}
    phrase = _words(list(parsed), names, forms)
    return " ".join(phrase.split()), forms


def _words(tokens: Tokens, names: dict[int, str], forms: dict[str, str]) -> str:
    out: list[str] = []
    for op, arg in tokens:
        if op is LITERAL:
            out.append(chr(arg))
        elif op is AT:
            continue  # ^ and $ say nothing to a reader
        elif op is SUBPATTERN:
            group, sub = arg[0], list(arg[-1])
            if group in names:
                forms[names[group]] = form(sub)
                out.append("{" + names[group] + "}")
            else:
                out.append(_words(sub, names, forms))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, high, sub = arg
            inner = _words(list(sub), names, forms)
            if (low, high) == (0, 1):
                out.append(f"({inner})" if len(inner.strip()) == 1 else f" [{inner.strip()}] ")
            else:
                out.append("…")
        elif op is BRANCH:
            out.append(" or ".join(_words(list(b), names, forms) for b in arg[1]))
        else:
            out.append("…")
    return "".join(out)


def form(tokens: Tokens) -> str:
    """What a group's values look like, in words."""
    if _is_repeat_of(tokens, lambda op, arg: op is IN and arg == [(CATEGORY, CATEGORY_DIGIT)]):
        return "whole number"
    if _is_repeat_of(tokens, lambda op, arg: op is NOT_LITERAL and arg == ord('"')) or (
        _is_repeat_of(tokens, lambda op, arg: op is IN and arg == [(NEGATE, None), (LITERAL, 34)])
    ):
        return "any words, between double quotes"
    if len(tokens) == 1 and tokens[0][0] is BRANCH:
        choices = [_words(list(b), {}, {}) for b in tokens[0][1][1]]
        if "…" not in "".join(choices):
            return "one of: " + ", ".join(f'"{choice}"' for choice in choices)
    if tokens and all(op is LITERAL for op, _ in tokens):
        return f'"{"".join(chr(arg) for _, arg in tokens)}"'
    if len(tokens) == 1 and tokens[0][0] is ANY:
        return "any one character"
    return "any words"


def _is_repeat_of(tokens: Tokens, item: Any) -> bool:
    if len(tokens) != 1 or tokens[0][0] not in (MAX_REPEAT, MIN_REPEAT):
        return False
    sub = list(tokens[0][1][2])
    return len(sub) == 1 and bool(item(*sub[0]))
