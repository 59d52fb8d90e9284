"""Checks every backend applies before touching storage, so bad input changes nothing.

Keys are ``<namespace>/<path>``; values are what JSON holds *exactly* (a value that would
come back different, such as a tuple, a set or NaN, is refused); TTLs are finite seconds > 0.
Values are kept as the JSON text of exactly what the agent stored (its key order, ints as
ints, floats as floats); ``canonical`` gives the form ``compare_and_set`` compares (sorted
object keys), so two values are equal when their canonical texts are.
"""

from __future__ import annotations

import decimal
import json
import math
import numbers
import re
import reprlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from agentstore.errors import InvalidInput, InvalidKey, InvalidTTL, InvalidValue

MAX_KEY_LENGTH = 512
#: How deep lists and objects may nest in a stored value, a job payload or an event.
MAX_DEPTH = 64
MAX_PARTITION_LENGTH = 200
#: The SQL backends keep the prefix in a column this wide.
MAX_PREFIX_LENGTH = 200
#: A century: far beyond any agent's memory, and well inside every backend's range.
MAX_TTL = 100 * 365 * 24 * 3600.0
#: Integers an atomic increment can hold on every backend (a signed 64-bit counter).
INT64 = range(-(2**63), 2**63)

# C0 controls, DEL and C1 controls: invisible, and NUL is refused by PostgreSQL text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SCALARS = frozenset((str, int, float, bool, type(None)))
_NESTING = (list, tuple, dict)
# One encoder for every call: json.dumps with options would build a new one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def check_namespace(namespace: object) -> str:
    """A namespace is a non-empty name without ``/`` or control characters."""
    if (
        not isinstance(namespace, str)
        or not namespace
        or "/" in namespace
        or _CONTROL.search(namespace)
        or len(namespace) >= MAX_KEY_LENGTH
        or not encodable(namespace)
    ):
        raise InvalidKey(f"invalid namespace {namespace!r}: a non-empty name without '/'")
    return namespace


def check_prefix(prefix: object) -> str:
    """A store's prefix: text of at most 200 characters, without control characters.

    Redis joins prefix and key with a control character (see ``redis_scripts``), so a prefix
    without one can never make a store's keys look like another store's.
    """
    if (
        not isinstance(prefix, str)
        or len(prefix) > MAX_PREFIX_LENGTH
        or _CONTROL.search(prefix)
        or not encodable(prefix)
    ):
        raise InvalidInput(
            f"a prefix is text of at most {MAX_PREFIX_LENGTH} characters without control"
            f" characters, got {reprlib.repr(prefix)}"
        )
    return prefix


def check_key(key: object, namespace: str) -> str:
    """Return ``key`` if it is a valid key inside ``namespace``, else raise ``InvalidKey``."""
    # The common case in one C-speed test; anything else gets the precise message below.
    if type(key) is str and _good_key(namespace).match(key) and (key.isascii() or encodable(key)):
        return key
    if not isinstance(key, str):
        raise InvalidKey(f"a key is a string, not {type(key).__name__}")
    if not key:
        raise InvalidKey("a key cannot be empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"a key has at most {MAX_KEY_LENGTH} characters, got {len(key)}")
    if not key.startswith(namespace + "/") or len(key) == len(namespace) + 1:
        raise InvalidKey(f"key {key!r} is outside the namespace {namespace!r}/")
    if _CONTROL.search(key):
        raise InvalidKey(f"key {key!r} holds NUL or control characters")
    if not encodable(key):
        raise InvalidKey(f"key {key!r} is not valid Unicode (lone surrogate)")
    return key


@lru_cache(maxsize=64)
def _good_key(namespace: str) -> re.Pattern[str]:
    path = MAX_KEY_LENGTH - len(namespace) - 1
    return re.compile(re.escape(namespace) + r"/[^\x00-\x1f\x7f-\x9f]{1," + str(path) + r"}\Z")


def check_partition(partition: object) -> str:
    """A partition is a non-empty name (at most 200 characters) without control characters."""
    if (
        not isinstance(partition, str)
        or not partition
        or len(partition) > MAX_PARTITION_LENGTH
        or _CONTROL.search(partition)
        or not encodable(partition)
    ):
        raise InvalidInput(f"invalid partition {partition!r}")
    return partition


def check_store(
    key: object, value: Any, ttl: object, partition: object, namespace: str
) -> tuple[str, int, float | None]:
    """Everything ``store`` takes, checked in one order on every backend (key, value, TTL,
    partition): the canonical JSON text, its size in bytes, and the TTL as a float."""
    check_key(key, namespace)
    text, size = encode_sized(value)
    seconds = None if ttl is None else check_ttl(ttl)
    if partition != "default":
        check_partition(partition)
    return text, size, seconds


def unique_keys(keys: Iterable[object], namespace: str) -> list[str]:
    """The checked keys, each once, in first-seen order (for ``retrieve_many``)."""
    return list(dict.fromkeys(check_key(key, namespace) for key in keys))


def can_match(pattern: object, what: str) -> bool:
    """Whether a search pattern or list prefix can match any key; the same on every backend.

    Not text, or text no encoding can send (a lone surrogate): ``InvalidInput``. Holding a
    control character: ``False``, since no key holds one (and SQL LIKE and PostgreSQL would
    each treat NUL their own way), so the caller answers "nothing" without asking storage.
    """
    if not isinstance(pattern, str):
        raise InvalidInput(f"a {what} is a string, not {type(pattern).__name__}")
    if not encodable(pattern):
        raise InvalidInput(f"{what} {pattern!r} is not valid Unicode (lone surrogate)")
    return _CONTROL.search(pattern) is None


def check_ttl(ttl: object) -> float | None:
    """``None`` (no expiry) or a finite number of seconds above zero, else ``InvalidTTL``.

    Any real number will do: ``int``, ``float``, ``fractions.Fraction``, ``decimal.Decimal``,
    NumPy's scalars (every ``numbers.Real``). A ``bool`` is refused: ``True`` is no duration.
    """
    if ttl is None:
        return None
    kind = type(ttl)
    if kind is not float and kind is not int:
        if isinstance(ttl, bool) or not isinstance(ttl, numbers.Real | decimal.Decimal):
            raise InvalidTTL(f"a TTL is a number of seconds, not {kind.__name__}")
        try:
            ttl = float(ttl)
        except (ValueError, OverflowError, ArithmeticError):
            raise InvalidTTL(f"a TTL must be a finite number of seconds, got {ttl!r}") from None
    assert isinstance(ttl, int | float)
    if not math.isfinite(ttl) or ttl <= 0:
        raise InvalidTTL(f"a TTL must be a finite number of seconds above zero, got {ttl!r}")
    if ttl > MAX_TTL:
        raise InvalidTTL(f"a TTL can be at most {MAX_TTL:.0f} seconds, got {ttl!r}")
    return float(ttl)


def check_increment(by: object) -> int:
    """The step of an increment: an integer (not a bool) inside the 64-bit range."""
    if type(by) is not int or by not in INT64:
        raise InvalidValue(f"an increment is a 64-bit integer, got {by!r}")
    return by


def refused_increment(key: str, by: int, current: Any) -> InvalidValue:
    """Why adding ``by`` to ``key`` (holding ``current``) was refused, worded alike everywhere."""
    if type(current) is int and current in INT64:
        return InvalidValue(f"adding {by} to {key!r} would overflow a 64-bit integer")
    return InvalidValue(
        f"{key!r} holds {reprlib.repr(current)}, not a 64-bit integer an increment can add to"
    )


def canonical(value: Any) -> str:
    """The form ``compare_and_set`` compares: sorted object keys, ints and floats kept apart
    (``1`` and ``1.0`` differ, as do ``true`` and ``1``); ``InvalidValue`` as for ``encode``."""
    text = encode(value)
    if "{" not in text:
        return text
    return _CANONICAL.encode(json.loads(text))


def encode(value: Any) -> str:
    """The canonical JSON text of ``value``, or ``InvalidValue`` if JSON cannot hold it exactly."""
    return encode_sized(value)[0]


def encode_sized(value: Any) -> tuple[str, int]:
    """The canonical JSON text of ``value`` and its size in UTF-8 bytes."""
    kind = type(value)
    if kind not in _SCALARS and not _flat(value, kind):
        check_depth(value)  # before json, whose encoder and decoder recurse
    try:
        text = _ENCODER.encode(value)
        size = len(text.encode())
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        _check_value(value, depth=0)  # names the part JSON cannot hold
        raise InvalidValue(f"JSON cannot hold {value!r} exactly") from None
    # json quietly turns tuples into lists and number keys into text: only a value that
    # comes back equal is held exactly. Scalars always do (NaN/inf were refused above).
    if kind not in _SCALARS and not _flat(value, kind) and json.loads(text) != value:
        _check_value(value, depth=0)
        raise InvalidValue(f"JSON cannot hold {value!r} exactly")
    return text, size


def _flat(value: Any, kind: type) -> bool:
    """A list of scalars, or an object of text keys to scalars: held exactly, checked fast."""
    if kind is dict:
        for name, item in value.items():
            if type(name) is not str or type(item) not in _SCALARS:
                return False
        return True
    if kind is list:
        return all(type(item) in _SCALARS for item in value)
    return False


def decode(text: str) -> Any:
    """The value a stored JSON text holds."""
    return json.loads(text)


def encodable(text: str) -> bool:
    """Whether UTF-8 (every backend's encoding) can spell ``text``: no lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_value(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidValue(f"a value nests deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise InvalidValue(f"JSON cannot hold {value!r}")
    elif kind is str:
        if not encodable(value):
            raise InvalidValue(f"string {value!r} is not valid Unicode (lone surrogate)")
    elif kind is list:
        for item in value:
            _check_value(item, depth + 1)
    elif kind is dict:
        for name, item in value.items():
            if type(name) is not str:
                raise InvalidValue(f"JSON object keys are strings, not {type(name).__name__}")
            if not encodable(name):
                raise InvalidValue(f"object key {name!r} is not valid Unicode")
            _check_value(item, depth + 1)
    elif kind not in _SCALARS:
        # tuples would come back as lists, sets/bytes/objects not at all: refuse them all.
        raise InvalidValue(f"JSON cannot hold a {kind.__name__} exactly")


def check_depth(value: Any, what: str = "a value") -> None:
    """``InvalidValue`` if ``value`` nests lists or objects deeper than ``MAX_DEPTH``.

    An explicit stack, not recursion: a value 100,000 levels deep (or one holding itself)
    is refused in one line instead of crashing the check.
    """
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, _NESTING) else []
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidValue(f"{what} nests deeper than {MAX_DEPTH} levels")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, _NESTING))
