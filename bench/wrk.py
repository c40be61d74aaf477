"""Running ``wrk`` with one of the Lua scripts in ``bench/lua`` and reading its JSON line."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
INSTALL_HINT = (
    "wrk is not on PATH: install it with `apt-get install -y wrk` (Debian/Ubuntu), "
    "`brew install wrk` (macOS) or from https://github.com/wg/wrk"
)
_MARK = "BENCH_JSON "


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles in milliseconds, and failures."""

    requests: int
    seconds: float
    rps: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    """Socket errors, ``timeout``, and ``status``: answers that were not 2xx or 3xx."""

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(INSTALL_HINT)
    return found


def wrk_version() -> str:
    done = subprocess.run([require_wrk(), "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run_wrk(
    url: str,
    script: str,
    args: Sequence[str | int] = (),
    *,
    seconds: int,
    connections: int,
    threads: int,
) -> WrkResult:
    """Drive ``url`` with ``bench/lua/<script>.lua`` for ``seconds`` and return what wrk saw."""
    argv = [
        require_wrk(),
        *(f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"),
        *("-s", str(LUA_DIR / f"{script}.lua")),
        url,
        "--",
        *(str(arg) for arg in args),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_output(done.stdout)


def parse_output(stdout: str) -> WrkResult:
    """The result in the line ``bench/lua/report.lua`` prints from wrk's ``done``."""
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            data = json.loads(line[len(_MARK) :])
            break
    else:
        raise RuntimeError(f"no {_MARK.strip()} line in wrk's output:\n{stdout}")
    latency = data["latency_us"]
    seconds = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        mean_ms=latency["mean"] / 1000,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
        errors={name: int(count) for name, count in data["errors"].items()},
    )
