"""A pytest plugin for the suite run in a subprocess: keep only the tests of some behaviours.

``-p tests.broken.selecting --only-behaviours ID,ID`` deselects every collected test that is
not tagged (``@pytest.mark.behaviour``) with at least one of the given behaviour IDs.
"""

from __future__ import annotations

import pytest

from conformance.plugin import behaviour_ids


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--only-behaviours",
        dest="only_behaviours",
        default="",
        metavar="IDS",
        help="comma-separated behaviour IDs: run only the tests tagged with one of them",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {i for i in str(config.getoption("only_behaviours")).split(",") if i}
    if not wanted:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if wanted & set(behaviour_ids(item)) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
