"""A Then step's verdict in the rule's words: "expected <what the rule says>, found <what was>".

Then steps check through these functions, never a bare ``assert``: pytest rewrites an
``assert`` in step modules and appends Python's introspection to its message (object reprs
of stores, URLs with their prefixes), while a reader of the living documentation wants the
rule's words. A failure raises a plain ``AssertionError`` whose message is the domain
sentence, so its first line reads as the rule and the traceback stays under "Full traceback".
Values are shown as a reader writes them (text in double quotes, numbers to two decimals);
callers pass data found, never the store or connection that found it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, NoReturn

#: A value shown longer than this is cut short; a long mismatch names where it differs.
LONG = 200


def shown(value: Any, limit: int = LONG) -> str:
    """``value`` as the features write it: "text", [1, 2], 29.98, nothing for None."""
    text = _shown(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str | int):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(value, ensure_ascii=False, default=_plain)
    except (TypeError, ValueError):
        return str(value)


def _number(value: float) -> str:
    """29.98123 as 29.98, 8000.0 as 8000.0 (not 8000), 5e-324 as it is."""
    if not math.isfinite(value) or (value != 0 and abs(value) < 0.01):
        return repr(value)
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _plain(value: Any) -> Any:
    """What JSON cannot show as it is: records as their fields, sets sorted, the rest as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def fail(expected: str, found: str) -> NoReturn:
    """Fail with "expected <expected>, found <found>" (both already in the rule's words)."""
    raise AssertionError(f"expected {expected}, found {found}")


def expect_that(holds: bool, expected: str, found: Any) -> None:
    """Fail unless ``holds``: ``expected`` says what the rule wanted, ``found`` what was."""
    if not holds:
        fail(expected, found if isinstance(found, str) else shown(found))


def expect(found: Any, expected: Any, what: str) -> None:
    """Fail unless ``found == expected``: "expected <what> <expected>, found <found>"; when
    they are too long to read, where they first differ."""
    if found == expected:
        return
    if len(_shown(expected)) > LONG or len(_shown(found)) > LONG:
        place, there, instead = first_difference(found, expected)
        wanted = f"{what} {shown(expected, 60)}".lstrip()
        fail(wanted, f"{shown(there, 60)} instead of {shown(instead, 60)} at {place or 'the top'}")
    fail(f"{what} {shown(expected)}".lstrip(), shown(found))


def first_difference(found: Any, expected: Any, place: str = "") -> tuple[str, Any, Any]:
    """Where ``found`` first differs from ``expected`` (a path like ``rows.agents[3].name``),
    and the two values there."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in [*expected, *(k for k in found if k not in expected)]:
            inner = f"{place}.{key}" if place else str(key)
            if key not in found:
                return inner, None, expected[key]
            if key not in expected:
                return inner, found[key], None
            if found[key] != expected[key]:
                return first_difference(found[key], expected[key], inner)
    if isinstance(found, list | tuple) and isinstance(expected, list | tuple):
        for n, (one, other) in enumerate(zip(found, expected, strict=False)):
            if one != other:
                return first_difference(one, other, f"{place}[{n}]")
        if len(found) != len(expected):
            return f"{place} (length)", len(found), len(expected)
    return place, found, expected


def expect_between(found: Any, low: float, high: float, what: str) -> None:
    """Fail unless ``low <= found <= high`` ("expected between 31 and 35 seconds left ...")."""
    if found is None or not low <= found <= high:
        fail(f"between {low:g} and {high:g} {what}", shown(found))


def expect_refused(error: BaseException | None, kind: type[BaseException], what: str) -> None:
    """Fail unless ``error`` is a ``kind`` in one line: "expected <what> refused as <kind>"."""
    wanted = f"{what} refused as {kind.__name__}"
    expect_that(error is not None, wanted, "it done")
    expect_that(isinstance(error, kind), wanted, f"{type(error).__name__}: {error}")
    expect_that("\n" not in str(error), "the refusal in one line", shown(str(error)))


def expect_says(error: BaseException | str | None, *words: str) -> None:
    """Fail unless the error's message holds each of ``words``."""
    message = "" if error is None else str(error)
    for part in words:
        found = shown(message) if error is not None else "no error"
        expect_that(part in message, f"the error to say {shown(part)}", found)
