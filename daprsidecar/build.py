"""Build daprd, placement and scheduler for one release from Dapr's Go module, and cache them.

The route (docs/daprd.md, "Building"): ``go mod download`` fetches ``github.com/dapr/dapr@vX`` from
the Go module proxy, and ``go build`` runs inside that module with Dapr's own release settings:
``-tags stablecomponents``, ``CGO_ENABLED=0``, ``-trimpath`` and the version stamped into
``pkg/buildinfo`` (so ``/v1.0/metadata`` reports it). ``go install pkg@version`` cannot be
used: dapr's go.mod has ``replace`` directives. No Docker, no Dapr CLI, no GitHub download.

Binaries land in ``<cache>/<version>/`` (``$DAPRD_CACHE``, else
``$XDG_CACHE_HOME/dapr-workflow-conformance/daprd``, else ``~/.cache/...``), written to a
temporary directory first and renamed once complete, under a lock, so concurrent builds of one
version (pytest-xdist workers, two shells) build it once. A cached version is never rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from daprsidecar.versions import normalise

MODULE = "github.com/dapr/dapr"
COMMANDS = ("daprd", "placement", "scheduler")
BUILD_TAGS = "stablecomponents"
CACHE_ENV = "DAPRD_CACHE"
STAMP = "build.json"
_REFUSED = re.compile(
    r"(?P<module>[\w.\-/!~]+)@(?P<version>v[\w.\-+]+): reading (?P<url>https?://\S+): "
    r"(?P<status>\d{3}[^\n]*)"
)


class BuildError(RuntimeError):
    """daprd could not be built; the message says why in a line or two."""


@dataclass(frozen=True)
class Binaries:
    """The three built programs of one daprd release."""

    version: str
    directory: Path

    @property
    def daprd(self) -> Path:
        return self.directory / "daprd"

    @property
    def placement(self) -> Path:
        return self.directory / "placement"

    @property
    def scheduler(self) -> Path:
        return self.directory / "scheduler"

    def complete(self) -> bool:
        """Whether every program and the build record are there."""
        return (self.directory / STAMP).is_file() and all(
            (self.directory / name).is_file() for name in COMMANDS
        )

    def record(self) -> dict[str, object]:
        """What the build wrote about itself (version, Go version, seconds, route)."""
        result: dict[str, object] = json.loads((self.directory / STAMP).read_text("utf-8"))
        return result


def cache_root() -> Path:
    """Where built versions are kept."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dapr-workflow-conformance" / "daprd"


def cached(version: str) -> Binaries:
    """The cache entry of ``version`` (complete or not)."""
    version = normalise(version)
    return Binaries(version, cache_root() / version)


def go_available() -> str | None:
    """The path of the ``go`` command, or None."""
    return shutil.which("go")


def ensure_built(version: str, *, log: Callable[[str], None] | None = None) -> Binaries:
    """The binaries of ``version``, building them first unless they are cached."""
    binaries = cached(version)
    if binaries.complete():
        return binaries
    say = log or _stderr
    with _locked(binaries.directory.with_suffix(".lock")):
        if binaries.complete():  # another process built it while this one waited
            return binaries
        _build(binaries, say)
    return binaries


def _build(binaries: Binaries, say: Callable[[str], None]) -> None:
    go = go_available()
    if go is None:
        raise BuildError(
            "daprd is built from source with Go, and no 'go' command is on PATH "
            "(install Go 1.26 or newer: https://go.dev/doc/install)"
        )
    env = _go_environment()
    started = time.monotonic()
    say(f"daprd {binaries.version}: fetching {MODULE}@v{binaries.version} from the Go module proxy")
    module_dir = _download_module(go, binaries.version, env)
    say(f"daprd {binaries.version}: building {', '.join(COMMANDS)} (a cold build takes minutes)")
    binaries.directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{binaries.version}-", dir=binaries.directory.parent))
    try:
        command = [
            go,
            "build",
            "-C",
            str(module_dir),
            "-trimpath",
            "-tags",
            BUILD_TAGS,
            "-ldflags",
            f"-X {MODULE}/pkg/buildinfo.version={binaries.version}",
            "-o",
            str(staging) + os.sep,
            *(f"./cmd/{name}" for name in COMMANDS),
        ]
        built = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if built.returncode != 0:
            raise BuildError(_explain_failure(binaries.version, built.stderr))
        go_version = subprocess.run(
            [go, "env", "GOVERSION"], env=env, capture_output=True, text=True, check=False
        ).stdout.strip()
        record = {
            "version": binaries.version,
            "module": f"{MODULE}@v{binaries.version}",
            "go": go_version,
            "tags": BUILD_TAGS,
            "cgo": False,
            "seconds": round(time.monotonic() - started, 1),
        }
        (staging / STAMP).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        if binaries.directory.exists():
            shutil.rmtree(binaries.directory)  # an incomplete earlier attempt
        staging.rename(binaries.directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"daprd {binaries.version}: built in {record['seconds']} s into {binaries.directory}")


def _download_module(go: str, version: str, env: dict[str, str]) -> Path:
    fetched = subprocess.run(
        [go, "mod", "download", "-json", f"{MODULE}@v{version}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(fetched.stdout)
    except json.JSONDecodeError:
        answer = {"Error": fetched.stderr.strip() or "no answer from 'go mod download'"}
    if answer.get("Error") or not answer.get("Dir"):
        raise BuildError(_explain_failure(version, str(answer.get("Error", ""))))
    return Path(answer["Dir"])


def _explain_failure(version: str, output: str) -> str:
    """One clear message for a failed fetch or build: the refused modules, else Go's last lines."""
    refused = sorted(
        {f"{m['module']}@{m['version']} ({m['status'].strip()})" for m in _REFUSED.finditer(output)}
    )
    if refused:
        return (
            f"daprd {version} cannot be built here: the Go module proxy refuses "
            f"{len(refused)} module(s) it needs: {'; '.join(refused)}"
        )
    tail = "\n".join(output.strip().splitlines()[-15:]) or "no output"
    return f"daprd {version} did not build:\n{tail}"


def _go_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["CGO_ENABLED"] = "0"
    env.setdefault("GOTOOLCHAIN", "local")  # the Go on PATH, never a toolchain download
    return env


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
