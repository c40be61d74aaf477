"""Child processes that log to a file, die with their parent, and are stopped for certain.

Each program of the stack runs in a session of its own (so a Ctrl-C in the terminal reaches
only the runner, which stops the stack in order) and, on Linux, with a parent-death signal:
if the runner itself is killed, the kernel kills its children, so nothing is left running.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 25
_PR_SET_PDEATHSIG = 1


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 (held open together while chosen)."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Program:
    """One running program of the stack, with its log file."""

    name: str
    command: Sequence[str]
    log: Path
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                list(self.command),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=dict(self.env),
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def exit_code(self) -> int | None:
        """None while it runs (or before it started), else its exit code."""
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; waits until it is gone."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.kill()
            process.wait(timeout)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of its log."""
        try:
            text = self.log.read_text("utf-8", "replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"

    def report(self, lines: int = LOG_TAIL_LINES) -> str:
        """Where its log is, how it ended, and the log's last lines."""
        code = self.exit_code()
        state = "running" if code is None else f"exited with code {code}"
        body = "\n".join("    " + line for line in self.tail(lines).splitlines())
        return f"--- {self.name} ({state}); log: {self.log}\n{body}"
