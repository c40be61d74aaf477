"""The conformance suite: scenario, schema and model-based tests run against --target."""

from __future__ import annotations

import pkgutil

NOT_SCENARIOS = ("test_schema", "test_model")
"""The long phases: Schemathesis's fuzzing and the Hypothesis model."""
SCENARIO_MODULES = tuple(
    f"{__name__}.{module.name}"
    for module in pkgutil.iter_modules(__path__)
    if module.name.startswith("test_") and module.name not in NOT_SCENARIOS
)
"""The suite's scenario tests, by module: every behaviour but the long fuzzing and model phases
(the opt-in ``--stress`` test among them, skipped without it)."""
