"""Loads the fuzz tests' hypothesis profile (see `profiles`) before their modules are read."""

from tests.fuzz import profiles  # noqa: F401
