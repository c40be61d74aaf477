"""The scheduler and the store at scale, and the kept GET answer: correctness, not speed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract import lifecycle
from conformance.lifecycle import Status
from daprhttp.bodies import encode, workflow_state
from daprhttp.errors import DaprError
from daprhttp.kept_states import KeptStates
from daprhttp.view import InstanceView
from mockserver.clock import ManualClock, TimerHeap
from mockserver.engine import Engine

LIFECYCLE = lifecycle()

START_US = 1_700_000_000_000_000


def render(view: InstanceView) -> bytes:
    return encode(workflow_state(view))


def kept_get(engine: Engine, kept: KeptStates, instance_id: str) -> bytes:
    """A GET answer as daprhttp's dispatcher makes it: the kept body while the revision holds."""
    revision = engine.revision(instance_id)
    body = kept.kept(instance_id, revision)
    if body is None:
        body = kept.keep(instance_id, revision, render(engine.get(instance_id)), engine.revision)
    return body


@pytest.fixture
def engine() -> Engine:
    return Engine(lifecycle=LIFECYCLE, clock=ManualClock(start_us=START_US))


def test_ten_thousand_heap_entries_come_out_in_due_then_arrival_order() -> None:
    heap: TimerHeap[tuple[int, int]] = TimerHeap()
    rng = random.Random(6)
    entries = [(rng.randrange(500), arrival) for arrival in range(10_000)]
    for due_us, arrival in entries:
        heap.push(due_us, (due_us, arrival))
    assert heap.pop_due(-1) is None
    popped = []
    while (item := heap.pop_due(1_000)) is not None:
        popped.append(item)
    assert popped == sorted(entries)


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.integers(min_value=0, max_value=40), max_size=60),
    after=st.lists(st.integers(min_value=0, max_value=40), max_size=30),
    sorted_at=st.integers(min_value=-1, max_value=40),
    pops=st.integers(min_value=0, max_value=90),
)
def test_sorting_the_due_entries_keeps_the_heap_order(
    before: list[int], after: list[int], sorted_at: int, pops: int
) -> None:
    """Entries moved to the sorted run and entries pushed later come out as from a plain heap."""
    heap: TimerHeap[int] = TimerHeap()
    plain: TimerHeap[int] = TimerHeap()
    for arrival, due_us in enumerate(before):
        heap.push(due_us, arrival)
        plain.push(due_us, arrival)
    heap.sort_due(sorted_at)
    taken = [heap.pop_due(20) for _ in range(pops // 3)]
    assert taken == [plain.pop_due(20) for _ in range(pops // 3)]
    for arrival, due_us in enumerate(after, start=len(before)):
        assert heap.push(due_us, arrival) == plain.push(due_us, arrival)
    assert len(heap) == len(plain)
    assert heap.next_due_us() == plain.next_due_us()
    assert [heap.pop_due(40) for _ in range(pops)] == [plain.pop_due(40) for _ in range(pops)]
    assert heap.next_due_us() == plain.next_due_us()


def test_ten_thousand_timers_fire_in_due_order_on_the_manual_clock(engine: Engine) -> None:
    seconds = [1 + n % 20 for n in range(10_000)]
    random.Random(7).shuffle(seconds)
    for n, timer in enumerate(seconds):
        engine.start("TimerWorkflow", f"t{n}", str(timer))
    for now in range(1, 21):
        assert engine.advance(1) == 500
        completed = {
            view.instance_id
            for view in engine.instances()
            if view.runtime_status is Status.COMPLETED
        }
        assert completed == {f"t{n}" for n, timer in enumerate(seconds) if timer <= now}


def test_ten_thousand_stored_instances_answer_get_list_and_purge(engine: Engine) -> None:
    bodies = KeptStates()
    ids = [f"i{n}" for n in range(10_000)]
    for instance_id in ids:
        engine.start("EventWorkflow", instance_id, f'{{"n":"{instance_id}"}}')
    for instance_id in ids:
        view = engine.get(instance_id)
        assert (view.instance_id, view.runtime_status) == (instance_id, Status.RUNNING)
        assert view.properties["dapr.workflow.input"] == f'{{"n":"{instance_id}"}}'
        assert kept_get(engine, bodies, instance_id) == render(view)
    assert sorted(view.instance_id for view in engine.instances()) == sorted(ids)
    gone, kept = ids[::2], ids[1::2]
    for instance_id in gone:
        engine.terminate(instance_id)
        engine.purge(instance_id)
    for instance_id in gone:
        with pytest.raises(DaprError) as error:
            kept_get(engine, bodies, instance_id)
        assert error.value.code == "ERR_INSTANCE_ID_NOT_FOUND"
    for instance_id in kept:
        assert kept_get(engine, bodies, instance_id) == render(engine.get(instance_id))
    assert sorted(view.instance_id for view in engine.instances()) == sorted(kept)


_IDS = ("a", "b", "a-child", "b-child")
_STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("start"),
            st.sampled_from(_IDS[:2]),
            st.sampled_from(["EchoWorkflow", "EventWorkflow", "TimerWorkflow", "ParentWorkflow"]),
        ),
        st.tuples(
            st.sampled_from(["pause", "resume", "terminate", "purge", "go", "get"]),
            st.sampled_from(_IDS),
            st.just(""),
        ),
        st.tuples(st.just("advance"), st.just(""), st.just("")),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(steps=_STEPS)
def test_a_kept_get_answer_is_always_what_a_fresh_one_would_be(
    steps: list[tuple[str, str, str]],
) -> None:
    engine = Engine(lifecycle=LIFECYCLE, clock=ManualClock(start_us=START_US))
    bodies = KeptStates()
    for action, instance_id, workflow in steps:
        try:
            if action == "start":
                engine.start(workflow, instance_id, "1")
            elif action == "go":
                engine.raise_event(instance_id, "go", '"out"')
            elif action == "advance":
                engine.advance(0.6)
            elif action != "get":
                getattr(engine, action)(instance_id)
        except DaprError:
            pass
        for each in _IDS:
            try:
                fresh = render(engine.get(each))
            except DaprError as error:
                with pytest.raises(DaprError) as kept_error:
                    kept_get(engine, bodies, each)
                assert kept_error.value.body() == error.body()
            else:
                assert kept_get(engine, bodies, each) == fresh
