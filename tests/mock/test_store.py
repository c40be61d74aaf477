"""The SQLite store: records round-trip, every operation is committed before it returns, and an
engine rebuilt from the file carries on where the old one stopped."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.contract import lifecycle
from conformance.lifecycle import Operation, Status
from daprhttp.view import InstanceView
from mockserver import cli
from mockserver.app import create_app
from mockserver.clock import ManualClock
from mockserver.engine import Engine
from mockserver.instance import Failure, Instance, Waiting
from mockserver.orchestrator import TaskResult
from mockserver.scheduler import Due
from mockserver.store import (
    SqliteStore,
    StoreError,
    decode_due,
    decode_instance,
    encode_due,
    encode_instance,
)
from tests.mock.support import MockFactory

LIFECYCLE = lifecycle()

START_US = 1_700_000_000_000_000


class Mock:
    """An engine on a store file that can be stopped and started again."""

    def __init__(self, path: Path, *, transition_delay: float = 0.0) -> None:
        self.path = path
        self.transition_delay = transition_delay
        self.store: SqliteStore | None = None
        self.engine = self.restart()

    def restart(self, *, clock_skip: float = 0.0) -> Engine:
        """Close the store (if open) and rebuild the engine from the file alone."""
        self.stop()
        self.store = SqliteStore(self.path)
        snapshot = self.store.load()
        clock = ManualClock(START_US if snapshot.now_us is None else snapshot.now_us)
        clock.advance(clock_skip)
        self.engine = Engine(
            lifecycle=LIFECYCLE,
            clock=clock,
            transition_delay=self.transition_delay,
            store=self.store,
        )
        self.engine.restore(snapshot)
        return self.engine

    def stop(self) -> None:
        if self.store is not None:
            self.store.close()

    def views(self) -> list[InstanceView]:
        return sorted(self.engine.instances(), key=lambda view: view.instance_id)


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[Mock]:
    running = Mock(tmp_path / "mock.db")
    yield running
    running.stop()


def status(engine: Engine, instance_id: str) -> Status:
    return next(
        (view.runtime_status for view in engine.instances() if view.instance_id == instance_id),
        Status.ABSENT,
    )


def test_an_instance_record_round_trips_with_every_field_set() -> None:
    instance = Instance(
        instance_id="ǅ-1",
        workflow_name="EventWorkflow",
        execution=7,
        status=Status.SUSPENDED,
        input='{"n":1}',
        last_updated_us=START_US + 5,
        created_us=START_US,
        ready=True,
        begun=True,
        custom_status='"waiting"',
        output=None,
        failure=Failure("TaskFailedError", "boom \udcff"),
        history=[TaskResult("event", at_us=START_US + 1, payload="é"), TaskResult("timer", 3)],
        waiting=Waiting(
            "child",
            2,
            child_id="ǅ-1-child",
            child_execution=8,
            result=TaskResult("child", at_us=START_US + 4, failure="it failed"),
        ),
        events={"go": deque(["1", "2"]), "\udcfe": deque([""])},
        parent=("p", 3),
        children=[("ǅ-1-child", 8), ("other", 9)],
    )
    assert decode_instance(encode_instance(instance)) == instance
    assert encode_instance(instance).isascii()


def test_a_record_keeps_no_cache_and_reads_fields_it_lacks_or_no_longer_knows() -> None:
    instance = Instance("a", "EchoWorkflow", 1, Status.RUNNING, None, START_US, custom_status="1")
    record = json.loads(encode_instance(instance))
    assert "rendered" not in record
    del record["custom_status"]
    record["a_field_from_another_version"] = 1
    restored = decode_instance(json.dumps(record))
    assert restored.custom_status is None
    assert restored.last_updated_us == START_US


def test_a_scheduled_command_record_round_trips() -> None:
    due = Due("command", "a", 3, operation=Operation.RAISE_EVENT, event_name="go", payload="1")
    assert decode_due(encode_due(due)) == due


def test_every_answered_operation_is_in_the_file_without_a_further_call(mock: Mock) -> None:
    mock.engine.start("EventWorkflow", "a", '"in"')
    mock.engine.raise_event("a", "later", '"x"')
    mock.engine.pause("a")
    restarted = mock.restart()
    (view,) = restarted.instances()
    assert view.runtime_status is Status.SUSPENDED
    assert view.buffered_events == {"later": 1}
    assert view.properties["dapr.workflow.input"] == '"in"'


def test_a_rebuilt_engine_shows_every_instance_exactly_as_before(mock: Mock) -> None:
    engine = mock.engine
    engine.start("EchoWorkflow", "echo", '"hi"')
    engine.start("FailWorkflow", "fail", '"why"')
    engine.start("EventWorkflow", "waits", "1")
    engine.raise_event("waits", "other", '"buffered"')
    engine.start("EventWorkflow", "paused", "2")
    engine.pause("paused")
    engine.raise_event("paused", "go", '"held"')
    engine.start("EventWorkflow", "stopped", "3")
    engine.terminate("stopped")
    engine.start("EchoWorkflow", "gone", "4")
    engine.purge("gone")
    engine.start("TimerWorkflow", "timer", "30")
    engine.start("ParentWorkflow", "parent", '"for the child"')
    engine.start("ContinueAsNewWorkflow", "again", "3")
    before = mock.views()
    assert [view.instance_id for view in before] == [
        "again",
        "echo",
        "fail",
        "parent",
        "parent-child",
        "paused",
        "stopped",
        "timer",
        "waits",
    ]
    mock.restart()
    assert mock.views() == before


def test_waiting_workflows_carry_on_after_a_restart(mock: Mock) -> None:
    mock.engine.start("EventWorkflow", "waits", "1")
    mock.engine.start("ParentWorkflow", "parent", "2")
    mock.engine.start("EventWorkflow", "paused", "3")
    mock.engine.pause("paused")
    mock.engine.raise_event("paused", "go", '"held"')
    engine = mock.restart()
    engine.raise_event("waits", "go", '"after"')
    engine.raise_event("parent-child", "go", '"child done"')
    engine.resume("paused")
    outputs = {
        view.instance_id: view.properties.get("dapr.workflow.output") for view in mock.views()
    }
    assert outputs == {
        "waits": '"after"',
        "parent": '"child done"',
        "parent-child": '"child done"',
        "paused": '"held"',
    }


def test_a_child_that_ended_while_its_parent_was_paused_completes_the_parent_after_a_restart(
    mock: Mock,
) -> None:
    mock.engine.start("ParentWorkflow", "parent", "1")
    mock.engine.pause("parent")
    mock.engine.raise_event("parent-child", "go", '"from the child"')
    assert status(mock.engine, "parent-child") is Status.COMPLETED
    engine = mock.restart()
    engine.resume("parent")
    assert status(engine, "parent") is Status.COMPLETED
    (parent,) = [view for view in mock.views() if view.instance_id == "parent"]
    assert parent.properties["dapr.workflow.output"] == '"from the child"'


def test_a_timer_keeps_its_due_time_and_fires_when_the_restored_clock_reaches_it(
    mock: Mock,
) -> None:
    mock.engine.start("TimerWorkflow", "timer", "30")
    mock.engine.advance(10)
    (waiting,) = [view.waiting_for for view in mock.views()]
    engine = mock.restart()
    assert [view.waiting_for for view in mock.views()] == [waiting]
    engine.advance(19)
    assert status(engine, "timer") is Status.RUNNING
    engine.advance(1)
    assert status(engine, "timer") is Status.COMPLETED


def test_a_timer_due_while_the_mock_was_down_fires_on_start_up(mock: Mock) -> None:
    mock.engine.start("TimerWorkflow", "timer", "30")
    engine = mock.restart(clock_skip=60)
    assert engine.run_due() == 1
    assert status(engine, "timer") is Status.COMPLETED


def test_the_manual_clock_reading_survives_a_restart(mock: Mock) -> None:
    mock.engine.advance(42.5)
    now = mock.engine.clock.now_us()
    assert mock.restart().clock.now_us() == now == START_US + 42_500_000


def test_a_command_acknowledged_but_not_yet_in_effect_takes_effect_after_a_restart(
    tmp_path: Path,
) -> None:
    mock = Mock(tmp_path / "delayed.db", transition_delay=5)
    try:
        mock.engine.start("EventWorkflow", "a", "1")
        mock.engine.terminate("a")
        assert status(mock.engine, "a") is Status.RUNNING
        engine = mock.restart()
        engine.advance(5)
        assert status(engine, "a") is Status.TERMINATED
    finally:
        mock.stop()


def test_work_that_ran_is_removed_from_the_file(mock: Mock) -> None:
    mock.engine.start("TimerWorkflow", "timer", "30")
    mock.engine.advance(30)
    assert mock.store is not None
    assert mock.store.load().dues == []


def test_reset_empties_the_file(mock: Mock) -> None:
    mock.engine.start("TimerWorkflow", "timer", "30")
    mock.engine.reset()
    mock.restart()
    assert mock.views() == []
    assert mock.store is not None and mock.store.load().dues == []


def test_a_new_execution_never_reuses_a_number_from_before_the_restart(mock: Mock) -> None:
    mock.engine.start("EchoWorkflow", "a", "1")
    mock.engine.start("EchoWorkflow", "b", "1")
    mock.engine.purge("b")
    mock.restart().start("EchoWorkflow", "c", "1")
    assert mock.store is not None
    executions = sorted(instance.execution for instance in mock.store.load().instances)
    assert executions == [1, 3]


def test_a_second_mock_cannot_open_a_store_in_use(mock: Mock) -> None:
    with pytest.raises(StoreError, match="locked"):
        SqliteStore(mock.path)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_text("not a database at all, " * 100)
    with pytest.raises(StoreError, match="not a database"):
        SqliteStore(path)


def test_a_store_from_a_newer_mock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(StoreError, match="format 99"):
        SqliteStore(path)


def test_the_file_is_in_wal_mode_and_passes_an_integrity_check_once_closed(mock: Mock) -> None:
    mock.engine.start("EventWorkflow", "a", "1")
    mock.stop()
    db = sqlite3.connect(mock.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()


async def test_the_app_with_a_store_serves_the_same_instances_after_a_restart(
    make_mock: MockFactory, tmp_path: Path
) -> None:
    path = tmp_path / "app.db"
    first = await make_mock(clock="manual", store=path)
    assert (await first.start("EventWorkflow", "a", body='"in"')).status == 202
    assert (await first.start("TimerWorkflow", "t", body="30")).status == 202
    await first.advance(10)
    before = await first.call("GET", "/_mock/instances")
    clock = await first.call("GET", "/_mock/clock")
    await first.client.close()

    second = await make_mock(clock="manual", store=path)
    assert await second.call("GET", "/_mock/instances") == before
    assert await second.call("GET", "/_mock/clock") == clock
    assert (await second.raise_event("a", "go", '"after"')).status == 202
    await second.advance(20)
    assert await second.status("a") == "COMPLETED"
    assert await second.status("t") == "COMPLETED"
    assert (await second.properties("a"))["dapr.workflow.output"] == '"after"'


def test_the_cli_says_in_one_line_why_it_cannot_use_the_store(
    mock: Mock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # main() installs a filter on aiohttp's logger; it must not outlive this test.
    monkeypatch.setattr(logging.getLogger("aiohttp.server"), "filters", [])
    assert cli.main(["--port", "0", "--store", str(mock.path)]) == 1
    assert capsys.readouterr().err == (
        f"dapr-workflow-mock: cannot use {str(mock.path)!r} as the mock's store: "
        "database is locked\n"
    )


def test_a_refused_option_leaves_the_store_file_unlocked(tmp_path: Path) -> None:
    path = tmp_path / "mock.sqlite"
    with pytest.raises(ValueError) as refused:
        create_app(store=path, max_body_size=-1)
    # The refusal (and its traceback) is still alive: a store opened before it would hold the lock.
    assert refused.value is not None
    other = SqliteStore(path)
    try:
        other.load()
    finally:
        other.close()
