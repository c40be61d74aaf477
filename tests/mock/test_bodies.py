"""Bodies written by the fast paths are byte for byte what the generic encoders write."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.lifecycle import Status
from daprhttp.bodies import compact_json, encode, start_body, state_body, workflow_state
from daprhttp.view import InstanceView

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["<", ">", "&", '"', "\\", "\n", "\x00", "\u2028", "\udcff", "\ud800"]),
    ),
    max_size=12,
)
_PROPERTY_KEYS = st.sampled_from(
    [
        "dapr.workflow.input",
        "dapr.workflow.custom_status",
        "dapr.workflow.output",
        "dapr.workflow.failure.error_type",
        "dapr.workflow.failure.error_message",
    ]
)
_MICROS = st.one_of(st.none(), st.integers(min_value=0, max_value=4_102_444_800_000_000))


@settings(max_examples=300, deadline=None)
@given(
    instance_id=_TEXT,
    workflow_name=st.one_of(st.none(), _TEXT),
    created=_MICROS,
    updated=st.integers(min_value=0, max_value=4_102_444_800_000_000),
    status=st.sampled_from([s for s in Status if s is not Status.ABSENT]),
    properties=st.dictionaries(st.one_of(_PROPERTY_KEYS, _TEXT), _TEXT),
)
def test_the_direct_get_body_is_the_generic_encoding(
    instance_id: str,
    workflow_name: str | None,
    created: int | None,
    updated: int,
    status: Status,
    properties: dict[str, str],
) -> None:
    view = InstanceView(
        instance_id=instance_id,
        workflow_name=workflow_name,
        created_at_us=created,
        last_updated_at_us=updated,
        runtime_status=status,
        properties=properties,
        parent_instance_id=None,
        waiting_for=None,
        buffered_events={},
    )
    assert state_body(view) == encode(workflow_state(view))


_JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        _TEXT,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON_VALUES)
def test_compact_json_is_json_dumps_with_compact_separators(value: Any) -> None:
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=300, deadline=None)
@given(instance_id=_TEXT)
def test_the_direct_start_body_is_the_generic_encoding(instance_id: str) -> None:
    assert start_body(instance_id) == encode({"instanceID": instance_id})
