"""The public API is exactly what agentstore/__init__.py lists in __all__."""

import types

import agentstore


def test_every_exported_name_exists():
    missing = [name for name in agentstore.__all__ if not hasattr(agentstore, name)]
    assert not missing


def test_nothing_public_is_left_out_of_all():
    public = {
        name
        for name, value in vars(agentstore).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(agentstore.__all__)


def test_the_design_contract_names_are_exported():
    assert {"Database", "errors"} <= set(agentstore.__all__)


def test_pools_can_be_configured_from_the_public_api_alone():
    from agentstore import PoolSettings, SqliteSettings

    assert {"PoolSettings", "SqliteSettings"} <= set(agentstore.__all__)
    assert PoolSettings(pool_size=3).pool_size == 3
    assert SqliteSettings().busy_timeout_ms > 0
