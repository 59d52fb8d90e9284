"""Parameter types shared by every step library, defined once."""

from __future__ import annotations

import json
import re
from typing import Any

from parse import with_pattern

from agentstore import errors
from support.memory.bad_inputs import NAMED


@with_pattern(r'[^"]*')
def text(value: str) -> str:
    """The words between a pair of double quotes, never running past the closing quote."""
    return value


@with_pattern(r'none|"[^"]*"(?:, "[^"]*")*|[^"]+')
def names(value: str) -> list[str]:
    """A list in Gherkin: ``none``, ``"a", "b"`` or ``a, b`` -> ["a", "b"]."""
    if value.strip() == "none":
        return []
    return [part.strip().strip('"') for part in value.split(",") if part.strip().strip('"')]


@with_pattern(r'"[^"]*"|\{.*\}|\[.*\]|-?\d[\d.eE+-]*|true|false|null')
def json_value(value: str) -> Any:
    """A value written as JSON in Gherkin: "blue", 42, 2.5, {"a": [1]}, true, null."""
    return json.loads(value)


_JSON_TOKEN = r'"(?:[^"\\]|\\.)*"|\[.*\]|\{.*\}|-?\d[\d.eE+-]*|-?Infinity|NaN|true|false|null'


@with_pattern(_JSON_TOKEN + "|" + "|".join(re.escape(name) for name in NAMED))
def any_input(value: str) -> Any:
    if value in NAMED:
        return NAMED[value]
    return json.loads(value)


any_input.__doc__ = (
    "Anything a caller could pass: JSON (NaN and Infinity included), or a kind JSON cannot "
    "write: " + "; ".join(NAMED) + "."
)


@with_pattern(r"processes|threads")
def kind(value: str) -> str:
    """How agents run side by side: ``processes`` or ``threads`` (nothing else matches)."""
    return value


SECONDS_PER_UNIT = {
    "millisecond": 0.001,
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
}


@with_pattern(r"\d+(?:\.\d+)? (?:millisecond|second|minute|hour)s?")
def duration(value: str) -> float:
    """A span of time as readers write it (300 milliseconds, 30 seconds, 1 hour) -> seconds."""
    amount, unit = value.split(" ")
    return float(amount) * SECONDS_PER_UNIT[unit.removesuffix("s")]


@with_pattern(r"\d+ facts?")
def facts(value: str) -> int:
    """A number of facts, singular or plural: ``1 fact``, ``3 facts`` -> 1, 3."""
    return int(value.split(" ")[0])


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


@with_pattern(r"backup|restore|export|import")
def backup_move(value: str) -> str:
    """One of the four backup moves: backup, restore, export, import."""
    return value


@with_pattern("|".join(re.escape(reason) for reason in BACKUP_REFUSALS))
def backup_refusal(value: str) -> type[errors.AgentstoreError]:
    """Why a backup move is refused (``the backup is damaged``...) -> its error class."""
    return BACKUP_REFUSALS[value]


TYPES = {
    "Text": text,
    "Names": names,
    "Json": json_value,
    "Input": any_input,
    "Kind": kind,
    "Duration": duration,
    "Facts": facts,
    "BackupMove": backup_move,
    "BackupRefusal": backup_refusal,
}
