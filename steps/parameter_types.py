"""Parameter types shared by every step library, defined once.

Each type's docstring says, in a reader's words, what form its values take; a type made by
``one_of`` also lists its allowed values. The step glossary shows both, never the pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from parse import with_pattern
from pytest_bdd import parsers

from agentstore import errors
from support.backup import faults as backup_faults
from support.backup import hostile as backup_hostile
from support.common.outcomes import REFUSALS
from support.memory.bad_inputs import NAMED


def one_of(values: Iterable[str], doc: str, convert: Callable[[str], Any] = str) -> Any:
    """A type whose values are exactly ``values`` (longest first, so none stops short); the
    glossary lists them as its allowed values, and any other words leave the step unmatched."""
    allowed = list(values)
    ordered = sorted(allowed, key=len, reverse=True)

    @with_pattern("|".join(re.escape(value) for value in ordered))
    def parse_value(value: str) -> Any:
        return convert(value)

    parse_value.__doc__ = doc
    parse_value.allowed = allowed  # type: ignore[attr-defined]
    return parse_value


def one_of_templates(templates: Iterable[str], doc: str) -> Any:
    """Like ``one_of``, for values with a field of their own: ``the name "{name}" is taken``
    matches ``the name "ada" is taken``. A quoted field takes any words, a bare one one word."""
    allowed = list(templates)

    def pattern(template: str) -> str:
        out = ""
        for literal, field in re.findall(r"([^{]*)(\{\w+\})?", template):
            out += re.escape(literal)
            if field:
                out += '[^"]+' if literal.endswith('"') else r"\w+"
        return out

    ordered = sorted(allowed, key=len, reverse=True)

    @with_pattern("|".join(pattern(template) for template in ordered))
    def parse_value(value: str) -> str:
        return value

    parse_value.__doc__ = doc
    parse_value.allowed = allowed  # type: ignore[attr-defined]
    return parse_value


@with_pattern(r'[^"]*')
def text(value: str) -> str:
    """Any words, between double quotes (they end at the next double quote)."""
    return value


@with_pattern(r'none|"[^"]*"(?:, "[^"]*")*|[^"]+')
def names(value: str) -> list[str]:
    """A list: ``none``, or names in quotes separated by commas (``"a", "b"``)."""
    if value.strip() == "none":
        return []
    return [part.strip().strip('"') for part in value.split(",") if part.strip().strip('"')]


@with_pattern(r'"[^"]*"|\{.*\}|\[.*\]|-?\d[\d.eE+-]*|true|false|null')
def json_value(value: str) -> Any:
    """A value written as JSON: "blue", 42, 2.5, {"a": [1]}, [1, 2], true, false or null."""
    return json.loads(value)


_JSON_TOKEN = r'"(?:[^"\\]|\\.)*"|\[.*\]|\{.*\}|-?\d[\d.eE+-]*|-?Infinity|NaN|true|false|null'


@with_pattern(_JSON_TOKEN + "|" + "|".join(re.escape(name) for name in NAMED))
def any_input(value: str) -> Any:
    if value in NAMED:
        return NAMED[value]
    return json.loads(value)


any_input.__doc__ = (
    "Anything a caller could pass: a JSON value (NaN and Infinity included), or one of the "
    "kinds JSON cannot write: " + "; ".join(NAMED) + "."
)


kind = one_of(["processes", "threads"], "How agents run side by side.")


SECONDS_PER_UNIT = {
    "millisecond": 0.001,
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
}


@with_pattern(r"\d+(?:\.\d+)? (?:millisecond|second|minute|hour)s?")
def duration(value: str) -> float:
    """A number and a unit: 300 milliseconds, 30 seconds, 1.5 minutes, 1 hour."""
    amount, unit = value.split(" ")
    return float(amount) * SECONDS_PER_UNIT[unit.removesuffix("s")]


@with_pattern(r"\d+ facts?")
def facts(value: str) -> int:
    """A whole number of facts: 1 fact, 3 facts."""
    return int(value.split(" ")[0])


@with_pattern(r"\d+(?:\.\d+)*")
def version(value: str) -> tuple[int, ...]:
    """A version number: 14, 3.35, 6.2."""
    return tuple(int(part) for part in value.split("."))


refusal_reason = one_of_templates(
    (refusal.reason for refusal in REFUSALS),
    "Why a request is refused; a quoted {field} takes the value the scenario names.",
)


# Why a backup move was refused, as readers say it -> the error class it stands for.
BACKUP_REFUSALS = {
    "the backup is damaged": errors.BackupCorrupt,
    "the backup holds more than agentstore's records": errors.BackupCorrupt,
    "the backup is too new": errors.BackupTooNew,
    "the target holds data": errors.TargetNotEmpty,
    "the server connection was lost": errors.BackendUnavailable,
    "the client programs are too old": errors.ToolsMismatch,
    "the backup would hold nothing of the store": errors.BackupError,
}


backup_move = one_of(["backup", "restore", "export", "import"], "One of the four backup moves.")
backup_refusal = one_of(BACKUP_REFUSALS, "Why a backup move is refused.", BACKUP_REFUSALS.get)

# A backup file as a row names it -> how it is made from an honest backup ("the backup": as is).
BACKUP_FILES: dict[str, Callable[[Path], Path]] = {
    "the backup": lambda path: path,
    "the backup cut short": backup_faults.truncated,
    "a PNG image": backup_faults.png,
    "an empty file": backup_faults.empty,
    "the backup from a newer format": lambda p: backup_faults.with_manifest(p, format_version=2),
    "the backup from a newer schema revision": lambda p: backup_faults.with_manifest(
        p, schema_revision="9999"
    ),
    "the backup naming a table that would run a shell command": backup_hostile.with_shell_table,
    "the backup listing no tables": lambda p: backup_faults.with_manifest(p, tables={}),
}
backup_file = one_of(
    BACKUP_FILES,
    "The file given to the restore: the backup as it was written, or a damaged or hostile one.",
    BACKUP_FILES.get,
)


TYPES = {
    "Text": text,
    "Names": names,
    "Json": json_value,
    "Input": any_input,
    "Kind": kind,
    "Duration": duration,
    "Facts": facts,
    "Version": version,
    "RefusalReason": refusal_reason,
    "BackupMove": backup_move,
    "BackupRefusal": backup_refusal,
    "BackupFile": backup_file,
}


def phrase(text: str, **types: Any) -> Any:
    """A step's phrase read with the project's parameter types, plus ``types`` of its own."""
    return parsers.parse(text, {**TYPES, **types})
