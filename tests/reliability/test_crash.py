"""Nothing acknowledged is lost: a mock with ``--store`` killed with SIGKILL under load, restarted
on the same file, still has everything it answered; SIGTERM lets an in-flight request finish.

The crash run: a subprocess mock gets a few hundred mixed operations (start, raiseEvent,
pause, resume, terminate, purge; fixed seed) on many instances at once, each instance's
operations one after another. After a seeded number of answers the mock is killed with SIGKILL
while other requests are on the wire. Per instance the lifecycle model
(:mod:`conformance.lifecycle`) turns the answers received into the set of statuses the
instance may be in; the one request without an answer may or may not have taken effect. After a
restart on the same file every instance must be in one of those statuses with its input, output
and custom status intact, and waiting workflows must carry on (a ``go`` completes them).

Over 400 lines on purpose: the crash run, its model of what each answer allows and the checks
that the run would notice a loss are one piece, and a test reads best beside them.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from conformance.contract import lifecycle
from conformance.launcher import Child, launch
from conformance.lifecycle import Operation, Status

SEEDS = (7, 11, 29)
INSTANCES = 60
OPERATIONS_PER_INSTANCE = (4, 9)
CONCURRENT_REQUESTS = 24
IN_FLIGHT_MS = 1500
"""How long the SIGTERM test's request stays inside the mock (the signal comes meanwhile)."""
TIMER_SECONDS = 0.5
"""Short enough to fire during the run or just after the restart (due during the outage)."""

WORKFLOWS = ("EventWorkflow", "EventWorkflow", "TimerWorkflow", "ParentWorkflow", "EchoWorkflow")
OPERATION_WEIGHTS = {
    Operation.START: 2,
    Operation.RAISE_EVENT: 3,
    Operation.PAUSE: 3,
    Operation.RESUME: 3,
    Operation.TERMINATE: 2,
    Operation.PURGE: 2,
}
MODEL = lifecycle()


def mock_command(store: Path) -> tuple[str, ...]:
    return (sys.executable, "-m", "mockserver", "--port", "0", "--store", str(store))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "mock.db"


@pytest.fixture
def servers() -> Iterator[list[Child]]:
    """Every mock process a test starts; all are stopped at the end."""
    started: list[Child] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=CONCURRENT_REQUESTS)
    async with aiohttp.ClientSession(connector=connector) as client:
        yield client


@dataclass
class Answer:
    operation: Operation
    http: int
    error: str | None


@dataclass
class Script:
    """One instance: the operations to send, in order, and what came back."""

    instance_id: str
    workflow: str
    input: str
    operations: list[tuple[Operation, str | None]]
    """Each operation with its event name (raiseEvent only)."""
    answers: list[Answer] = field(default_factory=list)
    unanswered: Operation | None = None
    """The operation sent when the mock died: it may or may not have taken effect."""
    payloads: set[str] = field(default_factory=set)
    """Every ``go`` payload sent (acknowledged or not)."""

    def statuses(self) -> frozenset[Status]:
        """Every status the instance may be in, given the answers (and the unanswered one)."""
        possible = frozenset({Status.ABSENT})
        for answer in self.answers:
            following = frozenset().union(
                *(self._after(status, answer) for status in possible),
            )
            assert following, (
                f"{self.instance_id}: {answer} is no answer the lifecycle allows in any of "
                f"{sorted(possible)} (answers so far: {self.answers})"
            )
            possible = following
        if self.unanswered is not None:
            maybe = self.unanswered
            possible |= frozenset().union(
                *(
                    self._may_become(outcome.status_after(status))
                    for status in possible
                    for outcome in MODEL.cell(status, maybe).accepted
                    if outcome.is_success
                )
            )
        return possible

    def _after(self, status: Status, answer: Answer) -> frozenset[Status]:
        cell = MODEL.cell(status, answer.operation)
        outcomes = cell.matches(answer.http, answer.error, conditional=True)
        return frozenset().union(*(self._may_become(o.status_after(status)) for o in outcomes))

    def _may_become(self, status: Status) -> frozenset[Status]:
        """The lifecycle's autonomous moves, less what this workflow cannot do by itself: only
        ParentWorkflow can fail, EventWorkflow completes only after a ``go``, and ParentWorkflow
        only after its child's (never sent during the load)."""
        impossible = set()
        if self.workflow != "ParentWorkflow":
            impossible.add(Status.FAILED)
        if self.workflow == "ParentWorkflow" or (
            self.workflow == "EventWorkflow" and not self.payloads
        ):
            impossible.add(Status.COMPLETED)
        reachable = MODEL.may_become(status)
        return reachable - (impossible - {status})


def make_scripts(rng: random.Random) -> list[Script]:
    operations = list(OPERATION_WEIGHTS)
    weights = list(OPERATION_WEIGHTS.values())
    scripts = []
    for number in range(INSTANCES):
        workflow = rng.choice(WORKFLOWS)
        if workflow == "TimerWorkflow":
            text = json.dumps(TIMER_SECONDS + number / 1000)
        else:
            text = json.dumps({"n": number})
        chosen = rng.choices(operations, weights, k=rng.randint(*OPERATIONS_PER_INSTANCE))
        steps: list[tuple[Operation, str | None]] = [(Operation.START, None)]
        steps += [
            (op, rng.choice(("go", "other")) if op is Operation.RAISE_EVENT else None)
            for op in chosen
        ]
        scripts.append(Script(f"crash-{number}", workflow, text, steps))
    return scripts


class Load:
    """Runs every script at once against one mock and kills it after ``kill_after`` answers."""

    def __init__(self, session: aiohttp.ClientSession, server: Child, kill_after: int) -> None:
        self.session = session
        self.server = server
        self.kill_after = kill_after
        self.answered = 0
        self.killed = False

    async def run(self, scripts: list[Script]) -> None:
        await asyncio.gather(*(self._run_one(script) for script in scripts))

    async def _run_one(self, script: Script) -> None:
        for number, (op, event) in enumerate(script.operations):
            if self.killed:
                return
            body = script.input if op is Operation.START else ""
            if event == "go":
                body = json.dumps(f"go-{script.instance_id}-{number}")
                script.payloads.add(body)
            try:
                http, error = await send(
                    self.session, self.server.url, op, script, event=event, body=body
                )
            except (aiohttp.ClientError, TimeoutError):
                assert self.killed, f"{op} on {script.instance_id} failed before the kill"
                script.unanswered = op
                return
            script.answers.append(Answer(op, http, error))
            self.answered += 1
            if self.answered == self.kill_after:
                self.killed = True
                self.server.process.send_signal(signal.SIGKILL)


async def send(
    session: aiohttp.ClientSession,
    url: str,
    op: Operation,
    script: Script,
    *,
    event: str | None = None,
    body: str = "",
) -> tuple[int, str | None]:
    """One operation; returns the HTTP status and the error code (None on success)."""
    base = f"{url}/v1.0/workflows/dapr"
    if op is Operation.START:
        target = f"{base}/{script.workflow}/start?instanceID={script.instance_id}"
    elif op is Operation.RAISE_EVENT:
        target = f"{base}/{script.instance_id}/raiseEvent/{event}"
    else:
        target = f"{base}/{script.instance_id}/{op.value}"
    async with session.post(target, data=body.encode()) as response:
        payload = await response.json(content_type=None) if await response.read() else None
        error = payload.get("errorCode") if isinstance(payload, dict) else None
        return response.status, error


async def get(session: aiohttp.ClientSession, url: str, instance_id: str) -> dict[str, Any]:
    """The GET body, or ``{"runtimeStatus": "ABSENT"}`` for daprd's not-found answer."""
    async with session.get(f"{url}/v1.0/workflows/dapr/{instance_id}") as response:
        body: dict[str, Any] = await response.json(content_type=None)
        if response.status == 200:
            return body
        outcome = MODEL.cell(Status.ABSENT, Operation.GET).match(
            response.status, body.get("errorCode")
        )
        assert outcome is not None, f"GET {instance_id}: {response.status} {body}"
        return {"runtimeStatus": Status.ABSENT.value}


def check_restored(script: Script, state: dict[str, Any]) -> list[str]:
    """Why the restored instance contradicts what the mock acknowledged (empty when fine)."""
    status = Status(state["runtimeStatus"])
    allowed = script.statuses()
    if status not in allowed:
        return [f"{script.instance_id} is {status}, allowed {sorted(allowed)}: {script.answers}"]
    if status is Status.ABSENT:
        return []
    problems = []
    properties = state.get("properties", {})
    if state.get("workflowName") != script.workflow:
        problems.append(f"{script.instance_id} runs {state.get('workflowName')}")
    if properties.get("dapr.workflow.input") != script.input:
        problems.append(f"{script.instance_id} lost its input: {properties}")
    output = properties.get("dapr.workflow.output")
    completed = status is Status.COMPLETED
    if completed and script.workflow == "EventWorkflow" and output not in script.payloads:
        problems.append(f"{script.instance_id} completed with {output}, not a go payload")
    if (
        completed
        and script.workflow == "EchoWorkflow"
        and json.loads(output) != json.loads(script.input)
    ):
        problems.append(f"{script.instance_id} echoed {output}")
    waiting = script.workflow == "EventWorkflow" and status in (Status.RUNNING, Status.SUSPENDED)
    if waiting and properties.get("dapr.workflow.custom_status") != "waiting":
        problems.append(f"{script.instance_id} lost its custom status: {properties}")
    return problems


async def carry_on(
    session: aiohttp.ClientSession, url: str, script: Script, status: Status
) -> list[str]:
    """Resume a paused instance (once for each pause it holds) and send ``go`` to what waits
    for it: it must complete."""
    if status not in (Status.RUNNING, Status.SUSPENDED) or script.workflow == "EchoWorkflow":
        return []
    for _ in range(len(script.answers) + 1):  # one resume per pause held while SUSPENDED
        if status is not Status.SUSPENDED:
            break
        assert await send(session, url, Operation.RESUME, script) == (202, None)
        status = Status((await get(session, url, script.instance_id))["runtimeStatus"])
    if script.workflow != "TimerWorkflow":
        waiter = Script(script.instance_id, script.workflow, script.input, [])
        if script.workflow == "ParentWorkflow":
            waiter.instance_id += "-child"
        child = await get(session, url, waiter.instance_id)
        if child["runtimeStatus"] == Status.RUNNING.value:
            answer = await send(
                session, url, Operation.RAISE_EVENT, waiter, event="go", body='"after"'
            )
            assert answer == (202, None)
    final = await eventually_ended(session, url, script.instance_id)
    if final != Status.COMPLETED.value:
        return [f"{script.instance_id} ({script.workflow}) ended {final} after the restart"]
    return []


async def eventually_ended(
    session: aiohttp.ClientSession, url: str, instance_id: str, deadline: float = 20.0
) -> str:
    """The instance's status once it is no longer RUNNING (timers fire on the real clock)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while True:
        status = str((await get(session, url, instance_id))["runtimeStatus"])
        if status != Status.RUNNING.value or loop.time() > give_up:
            return status
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("seed", SEEDS)
async def test_a_mock_killed_under_load_keeps_everything_it_acknowledged(
    seed: int, store: Path, servers: list[Child], session: aiohttp.ClientSession
) -> None:
    rng = random.Random(seed)
    scripts = make_scripts(rng)
    total = sum(len(script.operations) for script in scripts)
    kill_after = rng.randint(total // 4, total * 3 // 4)
    servers.append(launch(mock_command(store)))
    load = Load(session, servers[-1], kill_after)
    await load.run(scripts)
    assert load.killed, f"the run ended after {load.answered} answers, before the kill"
    assert servers[-1].process.wait(10) == -signal.SIGKILL

    servers.append(launch(mock_command(store)))
    url = servers[-1].url
    states = await asyncio.gather(*(get(session, url, script.instance_id) for script in scripts))
    problems = [
        problem
        for script, state in zip(scripts, states, strict=True)
        for problem in check_restored(script, state)
    ]
    assert problems == [], f"after {kill_after} of {total} answers:\n" + "\n".join(problems)
    carried = await asyncio.gather(
        *(
            carry_on(session, url, script, Status(state["runtimeStatus"]))
            for script, state in zip(scripts, states, strict=True)
        )
    )
    assert [problem for found in carried for problem in found] == []
    statuses = {Status(state["runtimeStatus"]) for state in states}
    assert len(statuses) >= 3, f"the run reached too few statuses to test much: {statuses}"


async def test_sigterm_lets_an_in_flight_request_finish_and_closes_the_store(
    store: Path, servers: list[Child], session: aiohttp.ClientSession
) -> None:
    servers.append(launch(mock_command(store)))
    server = servers[-1]
    # A latency fault holds the start inside the mock; its fired count says when it is there.
    rule = {"operation": "start", "latencyMs": IN_FLIGHT_MS, "times": 1}
    async with session.post(f"{server.url}/_mock/faults", json=rule) as response:
        assert response.status == 201
    script = Script("in-flight", "EventWorkflow", '"in flight"', [])
    started = asyncio.create_task(
        send(session, server.url, Operation.START, script, body=script.input)
    )
    await until_a_fault_fired(session, server.url)
    server.process.send_signal(signal.SIGTERM)
    assert await started == (202, None)
    assert server.process.wait(15) == 0, server.log()
    assert not Path(f"{store}-wal").exists(), "the store was not closed (its WAL is still there)"
    db = sqlite3.connect(store)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        db.close()
    servers.append(launch(mock_command(store)))
    state = await get(session, servers[-1].url, "in-flight")
    assert state["runtimeStatus"] == "RUNNING"
    assert state["properties"]["dapr.workflow.input"] == script.input


async def until_a_fault_fired(
    session: aiohttp.ClientSession, url: str, deadline: float = 15.0
) -> None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + deadline
    while loop.time() < give_up:
        async with session.get(f"{url}/_mock/faults") as response:
            faults = (await response.json())["faults"]
        if any(fault["fired"] for fault in faults):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no request reached the fault within {deadline} s")


def test_the_crash_test_would_notice_a_lost_terminate() -> None:
    acknowledged = Script("x", "EventWorkflow", "{}", [])
    acknowledged.answers = [
        Answer(Operation.START, 202, None),
        Answer(Operation.TERMINATE, 202, None),
    ]
    assert acknowledged.statuses() == {Status.TERMINATED}
    assert check_restored(acknowledged, {"runtimeStatus": "RUNNING"}) != []
    acknowledged.unanswered = Operation.PURGE
    assert acknowledged.statuses() == {Status.TERMINATED, Status.ABSENT}


def test_the_crash_test_would_notice_a_lost_start_or_a_lost_event() -> None:
    started = Script("x", "EventWorkflow", "{}", [])
    started.answers = [Answer(Operation.START, 202, None)]
    assert check_restored(started, {"runtimeStatus": "ABSENT"}) != []
    started.answers.append(Answer(Operation.RAISE_EVENT, 202, None))
    started.payloads.add('"go-1"')
    restored = {
        "runtimeStatus": "COMPLETED",
        "workflowName": "EventWorkflow",
        "properties": {"dapr.workflow.input": "{}", "dapr.workflow.output": '"other"'},
    }
    assert check_restored(started, restored) == ['x completed with "other", not a go payload']


DECLARED = """
workflows:
  Slow:
    steps:
      - set_status: working
      - activity:
          {name: Work, input: "${input}", duration: 1, result: {done: "${input}"}, save_as: r}
      - set_status: waiting
      - wait_event: {name: go, save_as: go}
      - complete: {output: {work: "${r}", go: "${go}"}}
"""


async def test_a_declared_workflow_killed_mid_activity_goes_on_after_the_restart(
    store: Path, servers: list[Child], session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    workflows = tmp_path / "slow.yaml"
    workflows.write_text(DECLARED)
    command = (*mock_command(store), "--workflows", str(workflows))
    servers.append(launch(command))
    url = servers[-1].url
    scripts = [Script(f"s{n}", "Slow", f'"job {n}"', []) for n in range(5)]
    for script in scripts:
        assert await send(session, url, Operation.START, script, body=script.input) == (202, None)
    state = await get(session, url, "s0")
    assert state["properties"]["dapr.workflow.custom_status"] == "working"
    servers[-1].process.kill()
    assert servers[-1].process.wait(10) == -signal.SIGKILL

    servers.append(launch(command))
    url = servers[-1].url
    for n in range(5):  # the activity falls due during the outage or just after the restart
        loop = asyncio.get_running_loop()
        give_up = loop.time() + 10
        while (await get(session, url, f"s{n}"))["properties"].get(
            "dapr.workflow.custom_status"
        ) != "waiting":
            assert loop.time() < give_up, f"s{n} never finished its activity after the restart"
            await asyncio.sleep(0.05)
        go = await send(session, url, Operation.RAISE_EVENT, scripts[n], event="go", body='"yes"')
        assert go == (202, None)
    for n in range(5):
        assert await eventually_ended(session, url, f"s{n}") == "COMPLETED"
        output = (await get(session, url, f"s{n}"))["properties"]["dapr.workflow.output"]
        assert output == f'{{"work": {{"done": "job {n}"}}, "go": "yes"}}'
