"""Key, value and TTL validation, and the glob translations, without any backend."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import agentstore
from agentstore import errors
from agentstore.memory import patterns, validation

NS = "aqe"


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "key",
    ["aqe/x", "aqe/a/b/c", "aqe/100%_[x]\\y", "aqe/ünïcödé 漢字", "aqe/" + "k" * 508],
)
def test_good_keys_pass(key: str) -> None:
    assert validation.check_key(key, NS) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "aqe",
        "aqe/",
        "other/x",
        "aqex/y",
        "/aqe/x",
        "aqe/" + "k" * 509,
        "aqe/a\x00b",
        "aqe/a\nb",
        "aqe/a\tb",
        "aqe/a\x7fb",
        "aqe/a\x85b",
        "aqe/\ud800",
        42,
        None,
        b"aqe/x",
    ],
)
def test_bad_keys_raise_invalid_key(key: object) -> None:
    with pytest.raises(errors.InvalidKey):
        validation.check_key(key, NS)


@pytest.mark.parametrize("namespace", ["", "a/b", "a\x00", 7])
def test_bad_namespaces_are_refused(namespace: object) -> None:
    with pytest.raises(errors.InvalidKey):
        validation.check_namespace(namespace)


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        [1, [2, float("nan")]],
        {"a": {"b": float("inf")}},
        b"bytes",
        bytearray(b"x"),
        {1, 2},
        frozenset(),
        (1, 2),
        object(),
        {1: "a"},
        {None: "a"},
        {("a",): 1},
        "\ud800",
        {"\udc00": 1},
        _nested(100_000),
    ],
)
def test_values_json_cannot_hold_exactly_raise_invalid_value(value: object) -> None:
    with pytest.raises(errors.InvalidValue):
        validation.encode(value)


@pytest.mark.parametrize(
    "ttl", [0, 0.0, -1, -0.5, float("nan"), float("inf"), True, "10", [1], 1e12]
)
def test_bad_ttls_raise_invalid_ttl(ttl: object) -> None:
    with pytest.raises(errors.InvalidTTL):
        validation.check_ttl(ttl)


@pytest.mark.parametrize("ttl", [None, 1, 0.001, 1e-6, 3600, 86400.5])
def test_good_ttls_pass(ttl: float | None) -> None:
    assert validation.check_ttl(ttl) == ttl


@pytest.mark.parametrize("by", [True, 1.0, "1", 2**63, -(2**63) - 1])
def test_bad_increments_raise_invalid_value(by: object) -> None:
    with pytest.raises(errors.InvalidValue):
        validation.check_increment(by)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_values_round_trip_exactly(value: object) -> None:
    text = validation.encode(value)
    back = validation.decode(text)
    assert back == value
    assert json.dumps(back, sort_keys=True) == json.dumps(value, sort_keys=True)
    assert validation.encode(back) == text  # canonical: equal values, equal text


def test_canonical_text_ignores_object_key_order() -> None:
    one, other = {"b": 1, "a": [1.5, "é"]}, {"a": [1.5, "é"], "b": 1}
    assert validation.canonical(one) == validation.canonical(other)
    assert validation.encode(one) != validation.encode(other)  # what is stored keeps its order
    assert validation.encode({"a": [1.5, "é"]}) == '{"a":[1.5,"é"]}'


def test_ints_and_floats_and_bools_stay_apart() -> None:
    assert len({validation.encode(1), validation.encode(1.0), validation.encode(True)}) == 3


# -- patterns -----------------------------------------------------------------------------


def like_to_regex(like: str) -> re.Pattern[str]:
    """A reference LIKE matcher (``%``, ``_``, escape ``\\``) to check the translation against."""
    out, chars = [], iter(like)
    for c in chars:
        if c == patterns.LIKE_ESCAPE:
            out.append(re.escape(next(chars)))
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def redis_to_regex(glob: str) -> re.Pattern[str]:
    """A reference Redis glob matcher for the subset the translation emits."""
    out, chars = [], iter(glob)
    for c in chars:
        if c == "\\":
            out.append(re.escape(next(chars)))
        elif c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        else:
            assert c not in "[]", "unescaped bracket in a Redis pattern"
            out.append(re.escape(c))
    return re.compile("".join(out) + r"\Z", re.DOTALL)


ALPHABET = "ab%_[]\\*?^!-é"


@given(st.text(ALPHABET, max_size=6), st.text(ALPHABET, max_size=6))
def test_translations_match_exactly_what_the_glob_matches(pattern: str, key: str) -> None:
    expected = patterns.glob_to_regex(pattern).match(key) is not None
    assert (like_to_regex(patterns.glob_to_like(pattern)).match(key) is not None) == expected
    assert (redis_to_regex(patterns.glob_to_redis(pattern)).match(key) is not None) == expected
    if expected:
        assert redis_to_regex(patterns.redis_prefilter(pattern)).match(key)


@pytest.mark.parametrize(
    ("glob", "like", "redis"),
    [
        ("aqe/*", "aqe/%", "aqe/*"),
        ("a?c", "a_c", "a?c"),
        ("100%", "100\\%", "100%"),
        ("a_b", "a\\_b", "a_b"),
        ("[x]", "[x]", "\\[x\\]"),
        ("a\\b", "a\\\\b", "a\\\\b"),
    ],
)
def test_translation_examples(glob: str, like: str, redis: str) -> None:
    assert patterns.glob_to_like(glob) == like
    assert patterns.glob_to_redis(glob) == redis


def test_like_prefix_is_literal() -> None:
    assert patterns.prefix_to_like("aqe/50%_") == "aqe/50\\%\\_%"


@pytest.mark.parametrize(
    ("prefix", "scoped"),
    [
        ("", "aqe/"),
        ("a", "aqe/"),
        ("aqe/", "aqe/"),
        ("aqe/x", "aqe/x"),
        ("b", None),
        ("aqex", None),
    ],
)
def test_list_prefix_is_scoped_to_the_namespace(prefix: str, scoped: str | None) -> None:
    assert patterns.scoped_prefix(NS, prefix) == scoped


def test_public_api_exports_the_memory() -> None:
    for name in ("open_memory", "MemoryStore", "MemoryStats"):
        assert name in agentstore.__all__
        assert getattr(agentstore, name) is not None


def test_unknown_url_scheme_is_refused_before_connecting() -> None:
    with pytest.raises(errors.InvalidURL):
        agentstore.open_memory("mysql://nobody@localhost/db")


@pytest.mark.parametrize(
    "url",
    [
        "redis://:s3cret@127.0.0.1:1/0",
        "postgresql+psycopg://user:s3cret@127.0.0.1:1/db",
    ],
)
def test_unreachable_backend_names_the_url_without_its_password(url: str) -> None:
    with pytest.raises(errors.BackendUnavailable) as raised:
        agentstore.open_memory(url)
    assert "s3cret" not in str(raised.value) and "127.0.0.1:1" in str(raised.value)


def test_sqlite_without_the_schema_asks_for_a_migration(tmp_path) -> None:
    (tmp_path / "empty.db").touch()
    with pytest.raises(errors.SchemaNotMigrated, match="agentstore migrate up"):
        agentstore.open_memory(f"sqlite:///{tmp_path / 'empty.db'}")


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path) -> None:
    missing = tmp_path / "typo.db"
    with pytest.raises(errors.BackendUnavailable, match="does not exist"):
        agentstore.open_memory(f"sqlite:///{missing}")
    assert not missing.exists()


def test_finite_checks_are_math_isfinite() -> None:
    assert not math.isfinite(float("nan"))


@pytest.mark.parametrize("pattern", ["", "aqe/*", "aqe/?x", "ünï*"])
def test_ordinary_patterns_can_match(pattern: str) -> None:
    assert validation.can_match(pattern, "search pattern")


@pytest.mark.parametrize("pattern", ["aqe/\x00", "*\x1f*", "a\nb", "\x85"])
def test_patterns_with_control_characters_match_nothing(pattern: str) -> None:
    assert not validation.can_match(pattern, "search pattern")


@pytest.mark.parametrize("pattern", ["aqe/\ud800", 7, None, b"aqe/*"])
def test_patterns_that_are_not_valid_text_are_invalid_input(pattern: object) -> None:
    with pytest.raises(errors.InvalidInput, match="search pattern"):
        validation.can_match(pattern, "search pattern")


@pytest.mark.parametrize("prefix", ["", "run:1:", "ünï/"])
def test_good_prefixes_pass(prefix: str) -> None:
    assert validation.check_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["a\x00", "a\x1f", "\x7f", "\ud800", "p" * 201, 3, None])
def test_bad_prefixes_are_invalid_input(prefix: object) -> None:
    with pytest.raises(errors.InvalidInput, match="prefix"):
        validation.check_prefix(prefix)


@pytest.mark.parametrize(
    ("key", "value", "ttl", "partition", "error"),
    [
        ("bad", float("nan"), -1, "\x00", errors.InvalidKey),
        ("aqe/k", float("nan"), -1, "\x00", errors.InvalidValue),
        ("aqe/k", 1, -1, "\x00", errors.InvalidTTL),
        ("aqe/k", 1, 1, "\x00", errors.InvalidInput),
    ],
)
def test_store_arguments_are_checked_key_value_ttl_partition(
    key: str, value: object, ttl: float, partition: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        validation.check_store(key, value, ttl, partition, NS)
    assert type(raised.value) is error


def test_store_arguments_come_back_encoded() -> None:
    assert validation.check_store("aqe/k", {"é": 1}, 2, "p", NS) == ('{"é":1}', 8, 2.0)
    assert validation.check_store("aqe/k", None, None, "default", NS) == ("null", 4, None)


def test_retrieve_many_keys_are_checked_and_kept_once_in_order() -> None:
    assert validation.unique_keys(["aqe/b", "aqe/a", "aqe/b"], NS) == ["aqe/b", "aqe/a"]
    with pytest.raises(errors.InvalidKey):
        validation.unique_keys(["aqe/a", "x"], NS)


@pytest.mark.parametrize(
    ("current", "words"),
    [(2**63 - 1, "would overflow"), (2**63, "not a 64-bit integer"), ("7", "not a 64-bit")],
)
def test_a_refused_increment_says_why(current: object, words: str) -> None:
    assert words in str(validation.refused_increment("aqe/c", 1, current))
