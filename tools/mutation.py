"""``make mutation``: the conformance suite's mutation score over the mock, with Cosmic Ray.

Cosmic Ray mutates one place of the mock's source at a time (an operator swapped, a constant
changed, a condition negated, ...) and runs the conformance suite against the bundled mock built
from that source; a mutant the suite fails on is killed, one it passes is a survivor: a change of
the mock that the suite does not notice. The score is the killed share.

Nothing in the checkout is touched: the packages are copied into ``build/mutation/<set>/``,
Cosmic Ray mutates the copy in place (its ``local`` distributor), and the suite run imports the
copy (``PYTHONPATH``), so the mock it starts is the mutated one. The session (SQLite) stays
there, so an interrupted run goes on where it stopped; ``--fresh`` starts over.

Sets (``--set``): ``ci`` (the default) mutates the daprd ID rule and the body rule, small
enough for CI (minutes); ``all`` the mock's state machine and its whole daprd wire layer, for a
nightly run (hours). The report, ``build/mutation/<set>/report.txt``, gives the score and every
survivor (file, line, operator, the diff), each marked EQUIVALENT with the reason when its diff
shows it cannot change behaviour (:func:`equivalent_reason`), else SURVIVED. The score counts
only the mutants that change behaviour.

    python -m tools.mutation                     # the ci set (make mutation)
    python -m tools.mutation --set all           # nightly
    python -m tools.mutation --module daprhttp/refusals.py
    python -m tools.mutation --report            # the score of the session so far
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conformance.suite import SCENARIO_MODULES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("conformance", "daprhttp", "mockserver", "engineserver", "daprsidecar")
SETS: dict[str, tuple[str, ...]] = {
    "ci": ("daprhttp/ids.py", "daprhttp/payloads.py"),
    "all": (
        "mockserver/engine.py",
        "mockserver/orchestrator.py",
        "mockserver/clock.py",
        "daprhttp/routing.py",
        "daprhttp/bodies.py",
        "daprhttp/dispatch.py",
        "daprhttp/errors.py",
        "daprhttp/ids.py",
        "daprhttp/payloads.py",
        "daprhttp/protojson.py",
        "daprhttp/refusals.py",
        "daprhttp/validation.py",
        "daprhttp/view.py",
    ),
}
COSMIC_RAY = Path(sys.executable).with_name("cosmic-ray")
"""Cosmic Ray's command, installed beside this interpreter (``pip install -e '.[mutation]'``)."""
TIMEOUT = 180.0
"""Seconds one suite run may take before the mutant counts as killed by a timeout."""


@dataclass(frozen=True)
class Score:
    total: int
    killed: int
    survivors: list[dict[str, object]]

    @property
    def equivalent(self) -> list[dict[str, object]]:
        return [s for s in self.survivors if s["equivalent"]]

    @property
    def percent(self) -> float:
        """Killed of the mutants that change behaviour (equivalent ones left out)."""
        judged = self.total - len(self.equivalent)
        return 100.0 * self.killed / judged if judged else 100.0


def equivalent_reason(diff: str) -> str:
    """Why a mutant cannot change behaviour, when its diff shows it; else ``""``.

    Annotations are never evaluated (every module has ``from __future__ import annotations``,
    PEP 563), so ``-> A | None`` or a parameter's ``name: A | None,`` mutated to ``A + None`` is
    the same program.
    """
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and line[1:2] != "-"]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and line[1:2] != "+"]
    if len(removed) == 1 and len(added) == 1:
        old, new = removed[0].strip(), added[0].strip()
        signature = old.startswith("def ") and "->" in old and "->" in new
        if signature and old.split("->")[0] == new.split("->")[0]:
            return "a return annotation, never evaluated (PEP 563)"
        parameter = _PARAMETER.fullmatch(old), _PARAMETER.fullmatch(new)
        if parameter[0] and parameter[1] and parameter[0]["name"] == parameter[1]["name"]:
            return "a parameter annotation, never evaluated (PEP 563)"
    return ""


_PARAMETER = re.compile(r"(?P<name>\w+): [\w.\[\], ]+ \S{1,2} [\w.\[\]]+,")
"""A parameter line of a multi-line signature without a default: ``name: A | None,`` (a type
made of names around one operator, the mutated one)."""


def test_command(python: str) -> str:
    """The suite's scenario tests, --quick, against the bundled (mutated) mock; stop at the first
    failure (a killed mutant needs one)."""
    modules = " ".join(SCENARIO_MODULES)
    return f"{python} -m conformance.cli --quick -x -q -p no:cacheprovider --pyargs {modules}"


def config(modules: tuple[str, ...], python: str) -> str:
    paths = ", ".join(json.dumps(m) for m in modules)
    return (
        "[cosmic-ray]\n"
        f"module-path = [{paths}]\n"
        f"timeout = {TIMEOUT}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(test_command(python))}\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def prepare(work: Path, modules: tuple[str, ...], fresh: bool) -> None:
    """A fresh copy of the packages to mutate and the config (``fresh``: the session too)."""
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        target = work / package
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            ROOT / package, target, symlinks=False, ignore=shutil.ignore_patterns("__pycache__")
        )
    (work / "cosmic-ray.toml").write_text(config(modules, sys.executable), encoding="utf-8")


def cosmic_ray(work: Path, *args: str) -> None:
    environment = {**os.environ, "PYTHONPATH": str(work), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([str(COSMIC_RAY), *args], cwd=work, env=environment, check=True)


def score(work: Path) -> Score:
    """Read the session in ``work``."""
    dump = subprocess.run(
        [str(COSMIC_RAY), "dump", "session.sqlite"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tally(dump)


def tally(dump: str) -> Score:
    """Every mutant's outcome in ``cosmic-ray dump`` output; the survivors with their diffs."""
    total = killed = 0
    survivors: list[dict[str, object]] = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            continue  # not run yet
        total += 1
        if result.get("test_outcome") == "survived":
            mutation = item["mutations"][0]
            diff = str(result.get("diff", ""))
            survivors.append(
                {
                    "file": mutation["module_path"],
                    "line": mutation["start_pos"][0],
                    "operator": mutation["operator_name"],
                    "diff": diff,
                    "equivalent": equivalent_reason(diff),
                }
            )
        else:
            killed += 1
    return Score(total, killed, survivors)


def report(result: Score, modules: tuple[str, ...]) -> str:
    changing = result.total - len(result.equivalent)
    lines = [
        f"mutation score: {result.percent:.1f}% ({result.killed} of the {changing} mutants that "
        f"change behaviour killed; {result.total} mutants, {len(result.equivalent)} equivalent, "
        f"{len(result.survivors) - len(result.equivalent)} survived)",
        f"mutated: {', '.join(modules)}",
        f"test command: {test_command('python')}",
        "",
    ]
    for survivor in result.survivors:
        verdict = f"EQUIVALENT ({survivor['equivalent']})" if survivor["equivalent"] else "SURVIVED"
        lines.append(f"{verdict} {survivor['file']}:{survivor['line']} {survivor['operator']}")
        lines.append(str(survivor["diff"]).rstrip())
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.mutation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--set", choices=sorted(SETS), default="ci", help="what to mutate")
    parser.add_argument(
        "--module", action="append", metavar="PATH", help="mutate these files instead of a set"
    )
    parser.add_argument("--fresh", action="store_true", help="start a new session")
    parser.add_argument("--report", action="store_true", help="only report the session so far")
    args = parser.parse_args(argv)
    modules = tuple(args.module) if args.module else SETS[args.set]
    name = "-".join(Path(m).stem for m in args.module) if args.module else args.set
    work = ROOT / "build" / "mutation" / name
    if args.report:
        return finish(work, modules)
    resume = (work / "session.sqlite").exists() and not args.fresh
    prepare(work, modules, args.fresh)
    if not resume:
        cosmic_ray(work, "init", "cosmic-ray.toml", "session.sqlite")
        cosmic_ray(work, "baseline", "cosmic-ray.toml")
    cosmic_ray(work, "exec", "cosmic-ray.toml", "session.sqlite")
    return finish(work, modules)


def finish(work: Path, modules: tuple[str, ...]) -> int:
    """Write and print the report of the session in ``work``."""
    text = report(score(work), modules)
    (work / "report.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"report: {work / 'report.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
