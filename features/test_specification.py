"""Binds every feature file under features/ to pytest: a new .feature needs no Python."""

from pytest_bdd import scenarios

scenarios(".")
