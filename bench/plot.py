"""req/s and p99 of every operation against the number of stored instances (PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MATPLOTLIB_MISSING = "matplotlib is not installed (pip install -e '.[bench]'); no plot"


def plot(results: dict[str, Any], path: Path) -> str | None:
    """Draw the plot into ``path``; None (and nothing drawn) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    stores = results["stores"]
    sizes = [store["size"] for store in stores]
    figure, (rate, tail) = plt.subplots(1, 2, figsize=(11, 4.2))
    rate.plot(sizes, [s["baseline"]["rps"] for s in stores], "k--", label="baseline (bare aiohttp)")
    for op in stores[0]["operations"]:
        rate.plot(sizes, [s["operations"][op]["rps"] for s in stores], "o-", label=op)
        tail.plot(sizes, [s["operations"][op]["p99_ms"] for s in stores], "o-", label=op)
    tail.axhline(10, color="red", linestyle=":", label="target 10 ms")
    for axes, label in ((rate, "requests per second"), (tail, "p99 latency (ms)")):
        axes.set_xscale("log")
        axes.set_xlabel("instances stored")
        axes.set_ylabel(label)
        axes.set_ylim(bottom=0)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    settings = results["settings"]
    figure.suptitle(
        f"dapr-workflow-mock under wrk ({settings['connections']} connections), "
        f"{results['machine']['date']}"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return str(path)


def plot_versus_daprd(versus: dict[str, Any], path: Path) -> str | None:
    """Bars: req/s of each wrk load and the start-to-COMPLETED latency, mock beside daprd."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    targets = versus["targets"]
    names = list(targets)
    operations = list(targets["mock"]["operations"])
    figure, (rate, latency) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(names)
    for n, name in enumerate(names):
        xs = [i + n * width for i in range(len(operations))]
        rate.bar(
            xs, [targets[name]["operations"][op]["rps"] for op in operations], width, label=name
        )
        percentiles = ("p50_ms", "p90_ms", "max_ms")
        latency.bar(
            [i + n * width for i in range(len(percentiles))],
            [targets[name]["latency"][key] for key in percentiles],
            width,
            label=name,
        )
    rate.set_xticks([i + width / 2 for i in range(len(operations))], operations)
    rate.set_ylabel("requests per second (wrk)")
    latency.set_xticks([i + width / 2 for i in range(3)], ["p50", "p90", "max"])
    latency.set_ylabel("start to COMPLETED of EchoWorkflow (ms)")
    latency.set_yscale("log")
    for axes in (rate, latency):
        axes.grid(True, axis="y", alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle(f"dapr-workflow-mock and daprd {versus['version']} side by side")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return str(path)
