"""``python -m bench``: baseline and mock in one run, every scenario, results into bench/README.md.

Servers run as child processes on free 127.0.0.1 ports and are stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.plot import MATPLOTLIB_MISSING, plot, plot_versus_daprd
from bench.report import markdown, update_readme, write_json
from bench.servers import baseline_command, running
from bench.settings import Settings
from bench.suite import measure_suite
from bench.targets import check
from bench.throughput import measure_store
from bench.timers import measure_timers
from bench.versus_daprd import measure_versus_daprd
from bench.wrk import require_wrk, wrk_version
from daprsidecar.build import cached, go_available
from daprsidecar.versions import DEFAULT_VERSION

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the mock against bare aiohttp with wrk (install wrk first).",
    )
    add = parser.add_argument
    add("--seconds", type=int, default=defaults.seconds, help="measured seconds per wrk run")
    add("--warmup", type=int, default=defaults.warmup, help="warm-up seconds before each run")
    add("--connections", type=int, default=defaults.connections)
    add("--threads", type=int, default=defaults.threads, help="wrk threads")
    add(
        "--rounds",
        type=int,
        default=defaults.rounds,
        help="measure every operation this many times per store size; the median ratio counts",
    )
    add(
        "--sizes",
        default=",".join(str(size) for size in defaults.sizes),
        help="stored instances to measure at, comma-separated, smallest first",
    )
    add("--timer-instances", type=int, default=defaults.timer_instances, help="0 skips timers")
    add("--preload-concurrency", type=int, default=defaults.preload_concurrency)
    add("--uvloop", action="store_true", help="run the baseline AND the mock on uvloop")
    add("--no-suite", action="store_true", help="skip timing the conformance suite")
    add("--no-profile", action="store_true", help="skip the py-spy profile runs")
    add(
        "--daprd",
        default=DEFAULT_VERSION,
        metavar="VERSION",
        help="the daprd release to measure side by side (built from its Go module if needed)",
    )
    add("--no-daprd", action="store_true", help="skip the side-by-side run against real daprd")
    add("--out", type=Path, default=BENCH_DIR / "results", help="JSON, plot, profiles, logs")
    add(
        "--readme",
        type=Path,
        default=BENCH_DIR / "README.md",
        help="the README whose results section is rewritten ('-' for none)",
    )
    add("--quick", action="store_true", help="a smoke run: 1 s runs, 1,000 stored, no extras")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings(
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds,
        sizes=tuple(sorted(int(size) for size in args.sizes.split(","))),
        timer_instances=args.timer_instances,
        preload_concurrency=args.preload_concurrency,
        uvloop=args.uvloop,
        suite=not args.no_suite,
        profile=not args.no_profile,
        out=args.out,
    )
    if args.quick:
        settings = replace(
            settings,
            seconds=1,
            warmup=1,
            sizes=(1_000,),
            timer_instances=1_000,
            suite=False,
            profile=False,
        )
    return settings


def daprd_version(args: argparse.Namespace) -> str | None:
    """The daprd release to measure beside the mock (None: skipped; ``--quick`` skips it)."""
    return None if args.no_daprd or args.quick else str(args.daprd)


def machine(settings: Settings) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "wrk": wrk_version(),
        "loop": "uvloop" if settings.uvloop else "asyncio (default)",
        "commit": _commit(),
        "load_average_start": _load_average(),
    }


def _load_average() -> str:
    # Other processes share these machines: the load tells how noisy this run was.
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    require_wrk()
    os.chdir(REPO)  # the children import bench and mockserver from this tree
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "bench", *(argv or sys.argv[1:])]),
        "settings": {**asdict(settings), "out": str(settings.out.name)},
        "machine": machine(settings),
        "stores": [],
    }
    log_dir = settings.out / "logs"
    with running("baseline", baseline_command(uvloop=settings.uvloop), log_dir=log_dir) as base:
        for size in settings.sizes:
            _say(
                f"{size:,} stored: preload, then every operation beside the baseline"
                + (
                    ", then py-spy profiles"
                    if size == settings.sizes[-1] and settings.profile
                    else ""
                )
            )
            profiled = settings.profile and size == settings.sizes[-1]
            store = measure_store(size, base, settings, profiled=profiled)
            if "profile" in store:
                results["profile"] = store.pop("profile")
            results["stores"].append(store)
            _say(
                "  "
                + ", ".join(
                    f"{op} {run['rps']:,.0f}/s x{run['ratio']:.2f} p99 {run['p99_ms']:.1f} ms"
                    for op, run in store["operations"].items()
                )
            )
    if settings.timer_instances:
        _say(f"timers: {settings.timer_instances:,} TimerWorkflow on the manual clock")
        results["timers"] = measure_timers(settings)
    if settings.suite:
        _say("suite: full, quick, and under pytest -n auto")
        results["suite"] = measure_suite(settings)
    version = daprd_version(args)
    if version is None:
        results["versus_daprd"] = {"skipped": "skipped (--no-daprd or --quick)"}
    elif not cached(version).complete() and go_available() is None:
        results["versus_daprd"] = {"skipped": f"daprd {version} is not built and Go is missing"}
    else:
        _say(f"side by side: the mock, then daprd {version} with the conformance app")
        results["versus_daprd"] = measure_versus_daprd(settings, version, suite=settings.suite)
    results["machine"]["load_average_end"] = _load_average()
    drawn = plot(results, settings.out / "throughput.png")
    versus = results["versus_daprd"]
    drawn_versus = (
        plot_versus_daprd(versus, settings.out / "versus-daprd.png")
        if "targets" in versus
        else None
    )
    if drawn is None:
        _say(MATPLOTLIB_MISSING)
    write_json(results, settings.out / "results.json")
    section = markdown(results, _relative(drawn, args.readme), _relative(drawn_versus, args.readme))
    if str(args.readme) != "-":
        update_readme(args.readme, section)
    print(section)
    missed = [target.name for target in check(results) if target.met is False]
    _say("targets missed: " + ", ".join(missed) if missed else "every measured target met")
    return 0


def _relative(drawn: str | None, readme: Path) -> str | None:
    if drawn is None or str(readme) == "-":
        return drawn
    return os.path.relpath(Path(drawn).resolve(), readme.resolve().parent)
