"""The plugins inner sessions leave out exist under those names (``-p no:<typo>`` is silent)."""

from __future__ import annotations

from importlib.metadata import entry_points

from spec_project import UNUSED_PLUGINS


def test_every_plugin_inner_sessions_leave_out_is_an_installed_plugin() -> None:
    installed = {point.name for point in entry_points(group="pytest11")}
    left_out = {word.removeprefix("no:") for word in UNUSED_PLUGINS.split() if word != "-p"}
    assert left_out and left_out <= installed, sorted(left_out - installed)
