"""placement, scheduler, daprd and the conformance app, started in order on loopback.

``with running_sidecar("1.18.2") as sidecar: ...`` yields once daprd answers and the app's
workflow worker is connected (``/v1.0/metadata``), and stops every program on the way out:
normally, on an exception, on Ctrl-C and on a failed start. A run gets a fresh directory
(components, Configuration, scheduler's etcd data, one log per program) and free ports; every
listener the programs' flags can place is bound to 127.0.0.1 and name resolution does not use
mDNS (:mod:`daprsidecar.resources`), so nothing is sent off the machine.

One listener is not on loopback, Dapr's doing: placement's and scheduler's /healthz servers
bind every interface (``:PORT``) whatever ``--healthz-listen-address`` says, up to at least
1.18.3 (fixed upstream by dapr/dapr#10394). They answer /healthz to anyone who can reach the
port (placement's tables stay off: ``DAPR_PLACEMENT_METADATA_ENABLED`` is cleared).
:data:`WILDCARD_HEALTHZ` names them; ``tests/daprd`` checks that nothing else is off loopback.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daprsidecar import resources
from daprsidecar.build import Binaries, ensure_built
from daprsidecar.processes import Program, free_ports
from daprsidecar.versions import DEFAULT_VERSION, minor

APP_ID = "conformance-app"
LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 90.0
POLL_INTERVAL = 0.1
WILDCARD_HEALTHZ = ("placement", "scheduler")
"""Programs whose /healthz listener ignores ``--healthz-listen-address`` and binds every
interface (dapr/dapr#10394; see the module's docstring)."""
WORKFLOW_ACTOR_SUFFIXES = (".workflow", ".activity")
"""daprd registers ``dapr.internal.<namespace>.<app-id>.workflow`` (and ``.activity``) once a
workflow worker is connected."""
_CLEARED_ENV = (
    "DAPR_API_TOKEN",
    "APP_API_TOKEN",
    "DAPR_GRPC_ENDPOINT",
    "DAPR_HTTP_ENDPOINT",
    "DAPR_GRPC_PORT",
    "DAPR_HTTP_PORT",
    "DAPR_PLACEMENT_METADATA_ENABLED",
)
"""Variables of the caller's environment that would point a program elsewhere or change what
it requires; the stack sets the ones it needs itself."""


class SidecarStartError(RuntimeError):
    """The stack did not come up; the message carries every program's log tail."""


@dataclass(frozen=True)
class Ports:
    placement: int
    placement_raft: int
    placement_health: int
    scheduler: int
    scheduler_health: int
    etcd_client: int
    etcd_peer: int
    http: int
    grpc: int
    internal_grpc: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*free_ports(10))


@dataclass
class Sidecar:
    """A running stack: daprd's URLs, its programs and where their logs are."""

    version: str
    run_dir: Path
    ports: Ports
    programs: list[Program] = field(default_factory=list)
    api_token: str | None = None

    @property
    def http_url(self) -> str:
        """daprd's HTTP API, e.g. ``http://127.0.0.1:PORT`` (what the suite's --target takes)."""
        return f"http://{LOOPBACK}:{self.ports.http}"

    @property
    def grpc_address(self) -> str:
        """daprd's gRPC API, ``127.0.0.1:PORT``."""
        return f"{LOOPBACK}:{self.ports.grpc}"

    def program(self, name: str) -> Program:
        return next(p for p in self.programs if p.name == name)

    def pids(self) -> dict[str, int]:
        """The process ID of each running program."""
        return {p.name: p.pid for p in self.programs if p.pid is not None}

    def report(self) -> str:
        """Every program's log location, state and last lines."""
        return "\n".join(program.report() for program in self.programs)

    def metadata(self) -> dict[str, Any]:
        """daprd's ``GET /v1.0/metadata``."""
        status, body = _http_get(f"{self.http_url}/v1.0/metadata", self.api_token)
        if status != 200:
            raise SidecarStartError(f"GET /v1.0/metadata answered {status}")
        answer: dict[str, Any] = json.loads(body)
        return answer


def placement_command(binaries: Binaries, ports: Ports) -> list[str]:
    return [
        str(binaries.placement),
        "--id=dapr-placement-0",
        f"--initial-cluster=dapr-placement-0={LOOPBACK}:{ports.placement_raft}",
        f"--port={ports.placement}",
        f"--listen-address={LOOPBACK}",
        f"--healthz-port={ports.placement_health}",
        f"--healthz-listen-address={LOOPBACK}",
        "--enable-metrics=false",
        f"--metrics-listen-address={LOOPBACK}",
        "--tls-enabled=false",
        "--log-level=info",
    ]


def scheduler_command(binaries: Binaries, ports: Ports, etcd_dir: Path) -> list[str]:
    command = [
        str(binaries.scheduler),
        "--id=dapr-scheduler-server-0",
        f"--port={ports.scheduler}",
        f"--listen-address={LOOPBACK}",
        f"--healthz-port={ports.scheduler_health}",
        f"--healthz-listen-address={LOOPBACK}",
        "--enable-metrics=false",
        f"--metrics-listen-address={LOOPBACK}",
        "--tls-enabled=false",
        f"--etcd-data-dir={etcd_dir}",
        f"--etcd-client-port={ports.etcd_client}",
        f"--etcd-initial-cluster=dapr-scheduler-server-0=http://{LOOPBACK}:{ports.etcd_peer}",
        "--log-level=info",
    ]
    if minor(binaries.version) >= (1, 17):  # 1.16 has no such flag (and refuses unknown ones)
        command.append(f"--etcd-client-listen-address={LOOPBACK}")
    return command


def daprd_command(
    binaries: Binaries, ports: Ports, files: resources.Resources, *, app_id: str = APP_ID
) -> list[str]:
    return [
        str(binaries.daprd),
        "--mode=standalone",
        f"--app-id={app_id}",
        f"--dapr-http-port={ports.http}",
        f"--dapr-grpc-port={ports.grpc}",
        f"--dapr-listen-addresses={LOOPBACK}",
        f"--dapr-internal-grpc-port={ports.internal_grpc}",
        f"--dapr-internal-grpc-listen-address={LOOPBACK}",
        f"--placement-host-address={LOOPBACK}:{ports.placement}",
        f"--scheduler-host-address={LOOPBACK}:{ports.scheduler}",
        f"--resources-path={files.resources_path}",
        f"--config={files.config_file}",
        "--enable-metrics=false",
        f"--metrics-listen-address={LOOPBACK}",
        "--enable-mtls=false",
        "--log-level=info",
    ]


def app_command() -> list[str]:
    return [sys.executable, "-m", "conformance.app"]


def base_environment() -> dict[str, str]:
    """The caller's environment without what would redirect the stack, plus daprd's host IP."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED_ENV}
    env["DAPR_HOST_IP"] = LOOPBACK
    env["NAMESPACE"] = "default"
    return env


@contextlib.contextmanager
def running_sidecar(
    version: str = DEFAULT_VERSION,
    *,
    app: bool = True,
    api_token: str | None = None,
    run_dir: Path | None = None,
    keep_run_dir: Callable[[], bool] = lambda: False,
    ready_timeout: float = READY_TIMEOUT,
    log: Callable[[str], None] | None = None,
) -> Iterator[Sidecar]:
    """Build (if needed) and start the stack; yield it once ready; stop it on exit.

    ``app=False`` starts no workflow app (daprd then answers, but no workflow runs).
    ``keep_run_dir`` is asked on the way out whether to keep the run's directory (its logs);
    a failed start always keeps it.
    """
    binaries = ensure_built(version, log=log)
    owned = run_dir is None
    directory = Path(tempfile.mkdtemp(prefix=f"daprd-{binaries.version}-")) if owned else run_dir
    assert directory is not None
    sidecar = Sidecar(binaries.version, directory, Ports.free(), api_token=api_token)
    keep = False
    try:
        _start(sidecar, binaries, app=app, timeout=ready_timeout)
        yield sidecar
        keep = keep_run_dir()
    except SidecarStartError:
        keep = True
        raise
    finally:
        for program in reversed(sidecar.programs):
            program.stop()
        if owned and not keep:
            shutil.rmtree(directory, ignore_errors=True)


def _start(sidecar: Sidecar, binaries: Binaries, *, app: bool, timeout: float) -> None:
    directory, ports = sidecar.run_dir, sidecar.ports
    files = resources.write(directory)
    etcd_dir = directory / "scheduler-etcd"
    etcd_dir.mkdir(mode=0o700)
    logs = directory / "logs"
    env = base_environment()
    deadline = time.monotonic() + timeout

    def launch(name: str, command: list[str], environment: dict[str, str]) -> Program:
        program = Program(name, command, logs / f"{name}.log", environment)
        sidecar.programs.append(program)
        program.start()
        return program

    launch("placement", placement_command(binaries, ports), env)
    launch("scheduler", scheduler_command(binaries, ports, etcd_dir), env)
    _wait(sidecar, deadline, "placement's /healthz", _health_ok(ports.placement_health))
    _wait(sidecar, deadline, "scheduler's /healthz", _health_ok(ports.scheduler_health))
    daprd_env = dict(env)
    if sidecar.api_token:
        daprd_env["DAPR_API_TOKEN"] = sidecar.api_token
    launch("daprd", daprd_command(binaries, ports, files), daprd_env)
    _wait(sidecar, deadline, "daprd's GET /v1.0/healthz (204)", _daprd_healthy(sidecar))
    if not app:
        return
    app_env = dict(daprd_env)
    app_env.update(
        DAPR_RUNTIME_HOST=LOOPBACK,
        DAPR_GRPC_PORT=str(ports.grpc),
        DAPR_HTTP_PORT=str(ports.http),
        PYTHONUNBUFFERED="1",
    )
    launch("app", app_command(), app_env)
    _wait(
        sidecar, deadline, "the app's workflow worker in /v1.0/metadata", _worker_connected(sidecar)
    )


def _wait(sidecar: Sidecar, deadline: float, what: str, ready: Callable[[], bool]) -> None:
    while True:
        for program in sidecar.programs:
            if program.exit_code() is not None:
                raise SidecarStartError(
                    f"daprd {sidecar.version}: {program.name} exited (code "
                    f"{program.exit_code()}) while waiting for {what}\n{sidecar.report()}"
                )
        if ready():
            return
        if time.monotonic() > deadline:
            raise SidecarStartError(
                f"daprd {sidecar.version}: timed out waiting for {what}\n{sidecar.report()}"
            )
        time.sleep(POLL_INTERVAL)


def _health_ok(port: int) -> Callable[[], bool]:
    return lambda: _http_get(f"http://{LOOPBACK}:{port}/healthz")[0] == 200


def _daprd_healthy(sidecar: Sidecar) -> Callable[[], bool]:
    return lambda: _http_get(f"{sidecar.http_url}/v1.0/healthz", sidecar.api_token)[0] == 204


def _worker_connected(sidecar: Sidecar) -> Callable[[], bool]:
    def connected() -> bool:
        status, body = _http_get(f"{sidecar.http_url}/v1.0/metadata", sidecar.api_token)
        if status != 200:
            return False
        return worker_ready(json.loads(body))

    return connected


def worker_ready(metadata: dict[str, Any]) -> bool:
    """Whether daprd's metadata shows a connected workflow worker and the workflow actors."""
    workers = (metadata.get("workflows") or {}).get("connectedWorkers", 0)
    actor_types = {
        entry.get("type", "")
        for entry in (metadata.get("actorRuntime") or {}).get("activeActors", [])
    }
    has_actors = all(
        any(kind.endswith(suffix) for kind in actor_types) for suffix in WORKFLOW_ACTOR_SUFFIXES
    )
    return int(workers) >= 1 and has_actors


def _http_get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"dapr-api-token": token} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, ValueError):
        return 0, b""
