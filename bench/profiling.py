"""Sampling the mock with py-spy while wrk drives it, and the hottest functions in the samples."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.wrk import WrkResult

UNAVAILABLE = "py-spy is not installed (pip install py-spy, or the bench extra)"
RATE_HZ = 250
TOP = 20


class ProfilerFailed(RuntimeError):
    """py-spy could not sample (not permitted to ptrace, for example)."""


def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def available() -> bool:
    return _py_spy() is not None


@contextlib.contextmanager
def attached(pid: int, seconds: int, out: Path) -> Iterator[None]:
    """Record ``pid`` for ``seconds`` into ``out`` (collapsed stacks) while the block runs."""
    py_spy = _py_spy()
    if py_spy is None:
        raise ProfilerFailed(UNAVAILABLE)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [py_spy, "record", "-p", str(pid), "-d", str(seconds), "-r", str(RATE_HZ)]
    process = subprocess.Popen(
        [*argv, "-f", "raw", "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    time.sleep(0.5)  # let py-spy attach before the load starts
    try:
        yield
    finally:
        output, _ = process.communicate(timeout=seconds + 60)
    if process.returncode != 0 or not out.exists():
        raise ProfilerFailed(f"py-spy failed: {output.decode(errors='replace').strip()}")


def _function(frame: str) -> str:
    """``name (path/file.py:123)`` -> ``name (dir/file.py)``: per function, no machine paths."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({'/'.join(path.split('/')[-2:])})" if path else name


def _package(function: str) -> str:
    where = function.partition(" (")[2].rstrip(")")
    return where.split("/")[0] if "/" in where else "(other)"


def summarise(collapsed: Path) -> dict[str, Any]:
    """Self and inclusive shares of the top functions, and self time per package."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        functions = [_function(frame) for frame in stack.split(";")]
        own[functions[-1]] += count
        packages[_package(functions[-1])] += count
        for function in set(functions):
            inclusive[function] += count

    def shares(counter: Counter[str], top: int) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {
        "samples": total,
        "self": shares(own, TOP),
        # The event loop's own frames are in every sample; they say nothing.
        "inclusive": [item for item in shares(inclusive, TOP + 25) if item[1] < 95][: TOP + 10],
        "self_by_package": shares(packages, 12),
    }


def render(operation: str, summary: dict[str, Any], result: WrkResult) -> str:
    lines = [
        f"# py-spy profile under wrk: {operation}",
        f"# {summary['samples']} samples at {RATE_HZ} Hz; {result.rps:.0f} req/s while sampled",
        "",
        "## self time by package (%)",
        *(f"{share:5.1f}  {name}" for name, share in summary["self_by_package"]),
        "",
        "## self time (%)",
        *(f"{share:5.1f}  {name}" for name, share in summary["self"]),
        "",
        "## inclusive time (%)",
        *(f"{share:5.1f}  {name}" for name, share in summary["inclusive"]),
    ]
    return "\n".join(lines) + "\n"
