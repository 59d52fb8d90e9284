"""``redis+cluster://`` URLs: the cluster backend, its nodes, its login, its refusals."""

import pytest

from agentstore.errors import InvalidURL
from agentstore.urls import backend_of, cluster_address, expect, label, redact


def test_the_cluster_schemes_name_the_cluster_backend():
    assert backend_of("redis+cluster://h:7000") == "redis_cluster"
    assert backend_of("rediss+cluster://h:7000") == "redis_cluster"
    assert label("redis_cluster") == "Redis Cluster"


def test_every_node_is_read_with_its_port_and_the_default_port():
    address = cluster_address("redis+cluster://a:7000,b,[::1]:7002/0")
    assert address.nodes == (("a", 7000), ("b", 6379), ("::1", 7002))
    assert (address.username, address.password, address.ssl) == (None, None, False)


def test_the_login_and_tls_are_read_and_the_password_is_hidden():
    url = "rediss+cluster://app:s%40cret@a:7000,b:7001"
    address = cluster_address(url)
    assert (address.username, address.password, address.ssl) == ("app", "s@cret", True)
    assert redact(url) == "rediss+cluster://app:***@a:7000,b:7001"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+cluster://:pw@a:7000/3", "only database 0"),
        ("redis+cluster://:pw@", "names no node"),
        ("redis+cluster://:pw@a:70x0", "not a host:port"),
        ("redis+cluster://:pw@a:99999", "not a host:port"),
        ("redis+cluster://:pw@:7000", "not a host:port"),
    ],
)
def test_a_bad_cluster_url_is_refused_in_one_line_without_the_password(url, says):
    with pytest.raises(InvalidURL, match=says) as caught:
        cluster_address(url)
    assert "pw" not in str(caught.value)


def test_a_cluster_url_is_not_a_single_redis_url():
    with pytest.raises(InvalidURL, match="expected a Redis URL, got a Redis Cluster URL"):
        expect("redis+cluster://a:7000", "redis")
