"""Start a server as a child process, wait for its ready line, and stop it again.

The one launcher of the project: the suite's CLI starts the bundled mock with it, the bench its
servers, the tests the engine target and the mock. The child prints its ready line
(:mod:`conformance.ready_line`) on stdout; a thread keeps reading stdout after that, so the
child can never block on a full pipe. Its stderr goes to a file: one the caller gives (a log
to keep) or a temporary one, read for the error when the child does not come up.
"""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TypedDict, Unpack

from conformance.ready_line import ready_url

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
"""Seconds a child has to exit after SIGTERM before it is killed."""
LOG_TAIL_CHARS = 4000


class LaunchError(RuntimeError):
    """The child exited, or printed no ready line in time."""


@dataclass
class Child:
    """A child process started by :func:`start`; ``url`` is set once it printed its ready line."""

    name: str
    process: subprocess.Popen[str]
    stderr: IO[str]
    owns_stderr: bool
    url: str = ""
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue, repr=False)
    """Lines of stdout as the reader thread reads them; None once stdout ends."""

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._pump, name=f"{self.name} stdout", daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_ready(self, program: str | None = None, timeout: float = STARTUP_TIMEOUT) -> str:
        """Wait for the ready line (of ``program``, when given); set and return the URL.

        Raises :class:`LaunchError` naming the child's error output (or its other stdout).
        """
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                message = f"{self.name} printed no ready line within {timeout:g}s"
                raise LaunchError(message) from None
            if line is None:
                code = self.process.wait()
                detail = self.log().strip() or "".join(seen) or "no output"
                raise LaunchError(f"{self.name} exited (code {code}) before it listened: {detail}")
            url = ready_url(line, program)
            if url is not None:
                self.url = url
                return url
            seen.append(line)

    def log(self) -> str:
        """The end of what the child wrote to stderr ("" when that file cannot be read)."""
        try:
            self.stderr.seek(0)
            return self.stderr.read()[-LOG_TAIL_CHARS:]
        except (OSError, ValueError):  # io.UnsupportedOperation is both
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, wait, SIGKILL only if it hangs; close its pipes; return its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.reader.join(timeout)  # stdout is at its end once the child is gone
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self.owns_stderr:
            self.stderr.close()
        return self.process.returncode


def start(
    command: Sequence[str],
    *,
    name: str | None = None,
    env: Mapping[str, str] | None = None,
    stderr: IO[str] | None = None,
) -> Child:
    """Start ``command`` with stdout read line by line; stderr to ``stderr`` or a temporary file.

    ``name`` (default: the command line) names it in errors."""
    log = stderr
    if log is None:  # the Child owns it and closes it in stop()
        log = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=None if env is None else dict(env),
    )
    return Child(name or " ".join(command), process, log, owns_stderr=stderr is None)


def launch(
    command: Sequence[str],
    *,
    name: str | None = None,
    program: str | None = None,
    env: Mapping[str, str] | None = None,
    stderr: IO[str] | None = None,
    timeout: float = STARTUP_TIMEOUT,
    meanwhile: Callable[[], object] = lambda: None,
) -> Child:
    """Start ``command`` and return it once it printed its ready line (of ``program``, if
    given); ``meanwhile`` runs while it starts up. On failure it is stopped and
    :class:`LaunchError` raised."""
    child = start(command, name=name, env=env, stderr=stderr)
    try:
        meanwhile()
        child.wait_until_ready(program, timeout)
    except BaseException:
        child.stop()
        raise
    return child


class LaunchOptions(TypedDict, total=False):
    """The keyword arguments of :func:`launch`."""

    name: str | None
    program: str | None
    env: Mapping[str, str] | None
    stderr: IO[str] | None
    timeout: float
    meanwhile: Callable[[], object]


@contextmanager
def running(command: Sequence[str], **options: Unpack[LaunchOptions]) -> Iterator[Child]:
    """:func:`launch` ``command``, yield it, and stop it however the block ends."""
    child = launch(command, **options)
    try:
        yield child
    finally:
        child.stop()
