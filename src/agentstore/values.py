"""``JSON``: what a memory value, a job payload or an event may be.

Anything JSON holds exactly: objects with text keys, lists, text, whole numbers, finite
floats, booleans and ``None``, nested at most 64 levels deep (``InvalidValue`` otherwise).
At run time a named alias (``TypeAliasType``), so ``help()`` shows ``JSON``, not its union.
"""

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None
else:
    try:
        from typing import TypeAliasType  # Python 3.12+
    except ImportError:
        from typing_extensions import TypeAliasType

    JSON = TypeAliasType("JSON", dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None)
