"""Record every scenario against real daprd: ``make record-daprd``.

``python -m tests.vectors.record [--daprd VERSION] [SCENARIO...]``.

Starts the stack (:mod:`daprsidecar`) for ``--daprd VERSION`` (default: the project's), plays
each scenario of :mod:`tests.vectors.scenarios` against daprd's HTTP port (several at once; each
has its own instances), and writes ``tests/vectors/daprd-<version>/<scenario>.json``, one file
per scenario, replacing what was there. ``--target URL`` records any other target instead
(into ``--out``), e.g. to compare by hand.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.vectors import scenarios

HERE = Path(__file__).parent
WORKERS = 6


def vectors_dir(version: str) -> Path:
    return HERE / f"daprd-{version}"


def record_all(base_url: str, out: Path, selected: list[str] | None, about: dict[str, Any]) -> int:
    chosen = scenarios.names(selected)
    results: dict[str, Any] = {}
    failures: list[str] = []

    def play(name: str) -> None:
        try:
            results[name] = scenarios.run(scenarios.SCENARIOS[name], base_url)
        except Exception as error:  # recorded as a failure; the other scenarios go on
            failures.append(f"{name}: {error}")

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(play, chosen))
    if selected is None and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        if name not in results:
            continue
        document = {
            "scenario": name,
            "about": scenarios.SCENARIOS[name].about,
            "recorded": about,
            "exchanges": results[name],
        }
        (out / f"{name}.json").write_text(
            json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8"
        )
    print(f"recorded {len(results)} scenario(s) into {out}")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vectors.record", description=__doc__)
    parser.add_argument("--daprd", default=None, metavar="VERSION", help="daprd version to record")
    parser.add_argument("--target", default=None, help="record this URL instead of starting daprd")
    parser.add_argument("--out", type=Path, default=None, help="where to write (with --target)")
    parser.add_argument("scenario", nargs="*", help="only these scenarios (default: all)")
    args = parser.parse_args(argv)
    selected = args.scenario or None
    if args.target:
        if args.out is None:
            parser.error("--target needs --out")
        return record_all(args.target, args.out, selected, {"target": "other"})
    from daprsidecar.cli import default_version
    from daprsidecar.stack import running_sidecar

    with running_sidecar(args.daprd or default_version()) as sidecar:
        metadata = sidecar.metadata()
        about = {
            "daprd": metadata.get("runtimeVersion"),
            "app": "python -m conformance.app (Dapr Python SDK)",
            "sdk": _sdk_version(),
        }
        return record_all(
            sidecar.http_url, args.out or vectors_dir(sidecar.version), selected, about
        )


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"dapr {version('dapr')}"
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
