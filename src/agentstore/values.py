"""``JSON``: what a memory value, a job payload or an event may be.

Anything JSON holds exactly: objects with text keys, lists, text, whole numbers, finite
floats, booleans and ``None``, nested at most 64 levels deep (``InvalidValue`` otherwise).
"""

from __future__ import annotations

from typing import TypeAlias

JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None
