"""daprd's path and query handling, as pure functions (docs/daprd-http.md §2.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.lifecycle import Operation
from daprhttp.routing import (
    ROUTES,
    BadEscape,
    clean_path,
    go_text,
    match,
    parse_query,
    scan_query,
    scan_routes,
)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (b"/a/b/", b"/a/b"),
        (b"//a//b", b"/a/b"),
        (b"/a/./b/../c", b"/a/c"),
        (b"/../a", b"/a"),
        (b"/", b"/"),
    ],
)
def test_paths_are_cleaned_as_gos_path_clean(raw: bytes, cleaned: bytes) -> None:
    assert clean_path(raw) == cleaned


@pytest.mark.parametrize(
    ("raw", "instance_id"),
    [
        ("a%2Fb", "a/b"),
        ("a+b", "a b"),
        ("a%2Bb", "a+b"),
        ("a%20b", "a b"),
        ("a%2541", "aA"),
        ("a%2520", "a "),
        ("%e5%ae%9e", "实"),
        ("a!b", "a!b"),
    ],
)
def test_a_path_parameter_is_decoded_once_or_twice_as_chi_and_daprd_do(
    raw: str, instance_id: str
) -> None:
    found = match("GET", f"/v1.0/workflows/dapr/{raw}")
    assert found is not None
    assert found.params["instanceID"] == instance_id


@pytest.mark.parametrize("raw", ["a%zz", "a%", "a%2", "a%25zz"])
def test_a_bad_escape_is_reported(raw: str) -> None:
    with pytest.raises(BadEscape, match="invalid URL escape"):
        match("GET", f"/v1.0/workflows/dapr/{raw}")


def test_routes_need_the_right_method_and_shape() -> None:
    assert match("POST", "/v1.0/workflows/dapr/x/start") is not None
    assert match("GET", "/v1.0/workflows/dapr/x/start") is None
    assert match("POST", "/v1.0/workflows/dapr/x/raiseEvent/e/extra") is None
    found = match("POST", "/v1.0-alpha1/workflows/c/i/raiseEvent/e%2Fv")
    assert found is not None
    assert found.target is Operation.RAISE_EVENT
    assert found.params == {"workflowComponent": "c", "instanceID": "i", "eventName": "e/v"}


def test_a_static_name_in_the_id_position_is_an_id() -> None:
    found = match("GET", "/v1.0/workflows/dapr/terminate")
    assert found is not None and found.params["instanceID"] == "terminate"


def test_the_query_is_parsed_as_gos_parse_query() -> None:
    assert parse_query("instanceID=a+b&x=%zz&instanceID=c") == {"instanceID": "a b"}
    assert parse_query("instanceID=%zz&instanceID=ok") == {"instanceID": "ok"}
    assert parse_query("instanceID=a;b&y=1") == {"y": "1"}
    assert parse_query("&&instanceID") == {"instanceID": ""}


def test_bytes_that_are_not_utf8_are_kept_and_written_as_replacement_characters() -> None:
    found = match("GET", "/v1.0/workflows/dapr/a%FFb")
    assert found is not None
    assert len(found.params["instanceID"].encode("utf-8", "surrogateescape")) == 3
    assert go_text(found.params["instanceID"]) == "a\ufffdb"
    assert go_text("\ud800x") == "\ufffdx"


_SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "v1.0",
            "v1.0-beta1",
            "v1.0-alpha1",
            "workflows",
            "dapr",
            "start",
            "pause",
            "resume",
            "terminate",
            "purge",
            "raiseEvent",
            "metadata",
            "healthz",
            "",
            ".",
            "..",
            ".x",
        ]
    ),
    st.text(alphabet="abcAZ09-_.~$&+,:;=@%2F!é", max_size=6),
)


@st.composite
def _route_shaped(draw: st.DrawFn) -> list[str]:
    """A daprd route's segments with drawn parameters, some literals swapped for others."""
    route = draw(st.sampled_from(ROUTES))
    return [
        draw(_SEGMENTS if segment.startswith("{") or draw(st.booleans()) else st.just(segment))
        for segment in route.segments
    ]


@settings(max_examples=500, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    segments=st.one_of(_route_shaped(), st.lists(_SEGMENTS, max_size=7)),
    trailing_slash=st.booleans(),
)
def test_the_fast_path_routes_every_path_as_the_general_rules_do(
    method: str, segments: list[str], trailing_slash: bool
) -> None:
    raw = "/" + "/".join(segments) + ("/" if trailing_slash else "")
    try:
        expected = scan_routes(method, raw)
    except BadEscape:
        with pytest.raises(BadEscape):
            match(method, raw)
        return
    assert match(method, raw) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab=&;%2F+é", max_size=12))
def test_the_query_fast_path_parses_as_the_general_rules_do(raw_query: str) -> None:
    assert parse_query(raw_query) == scan_query(raw_query)
