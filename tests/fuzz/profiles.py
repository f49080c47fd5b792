"""Hypothesis profiles for the fuzz tests.

`ci` (the default, in the normal suite): derandomized, so every run tries the same inputs,
no deadline (the machine is shared), no example database written into the repository.
`long`: twenty times the examples, a fresh random seed each run:

    HYPOTHESIS_PROFILE=long PYTHONPATH=. .venv/bin/python -m pytest tests/fuzz -m "not llm"
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
}
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("long", derandomize=False, **_COMMON)
settings.load_profile(PROFILE)
SCALE = 20 if PROFILE == "long" else 1


def examples(ci: int) -> int:
    """How many examples a test tries: `ci` in the normal suite, twenty times that when long."""
    return ci * SCALE
