"""The work queue on every backend: claims, tokens, retries, dead letters, delays, priorities.

Each test runs against the real servers through ``isolation`` (its own database, file or
key prefix); a backend that is not available is skipped with the reason, never faked.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from agentstore import Job, errors, open_queue
from agentstore.coordination import Queue
from harness.isolation.places import Isolated, Isolation

BACKENDS = ["postgres", "sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, isolation: Isolation) -> Isolated:
    return isolation(request.param)


@pytest.fixture
def queue(place: Isolated, isolation: Isolation) -> Queue:
    return isolation.closing(open_queue(place.url, "work", prefix=place.prefix, backoff=0))


def snapshot(queue: Queue) -> tuple[dict[str, int], list[Job]]:
    """What a caller can see of a queue: its counts per state and its dead letters."""
    return queue.stats(), queue.dead_letters()


def test_a_payload_comes_back_exactly_as_enqueued(queue: Queue) -> None:
    payload = {"z": 1, "a": [1.5, "two", None, True], "nested": {"k": -(2**62)}}
    job_id = queue.enqueue(payload)
    job = queue.claim("ada")
    assert job is not None
    assert (job.id, job.payload, job.attempts, job.queue) == (job_id, payload, 1, "work")
    assert list(job.payload) == ["z", "a", "nested"]
    queue.complete(job, {"ok": True})
    assert queue.stats() == {"ready": 0, "delayed": 0, "running": 0, "done": 1, "dead": 0}
    assert queue.claim("ada") is None


def test_higher_priority_first_then_in_the_order_they_came(queue: Queue) -> None:
    for name, priority in [("low1", 0), ("high", 5), ("low2", 0), ("mid", 2), ("low3", 0)]:
        queue.enqueue(name, priority=priority)
    order = [queue.claim("ada").payload for _ in range(5)]
    assert order == ["high", "mid", "low1", "low2", "low3"]


def test_a_delayed_job_waits_for_its_time(queue: Queue) -> None:
    queue.enqueue("later", run_at=2.0)
    queue.enqueue("past", run_at=datetime.now(UTC) - timedelta(hours=1))
    assert queue.stats()["delayed"] == 1
    assert queue.claim("ada").payload == "past"
    assert queue.claim("ada") is None
    assert wait_for_claim(queue).payload == "later"


def wait_for_claim(queue: Queue, timeout: float = 20.0) -> Job:
    """The next job once one is claimable (polling; a loaded machine may be slow)."""
    deadline = time.monotonic() + timeout
    while (job := queue.claim("ada")) is None:
        assert time.monotonic() < deadline, f"nothing claimable within {timeout} s"
        time.sleep(0.05)
    return job


def test_a_lapsed_claim_is_taken_over_and_the_first_worker_is_refused(queue: Queue) -> None:
    queue.enqueue("task")
    first = queue.claim("ada", lease=0.2)
    time.sleep(0.35)
    second = queue.claim("bob", lease=30)
    assert second is not None and second.id == first.id
    assert second.token != first.token and second.attempts == 2
    before = snapshot(queue)
    for refused in (
        lambda: queue.complete(first),
        lambda: queue.fail(first, "late"),
        lambda: queue.extend(first, 10),
    ):
        with pytest.raises(errors.LeaseLost, match="another claim took it over"):
            refused()
    assert snapshot(queue) == before
    queue.complete(second)
    assert queue.stats()["done"] == 1


def test_an_extended_claim_is_not_taken_over(queue: Queue) -> None:
    queue.enqueue("task")
    job = queue.claim("ada", lease=2)
    for _ in range(3):
        time.sleep(0.5)
        queue.extend(job, 2)
    assert queue.claim("bob") is None
    queue.complete(job)


def test_failures_are_retried_then_dead_lettered_with_the_last_error(queue: Queue) -> None:
    job_id = queue.enqueue({"n": 1}, max_attempts=3)
    for attempt in range(1, 4):
        job = queue.claim("ada")
        assert (job.id, job.attempts) == (job_id, attempt)
        queue.fail(job, RuntimeError(f"boom {attempt}"))
    assert queue.claim("ada") is None
    (dead,) = queue.dead_letters()
    assert (dead.id, dead.payload, dead.attempts) == (job_id, {"n": 1}, 3)
    assert dead.error == "RuntimeError: boom 3"
    queue.requeue(job_id)
    assert queue.dead_letters() == []
    again = queue.claim("ada")
    assert (again.id, again.attempts) == (job_id, 1)


def test_a_retry_waits_for_its_backoff(place: Isolated, isolation: Isolation) -> None:
    queue = isolation.closing(open_queue(place.url, "slow", prefix=place.prefix, backoff=2))
    queue.enqueue("x")
    queue.fail(queue.claim("ada"), "boom")
    assert queue.claim("ada") is None
    assert queue.stats()["delayed"] == 1
    assert wait_for_claim(queue).attempts == 2


def test_a_job_whose_lease_lapsed_on_its_last_attempt_is_dead(queue: Queue) -> None:
    queue.enqueue("poison", max_attempts=1)
    queue.claim("ada", lease=0.1)
    time.sleep(0.25)
    assert queue.claim("bob") is None
    (dead,) = queue.dead_letters()
    assert "lease lapsed" in dead.error and "ada" in dead.error


def test_finishing_twice_unknown_or_foreign_jobs_changes_nothing(
    queue: Queue, place: Isolated, isolation: Isolation
) -> None:
    other = isolation.closing(open_queue(place.url, "other", prefix=place.prefix))
    other.enqueue("theirs")
    theirs = other.claim("eve")
    queue.enqueue("a")
    queue.enqueue("b")
    done = queue.claim("ada")
    queue.complete(done)
    before, before_other = snapshot(queue), snapshot(other)
    ghost = Job("987654", "work", None, 1, "f" * 32, 3)
    cases = [
        (lambda: queue.complete(done), errors.LeaseLost, "already done"),
        (lambda: queue.fail(done, "x"), errors.LeaseLost, "already done"),
        (lambda: queue.complete(ghost), errors.UnknownJob, "holds no job"),
        (lambda: queue.complete(theirs), errors.UnknownJob, "belongs to queue 'other'"),
        (lambda: queue.fail(theirs, "x"), errors.UnknownJob, "belongs to queue 'other'"),
        (lambda: queue.requeue("987654"), errors.UnknownJob, "no dead letter"),
        (lambda: queue.requeue("not-an-id"), errors.UnknownJob, "no dead letter"),
        (
            lambda: queue.requeue("12\u00b2"),
            errors.UnknownJob,
            "no dead letter",
        ),  # a digit int() refuses
        (lambda: queue.requeue(done.id), errors.UnknownJob, "no dead letter"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind, match=message):
            call()
    assert snapshot(queue) == before and snapshot(other) == before_other


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda q: q.claim("ada", lease=0), errors.InvalidTTL),
        (lambda q: q.claim("ada", lease=-1), errors.InvalidTTL),
        (lambda q: q.claim("ada", lease=math.inf), errors.InvalidTTL),
        (lambda q: q.claim("ada", lease=math.nan), errors.InvalidTTL),
        (lambda q: q.claim("", lease=1), errors.InvalidName),
        (lambda q: q.enqueue({1, 2}), errors.InvalidValue),
        (lambda q: q.enqueue(math.nan), errors.InvalidValue),
        (lambda q: q.enqueue(b"bytes"), errors.InvalidValue),
        (lambda q: q.enqueue("x", max_attempts=0), errors.InvalidOption),
        (lambda q: q.enqueue("x", max_attempts=-3), errors.InvalidOption),
        (lambda q: q.enqueue("x", run_at=datetime(2030, 1, 1)), errors.InvalidOption),
        (lambda q: q.enqueue("x", priority=1.5), errors.InvalidOption),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(queue: Queue, call, kind) -> None:
    queue.enqueue("keep")
    held = queue.claim("ada")
    queue.enqueue("waiting")
    before = snapshot(queue)
    with pytest.raises(kind):
        call(queue)
    assert snapshot(queue) == before
    queue.complete(held)


@pytest.mark.parametrize("lease", [0, -5, math.inf])
def test_a_bad_extension_is_refused_and_the_claim_kept(queue: Queue, lease: float) -> None:
    queue.enqueue("x")
    job = queue.claim("ada")
    with pytest.raises(errors.InvalidTTL):
        queue.extend(job, lease)
    queue.complete(job)


@pytest.mark.parametrize("name", ["", "tab\there", "nul\x00", "x" * 201, 7])
def test_a_bad_queue_name_is_refused(place: Isolated, name: object) -> None:
    with pytest.raises(errors.InvalidName):
        open_queue(place.url, name, prefix=place.prefix)


def test_eight_threads_do_every_job_exactly_once(queue: Queue) -> None:
    for n in range(300):
        queue.enqueue({"n": n})
    done: Counter[int] = Counter()
    lock = threading.Lock()

    def work(worker: str) -> None:
        while (job := queue.claim(worker, lease=30)) is not None:
            with lock:
                done[job.payload["n"]] += 1
            queue.complete(job)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(done) == list(range(300))
    assert set(done.values()) == {1}
    assert queue.stats()["done"] == 300


def test_time_is_the_servers(queue: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker whose clock runs a day ahead still sees an unlapsed lease as held.
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86400)
    queue.enqueue("x")
    job = queue.claim("ada", lease=30)
    assert queue.claim("bob") is None
    queue.complete(job)


def test_sqlite_schema_missing_is_named(isolation: Isolation) -> None:
    empty = isolation.new("sqlite", migrated=False)
    sqlite3.connect(empty.url.removeprefix("sqlite:///")).close()  # an empty file
    with pytest.raises(errors.SchemaNotMigrated):
        open_queue(empty.url, "work")
