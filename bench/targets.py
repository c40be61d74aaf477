"""The issue's targets, checked against one run's results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.settings import POOL_INPUT

THROUGHPUT_FLOORS = {
    "get": (0.85, 0.75),
    "start": (0.6, 0.6),
    "raise_event": (0.6, 0.6),
    "pause_resume": (0.6, 0.6),
}
"""Each operation's floor, as a ratio to the baseline: at the smallest store size, and at every
larger one (the speed issue: GET >= 0.85 x at 1,000 and >= 0.75 x at 100,000 stored)."""
P99_MS = 10.0
FLATNESS = 0.10
BYTES_PER_INSTANCE = 2048
TIMERS_SECONDS = 2.0
SUITE_FULL_S = 20.0
SUITE_QUICK_S = 10.0


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None
    """None: not measured in this run."""


def check(results: dict[str, Any]) -> list[Target]:
    stores = results["stores"]
    found = [*_ratios(stores), *_latency(stores), *_flatness(stores)]
    if stores:
        found.append(_memory(stores[-1]))
    found.append(_timers(results.get("timers")))
    found.extend(_suite(results.get("suite")))
    return found


def _ratios(stores: list[dict[str, Any]]) -> list[Target]:
    found = []
    for op, (small, large) in THROUGHPUT_FLOORS.items():
        measured = [store for store in stores if op in store["operations"]]
        if not measured:
            continue
        ratios = [store["operations"][op]["ratio"] for store in measured]
        cpu = [store["operations"][op]["cpu_ratio"] for store in measured]
        floors = [small, *([large] * (len(measured) - 1))]
        goal = f">= {small} x baseline at {measured[0]['size']:,} stored" + (
            f", >= {large} x at every larger size" if len(measured) > 1 else ""
        )
        found.append(
            Target(
                f"{op} throughput",
                goal,
                ", ".join(f"{ratio:.2f}" for ratio in ratios)
                + " (by server CPU per request: "
                + ", ".join(f"{ratio:.2f}" for ratio in cpu)
                + ")",
                all(ratio >= floor for ratio, floor in zip(ratios, floors, strict=True)),
            )
        )
    return found


def _latency(stores: list[dict[str, Any]]) -> list[Target]:
    worst = max(
        (
            (run["p99_ms"], op, store["size"])
            for store in stores
            for op, run in store["operations"].items()
        ),
        default=None,
    )
    if worst is None:
        return []
    p99, op, size = worst
    return [
        Target(
            "p99 of every operation",
            f"< {P99_MS:g} ms",
            f"worst {p99:.1f} ms ({op}, {size:,} stored)",
            p99 < P99_MS,
        )
    ]


def _flatness(stores: list[dict[str, Any]]) -> list[Target]:
    if len(stores) < 2:
        return []
    small, large = stores[0], stores[-1]

    def changes(key: str) -> dict[str, float]:
        return {
            op: large["operations"][op][key] / small["operations"][op][key] - 1
            for op in small["operations"]
        }

    by_rate, by_cpu = changes("ratio"), changes("cpu_ratio")
    return [
        Target(
            f"cost flat from {small['size']:,} to {large['size']:,} stored",
            f"every ratio within {FLATNESS:.0%}",
            ", ".join(f"{op} {change:+.0%}" for op, change in by_rate.items())
            + " (by server CPU per request: "
            + ", ".join(f"{op} {change:+.0%}" for op, change in by_cpu.items())
            + ")",
            all(abs(change) <= FLATNESS for change in by_rate.values()),
        )
    ]


def memory_per_instance(store: dict[str, Any]) -> float:
    """RSS growth per preloaded instance, less its input payload."""
    grown: int = store["rss_after"] - store["rss_before"]
    size: int = store["size"]
    return grown / size - len(POOL_INPUT)


def _memory(store: dict[str, Any]) -> Target:
    cost = memory_per_instance(store)
    return Target(
        f"memory of {store['size']:,} waiting EventWorkflow",
        f"<= {BYTES_PER_INSTANCE} B each beyond the payload",
        f"{cost:,.0f} B each",
        cost <= BYTES_PER_INSTANCE,
    )


def _timers(timers: dict[str, Any] | None) -> Target:
    name = "timers complete after one advance"
    goal = f"all within {TIMERS_SECONDS:g} s"
    if not timers or "advance_seconds" not in timers:
        return Target(name, goal, "not measured", None)
    return Target(
        f"{timers['instances']:,} TimerWorkflow complete after one advance",
        goal,
        f"{timers['advance_seconds']:.2f} s, all completed: {timers['all_completed']}",
        timers["advance_seconds"] <= TIMERS_SECONDS and timers["all_completed"],
    )


def _suite(suite: dict[str, Any] | None) -> list[Target]:
    suite = suite or {}
    found = []
    for variant, limit in (("full", SUITE_FULL_S), ("quick", SUITE_QUICK_S)):
        run = suite.get(variant, {})
        if "seconds" not in run:
            found.append(Target(f"suite {variant}", f"< {limit:g} s", "not measured", None))
            continue
        passed = run["exit_code"] == 0
        found.append(
            Target(
                f"suite {variant}",
                f"< {limit:g} s, passing",
                f"{run['seconds']:.1f} s, exit {run['exit_code']}",
                run["seconds"] < limit and passed,
            )
        )
    parallel = suite.get("full -n auto", {})
    if "seconds" in parallel:
        speedup = suite.get("xdist_speedup")
        found.append(
            Target(
                "suite under pytest -n auto",
                "runs correctly (speed-up recorded)",
                f"exit {parallel['exit_code']}, {parallel['seconds']:.1f} s"
                + (f", speed-up x{speedup:.2f}" if speedup else ""),
                parallel["exit_code"] == 0,
            )
        )
    else:
        found.append(Target("suite under pytest -n auto", "runs correctly", "not measured", None))
    return found
