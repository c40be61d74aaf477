"""The protocol around the operations: error bodies, unknown routes, the three API prefixes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.answers import read_state
from conformance.checks import Checks
from conformance.client import Reply, WorkflowClient
from conformance.contract import API_VERSIONS
from conformance.daprd_errors import exact_error, not_found_error
from conformance.failures import fail
from conformance.instances import Instances
from conformance.lifecycle import Operation, Status
from conformance.profiles import Profile
from conformance.sending import encode
from conformance.workflows import ECHO, EVENT, GO_EVENT

ErrorProbe = Callable[[WorkflowClient, str], Reply]

ERROR_PROBES: dict[str, ErrorProbe] = {
    "get-unknown": lambda c, i: c.get(i),
    "terminate-unknown": lambda c, i: c.terminate(i),
    "pause-unknown": lambda c, i: c.pause(i),
    "resume-unknown": lambda c, i: c.resume(i),
    "raise-unknown": lambda c, i: c.raise_event(i, GO_EVENT, "1"),
    "purge-unknown": lambda c, i: c.purge(i),
    "start-invalid-id": lambda c, i: c.start(ECHO, i + "$"),
    "start-too-long-id": lambda c, i: c.start(ECHO, "x" * 65),
    "malformed-body": lambda c, i: c.get(i, body="{"),
    "unknown-route": lambda c, i: c.request("GET", c.url(i, "terminate")),
}
"""Requests that make daprd answer an error, one per kind of error."""


@pytest.mark.behaviour("error.body.shape")
@pytest.mark.parametrize("probe", list(ERROR_PROBES))
def test_every_error_is_json_with_exactly_error_code_and_message(
    probe: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    reply = ERROR_PROBES[probe](client, instances.new_id())
    if not 400 <= reply.status <= 599:
        raise fail(
            "error.body.shape", f"{probe}: the request must be answered with an error", reply
        )
    checks.error_body(reply, behaviour="error.body.shape", doing=probe)


UNKNOWN_ROUTES: dict[str, Callable[[WorkflowClient, str], Reply]] = {
    "GET on terminate": lambda c, i: c.request("GET", c.url(i, "terminate")),
    "DELETE on an instance": lambda c, i: c.request("DELETE", c.url(i)),
    "PUT on pause": lambda c, i: c.request("PUT", c.url(i, "pause")),
    "POST on an instance": lambda c, i: c.request("POST", c.url(i)),
    "GET on start": lambda c, i: c.request("GET", c.url(ECHO, "start")),
    "an unknown command": lambda c, i: c.request("POST", c.url(i, "suspend")),
    "raiseEvent without a name": lambda c, i: c.request("POST", c.url(i, "raiseEvent")),
    "an extra segment": lambda c, i: c.request("POST", c.url(i, "pause", "extra")),
    "an unknown prefix": lambda c, i: c.request(
        "GET", f"{c.base_url}/v1.0-beta2/workflows/dapr/{i}"
    ),
}


@pytest.mark.behaviour("route.unknown.404")
@pytest.mark.parametrize("route", list(UNKNOWN_ROUTES))
def test_a_path_or_method_that_matches_no_route_is_404_direct_invoke(
    route: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    reply = UNKNOWN_ROUTES[route](client, instances.new_id())
    checks.error(
        reply,
        exact_error("ERR_DIRECT_INVOKE"),
        behaviour="route.unknown.404",
        doing=f"{route} (no workflow route matches; daprd falls back to service invocation, "
        "and has no 405)",
    )


@pytest.mark.behaviour("route.clean-path")
def test_a_trailing_or_doubled_slash_reaches_the_same_operation(
    client: WorkflowClient, checks: Checks, instances: Instances, profile: Profile
) -> None:
    """daprd cleans the path before routing (path.Clean, then a trailing '/' is stripped)."""
    behaviour = "route.clean-path"
    if not profile.exact_errors:
        pytest.skip("only daprd's own routing (exact answers) cleans paths; the document is silent")
    instance_id = instances.in_status(Status.RUNNING, behaviour=behaviour)
    plain = client.url(instance_id)
    for shape, url in (
        ("a trailing '/'", plain + "/"),
        ("'//' in the path", plain.replace("/workflows/", "/workflows//", 1)),
    ):
        doing = f"GET with {shape} (daprd cleans the path before routing)"
        reply = client.request("GET", url)
        checks.status(reply, 200, behaviour=behaviour, doing=doing)
        state = read_state(reply)
        if state is None or state.body.get("instanceID") != instance_id:
            raise fail(behaviour, f"{doing} must answer the instance {instance_id!r}", reply)
    reply = client.request("POST", client.url(instance_id, "pause") + "/")
    checks.accepted_command(
        reply, behaviour=behaviour, doing="pause with a trailing '/' (daprd strips it)"
    )
    instances.wait(instance_id, "SUSPENDED", behaviour=behaviour, why="the pause applies")


def comparable(reply: Reply) -> tuple[int, object]:
    """An answer as two prefixes must give it alike: the status and the parsed body."""
    try:
        return reply.status, reply.json()
    except ValueError:
        return reply.status, reply.text


@pytest.mark.behaviour("prefixes.every-operation")
@pytest.mark.parametrize("version", [v for v in API_VERSIONS if v != "v1.0"])
def test_every_operation_answers_under_each_prefix_as_under_v1_0(
    version: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    """Every error a v1.0 request gets for an unknown instance or a refused start, the same
    request gets under the other prefix (same status, same body); and a whole run (start,
    terminate, purge) goes through under that prefix alone."""
    behaviour = "prefixes.every-operation"
    other = client.clone(api_version=version)
    try:
        unknown = instances.new_id()
        for kind, probe in ERROR_PROBES.items():
            if kind == "unknown-route":
                continue  # daprd's message quotes the path, prefix included
            expected, got = probe(client, unknown), probe(other, unknown)
            if comparable(got) != comparable(expected):
                raise fail(
                    behaviour,
                    f"{kind} under /{version} must answer as under /v1.0, which answered "
                    f"{expected.describe()}",
                    got,
                )
        instance_id = instances.new_id()
        reply = other.start(EVENT, instance_id, encode({"prefix": version}))
        instances.started.append(instance_id)
        checks.started(reply, instance_id, behaviour=behaviour, doing=f"start under /{version}")
        instances.wait(instance_id, "RUNNING", behaviour=behaviour, why=f"started under {version}")
        for operation, after in (("terminate", "TERMINATED"), ("purge", "ABSENT")):
            reply = getattr(other, operation)(instance_id)
            checks.accepted_command(
                reply, behaviour=behaviour, doing=f"{operation} under /{version}"
            )
            instances.wait(instance_id, after, behaviour=behaviour, why=f"{operation} applies")
    finally:
        other.close()


@pytest.mark.behaviour("prefixes.all-three")
@pytest.mark.parametrize("version", API_VERSIONS)
def test_each_prefix_serves_the_same_instances_with_the_same_answers(
    version: str, client: WorkflowClient, checks: Checks, instances: Instances
) -> None:
    behaviour = "prefixes.all-three"
    others = [client.clone(api_version=v) for v in API_VERSIONS if v != version]
    mine = client.clone(api_version=version)
    try:
        instance_id = instances.new_id()
        reply = mine.start(EVENT, instance_id, encode({"prefix": version}))
        instances.started.append(instance_id)
        checks.started(reply, instance_id, behaviour=behaviour, doing=f"start under /{version}")
        instances.wait(instance_id, "RUNNING", behaviour=behaviour, why=f"started under {version}")
        for other, (operation, after) in zip(
            [mine, *others],
            [("pause", "SUSPENDED"), ("resume", "RUNNING"), ("raiseEvent", "COMPLETED")],
            strict=True,
        ):
            if operation == "raiseEvent":
                reply = other.raise_event(instance_id, GO_EVENT, encode(version))
            else:
                reply = getattr(other, operation)(instance_id)
            checks.accepted_command(
                reply, behaviour=behaviour, doing=f"{operation} under /{other.api_version}"
            )
            instances.wait(instance_id, after, behaviour=behaviour, why=f"{operation} applies")
        states = [read_state(c.get(instance_id)) for c in (mine, *others)]
        bodies = [s.body if s else None for s in states]
        if any(body != bodies[0] for body in bodies):
            first = states[0].reply if states[0] else None
            raise fail(
                behaviour,
                f"GET of one COMPLETED instance must answer the same under every prefix; "
                f"got {bodies}",
                first,
            )
        unknown = instances.new_id()
        for c in (mine, *others):
            checks.error(
                c.get(unknown),
                not_found_error(Operation.GET, unknown),
                behaviour=behaviour,
                doing=f"GET of an unknown instance under /{c.api_version}",
            )
    finally:
        for c in (mine, *others):
            c.close()
