"""Servers under test as child processes on free 127.0.0.1 ports, stopped when done."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance import launcher


@dataclass
class Server:
    """A running server process and the URL it answers on."""

    name: str
    url: str
    process: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_bytes(self) -> int:
        """Resident set size now (Linux: ``VmRSS`` of ``/proc/PID/status``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for {self.name} (pid {self.pid})")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used (Linux: ``/proc/PID/stat``)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        # After the command name: state is field 3, utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}")


def baseline_command(*, uvloop: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.baseline",
        "--port",
        "0",
        *(["--uvloop"] if uvloop else []),
    ]


SPEED_FLAGS = ("--log-level", "--enable-api-logging", "--validate-responses", "--store")
"""Mock flags that change its speed: the bench runs the mock as users start it, without them."""


def mock_command(*, uvloop: bool, clock: str = "real") -> list[str]:
    """The mock as the README tells users to start it (plus a free port and, for the timer
    bench, the manual clock): no flag that changes its speed."""
    module = "bench.uvloop_mock" if uvloop else "mockserver"
    command = [
        sys.executable,
        *("-m", module),
        *("--host", "127.0.0.1", "--port", "0", "--clock", clock),
    ]
    check_default_speed(command)
    return command


def check_default_speed(command: Sequence[str]) -> None:
    """Refuse a mock command line with a flag that changes speed (the figures would lie)."""
    changed = [flag for flag in SPEED_FLAGS if any(p.split("=")[0] == flag for p in command)]
    if changed:
        raise ValueError(f"the bench runs the mock at its defaults; remove {', '.join(changed)}")


@contextlib.contextmanager
def running(
    name: str, argv: Sequence[str], *, log_dir: Path, timeout_s: float = 30.0
) -> Iterator[Server]:
    """Start ``argv``, wait for its ready line, yield it, and stop it (SIGTERM, then SIGKILL)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (
        (log_dir / f"{name}.log").open("w+") as stderr,
        launcher.running(argv, name=name, stderr=stderr, timeout=timeout_s) as child,
    ):
        yield Server(name, child.url, child.process)
