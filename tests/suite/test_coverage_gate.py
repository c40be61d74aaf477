"""The coverage gate: every catalogue behaviour has a suite test, and every tag is real."""

from __future__ import annotations

import pytest

from conformance.contract import behaviours
from conformance.plugin import behaviour_ids

pytest_plugins = ["pytester"]


_COLLECTED: dict[str, tuple[str, ...]] = {}


@pytest.fixture
def tags(pytester: pytest.Pytester) -> dict[str, tuple[str, ...]]:
    """The behaviour tags of every collected suite test, by node ID (collected once)."""
    if not _COLLECTED:
        pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
        items, _ = pytester.inline_genitems(
            "--pyargs", "conformance.suite", "--target", "http://127.0.0.1:9"
        )
        _COLLECTED.update({item.nodeid: behaviour_ids(item) for item in items})
    return _COLLECTED


def test_every_catalogue_behaviour_is_tagged_by_at_least_one_suite_test(
    tags: dict[str, tuple[str, ...]],
) -> None:
    tagged = {i for ids in tags.values() for i in ids}
    untested = sorted(set(behaviours()) - tagged)
    assert not untested, f"behaviours with no suite test: {untested}"


def test_every_tag_is_a_catalogue_behaviour(tags: dict[str, tuple[str, ...]]) -> None:
    unknown = {n: i for n, ids in tags.items() for i in ids if i not in behaviours()}
    assert not unknown


def test_every_scenario_test_is_tagged(tags: dict[str, tuple[str, ...]]) -> None:
    scenario = {
        n: ids for n, ids in tags.items() if "test_schema" not in n and "test_model" not in n
    }
    assert scenario and all(scenario.values()), [n for n, ids in scenario.items() if not ids]


def test_every_lifecycle_behaviour_has_its_own_test(tags: dict[str, tuple[str, ...]]) -> None:
    lifecycle_ids = {i for i in behaviours() if i.startswith("lifecycle.")}
    own = {ids[0] for ids in tags.values() if len(ids) == 1 and ids[0] in lifecycle_ids}
    assert own == lifecycle_ids
