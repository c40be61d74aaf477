"""profiles.yaml: both profiles are complete, and every exemption names real behaviours."""

from __future__ import annotations

import fnmatch

import pytest

from conformance.contract import behaviours
from conformance.profiles import KNOBS, ProfileError, parse_profile, profile, profiles


def test_there_are_the_dapr_and_docs_profiles_with_every_knob_set() -> None:
    assert set(profiles()) == {"dapr", "docs"}
    for each in profiles().values():
        assert set(each.knobs) == set(KNOBS)
        assert each.description


def test_the_dapr_profile_is_strictest_everywhere_and_checks_every_behaviour() -> None:
    dapr = profile("dapr")
    assert all(dapr.is_strict(knob) for knob in KNOBS)
    assert not [i for i in behaviours() if dapr.why_not_checked(i)]


def test_the_docs_profile_is_lenient_where_the_document_is_silent() -> None:
    docs = profile("docs")
    assert docs.knob("errors") == "any-error"
    assert docs.knob("command_body") == "empty-or-empty-object"
    assert docs.knob("workflow_name") == "optional"
    assert not docs.exact_errors and not docs.reads_properties
    assert docs.why_not_checked("lifecycle.pause.RUNNING") is None
    assert docs.why_not_checked("lifecycle.pause.ABSENT") is None
    assert "length" in str(docs.why_not_checked("start.id-too-long.400"))


@pytest.mark.parametrize("name", sorted(profiles()))
def test_every_exemption_pattern_matches_a_catalogue_behaviour(name: str) -> None:
    for exemption in profile(name).not_checked:
        for pattern in exemption.patterns:
            assert fnmatch.filter(behaviours(), pattern), f"{name}: {pattern} matches nothing"


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ProfileError, match=r"unknown profile 'strict'.*\['dapr', 'docs'\]"):
        profile("strict")


def test_a_profile_with_a_bad_knob_value_is_refused() -> None:
    raw = {knob: allowed[0] for knob, allowed in KNOBS.items()} | {"errors": "lenient"}
    with pytest.raises(ProfileError, match="knob 'errors' is 'lenient'"):
        parse_profile("x", raw)


def test_a_profile_with_an_unknown_key_is_refused() -> None:
    raw = {knob: allowed[0] for knob, allowed in KNOBS.items()} | {"colour": "red"}
    with pytest.raises(ProfileError, match="unknown keys"):
        parse_profile("x", raw)
