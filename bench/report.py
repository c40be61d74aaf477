"""The results as JSON and as the Markdown section of ``bench/README.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.targets import Target, check, memory_per_instance

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"
_NAMES = {
    "get": "GET an existing instance",
    "start": "start (EchoWorkflow, new ID)",
    "pause_resume": "pause+resume (per request)",
    "raise_event": "raiseEvent (non-`go` event)",
}
MIB = 2**20
_MARKS = {True: "met", False: "**missed**", None: "not measured"}


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def update_readme(readme: Path, section: str) -> None:
    """Replace the generated section between the markers (appended when they are missing)."""
    text = readme.read_text() if readme.exists() else ""
    block = f"{START}\n{section}\n{END}"
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    readme.write_text(text)


def markdown(results: dict[str, Any], plot: str | None, plot_versus: str | None = None) -> str:
    machine = results["machine"]
    parts = [
        f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores), "
        f"{machine['os']}, Python {machine['python']}, aiohttp {machine['aiohttp']}, "
        f"{machine['wrk']}, event loop: {machine['loop']}, commit {machine['commit']}; "
        f"load average (1, 5, 15 min) {machine['load_average_start']} at the start, "
        f"{machine.get('load_average_end', '?')} at the end.",
        "",
        f"Command: `{results['command']}`. Each wrk run: {_load(results['settings'])}.",
        "",
        *_operations(results["stores"]),
        "",
        *(["![req/s and p99 against stored instances](" + plot + ")", ""] if plot else []),
        *_targets(check(results)),
        "",
        *_memory(results["stores"]),
        "",
        *_timers(results.get("timers")),
        "",
        *_suite(results.get("suite")),
        "",
        *_versus_daprd(results.get("versus_daprd"), plot_versus),
    ]
    return "\n".join(parts).rstrip("\n")


def _load(settings: dict[str, Any]) -> str:
    return (
        f"{settings['connections']} connections, {settings['threads']} wrk thread(s), "
        f"{settings['warmup']} s warm-up then {settings['seconds']} s measured"
    )


def _operations(stores: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| stored | operation | req/s | x baseline | p50 ms | p99 ms | failed "
        "| server CPU µs/req | x baseline (CPU) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for store in stores:
        base = store["baseline"]
        rows.append(
            f"| {store['size']:,} | baseline: bare aiohttp `GET /` "
            f"(mean of {len(base['runs'])} runs, worst p99) | "
            f"{base['rps']:,.0f} | 1.00 | {base['p50_ms']:.2f} | {base['p99_ms']:.2f} | - "
            f"| {base['cpu_us_per_request']:.0f} | 1.00 |"
        )
        for op, run in store["operations"].items():
            rows.append(
                f"| {store['size']:,} | {_NAMES.get(op, op)} | {run['rps']:,.0f} | "
                f"{run['ratio']:.2f}{_spread(run)} | {run['p50_ms']:.2f} | {run['p99_ms']:.2f} | "
                f"{sum(run['errors'].values())} | {run['cpu_us_per_request']:.0f} "
                f"| {run['cpu_ratio']:.2f} |"
            )
    return rows


def _spread(run: dict[str, Any]) -> str:
    ratios = run.get("round_ratios", [])
    if len(ratios) < 2:
        return ""
    return f" ({min(ratios):.2f}-{max(ratios):.2f})"


def _targets(targets: list[Target]) -> list[str]:
    return [
        "| target | goal | measured | |",
        "|---|---|---|---|",
        *(f"| {t.name} | {t.goal} | {t.measured} | {_MARKS[t.met]} |" for t in targets),
    ]


def _memory(stores: list[dict[str, Any]]) -> list[str]:
    return [
        "| stored waiting EventWorkflow | RSS before | RSS after | per instance, less payload "
        "| preload time |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {s['size']:,} | {s['rss_before'] / MIB:.1f} MiB | {s['rss_after'] / MIB:.1f} MiB "
            f"| {memory_per_instance(s):,.0f} B | {s['preload_seconds']:.1f} s |"
            for s in stores
        ),
    ]


def _timers(timers: dict[str, Any] | None) -> list[str]:
    if not timers or "advance_seconds" not in timers:
        return [f"Timers: {(timers or {}).get('skipped', 'not measured')}."]
    return [
        f"Timers: {timers['instances']:,} TimerWorkflow (1 s timer) on the manual clock, "
        f"before the advance {timers['before_advance']}; one `POST /_mock/clock/advance` of "
        f"1.5 s answered after {timers['advance_seconds']:.2f} s having fired "
        f"{timers['fired']:,} entries; after it {timers['after_advance']}.",
    ]


def _suite(suite: dict[str, Any] | None) -> list[str]:
    if not suite or "skipped" in suite:
        return [f"Suite: {(suite or {}).get('skipped', 'not measured')}."]
    rows = ["| suite run against the mock | seconds | exit | pytest says |", "|---|---:|---:|---|"]
    for name, run in suite.items():
        if not isinstance(run, dict):
            continue
        if "seconds" not in run:
            rows.append(f"| {name} | - | - | {run.get('skipped', '')} |")
            continue
        rows.append(f"| `{name}` | {run['seconds']:.1f} | {run['exit_code']} | {run['summary']} |")
    if "xdist_speedup" in suite:
        rows += ["", f"pytest-xdist speed-up of the full suite: x{suite['xdist_speedup']:.2f}."]
    return rows


_VERSUS_NAMES = {
    "get": "GET an existing instance",
    "raise_event": "raiseEvent (non-`go` event)",
    "start": "start (EchoWorkflow, new ID)",
}


def _versus_daprd(versus: dict[str, Any] | None, plot: str | None) -> list[str]:
    """The mock and real daprd side by side: the same loads, latency and suite."""
    if not versus or "targets" not in versus:
        return [f"Real daprd: {(versus or {}).get('skipped', 'not measured')}."]
    mock, daprd = versus["targets"]["mock"], versus["targets"]["daprd"]
    rows = [
        f"Side by side with real daprd {versus['version']} (built from its Go module, with "
        "placement, scheduler and the conformance app on loopback; its CPU is the sum of the four "
        "processes) and the mock at its defaults, one after the other in this run, "
        f"{versus['pool']} waiting instances each:",
        "",
        "| operation | mock req/s | daprd req/s | mock ÷ daprd | mock p99 ms | daprd p99 ms "
        "| mock CPU µs/req | daprd CPU µs/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op, name in _VERSUS_NAMES.items():
        m, d = mock["operations"][op], daprd["operations"][op]
        rows.append(
            f"| {name} | {m['rps']:,.0f} | {d['rps']:,.0f} | {m['rps'] / d['rps']:.2f} "
            f"| {m['p99_ms']:.1f} | {d['p99_ms']:.1f} | {m['cpu_us_per_request']:.0f} "
            f"| {d['cpu_us_per_request']:.0f} |"
        )
    ml, dl = mock["latency"], daprd["latency"]
    rows.append(
        f"| start to COMPLETED of EchoWorkflow, p50 / p90 / max ms ({ml['runs']} runs, one at a "
        f"time) | {ml['p50_ms']:.1f} / {ml['p90_ms']:.1f} / {ml['max_ms']:.1f} "
        f"| {dl['p50_ms']:.1f} / {dl['p90_ms']:.1f} / {dl['max_ms']:.1f} | | | | | |"
    )
    if "suite" in mock and "suite" in daprd:
        ms, ds = mock["suite"], daprd["suite"]
        rows += [
            "",
            "| whole conformance suite | seconds | exit | pytest says |",
            "|---|---:|---:|---|",
            f"| against the mock | {ms['seconds']:.1f} | {ms['exit_code']} | {ms['summary']} |",
            f"| against daprd | {ds['seconds']:.1f} | {ds['exit_code']} | {ds['summary']} |",
        ]
    if plot:
        rows += ["", f"![the mock and daprd side by side]({plot})"]
    return rows
