"""The conformance suite's wall time against the mock: full, quick, and under pytest-xdist."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.servers import mock_command, running
from bench.settings import Settings

TIMEOUT_S = 900
VARIANTS: dict[str, list[str]] = {
    "full": [],
    "quick": ["--quick"],
    "full -n auto": ["-n", "auto"],
    "quick -n auto": ["--quick", "-n", "auto"],
}


def suite_present() -> bool:
    """The suite is there when ``conformance.suite`` has test modules (it is being written)."""
    spec = importlib.util.find_spec("conformance.suite")
    if spec is None or not spec.submodule_search_locations:
        return False
    return any(
        any(Path(location).glob("test_*.py")) for location in spec.submodule_search_locations
    )


def xdist_present() -> bool:
    return importlib.util.find_spec("xdist") is not None


def measure_suite(settings: Settings) -> dict[str, Any]:
    """Each variant against its own fresh mock: seconds, exit code, pytest's last line."""
    if not suite_present():
        return {"skipped": "conformance.suite has no tests yet"}
    found: dict[str, Any] = {}
    for name, extra in VARIANTS.items():
        if "-n" in extra and not xdist_present():
            found[name] = {"skipped": "pytest-xdist is not installed"}
            continue
        with running(
            "mock-suite", mock_command(uvloop=False), log_dir=settings.out / "logs"
        ) as mock:
            log = settings.out / "logs" / f"suite {name}.log".replace(" ", "-")
            found[name] = run_suite(mock.url, extra, log)
    full, parallel = found.get("full", {}), found.get("full -n auto", {})
    if "seconds" in full and "seconds" in parallel:
        found["xdist_speedup"] = full["seconds"] / parallel["seconds"]
    return found


def run_suite(
    url: str, extra: list[str], log: Path, *, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    """The suite against ``url``: seconds, exit code and pytest's last line; output into ``log``."""
    argv = [
        *(sys.executable, "-m", "pytest", "--pyargs", "conformance.suite"),
        *("--target", url, "-p", "no:cacheprovider", "-q", *extra),
    ]
    began = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": float(timeout), "exit_code": None, "summary": "timed out"}
    seconds = time.perf_counter() - began
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(done.stdout + done.stderr)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return {
        "seconds": seconds,
        "exit_code": done.returncode,
        "summary": lines[-1].strip("= ") if lines else "",
        "command": "python -m pytest --pyargs conformance.suite --target URL " + " ".join(extra),
    }
