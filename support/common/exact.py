"""Exact comparison of recalled values: same types, same key order, same numbers.

``==`` in Python says ``8000 == 8000.0 == True`` and ``{"b": 1, "a": 2} == {"a": 2, "b": 1}``;
an agent's memory must give back exactly what it was given, so checks compare *shapes*.
"""

from __future__ import annotations

from typing import Any

from support.common.expect import fail, shown


def shape(value: Any) -> Any:
    """A comparable picture of ``value`` that keeps every type and the order of every key."""
    if isinstance(value, dict):
        return ("dict", tuple((shape(k), shape(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(shape(item) for item in value))
    return (type(value).__name__, value)


def assert_exact(found: Any, expected: Any, what: str = "value") -> None:
    """Fail unless ``found`` is ``expected`` in type, key order and content."""
    if shape(found) != shape(expected):
        seen = shown(found)
        if seen == shown(expected):
            seen += f" (the same text, other types: {shape(found)} not {shape(expected)})"
        fail(f"{shown(what)} as {shown(expected)}", seen)
