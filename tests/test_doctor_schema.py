"""``doctor`` says how far a SQL schema is migrated and tells a lone Redis from a cluster."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from agentstore import doctor, errors
from agentstore.cli import main
from agentstore.migrations import runner
from harness.isolation.places import Isolation


def test_doctor_reports_postgres_schema_at_head(isolation: Isolation) -> None:
    report = doctor.check_postgres(isolation("postgres").url)
    assert report.details == f"schema at {runner.head()} (head)"
    assert f"(schema at {runner.head()} (head))" in str(report)


def test_doctor_says_a_postgres_database_is_not_migrated(isolation: Isolation) -> None:
    url = isolation.new("postgres", migrated=False).url
    report = doctor.check_postgres(url)
    assert report.details.startswith("not migrated: run agentstore migrate up --url postgresql")


def test_doctor_reports_sqlite_schema_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "agents.db"
    url = f"sqlite:///{path}"
    path.touch()
    assert (
        doctor.check_sqlite(str(path)).details
        == f"not migrated: run agentstore migrate up --url {url}"
    )
    assert main(["migrate", "up", "--url", url, "--to", "0005"]) == 0
    assert doctor.check_sqlite(url).details == (
        f"schema at 0005, head is {runner.head()}: run agentstore migrate up --url {url}"
    )
    assert main(["migrate", "up", "--url", url]) == 0
    capsys.readouterr()
    assert main(["doctor", "--sqlite", str(path)]) == 0
    assert f"(schema at {runner.head()} (head))" in capsys.readouterr().out


def test_doctor_tells_a_lone_redis_node_from_a_cluster(isolation: Isolation) -> None:
    node = urlsplit(isolation("redis").url).netloc  # the shared Redis: no cluster
    with pytest.raises(errors.BackendUnavailable) as raised:
        doctor.check_redis(f"redis+cluster://{node}")
    assert str(raised.value).endswith(
        f"{node} is a lone Redis node, not a cluster: use redis://{node}/0"
    )
