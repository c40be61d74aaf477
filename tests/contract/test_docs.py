"""The README and docs/ cannot go stale: every command, flag, make target and link they show exists.

- Every shell block's commands: a console script of the project (``dapr-workflow-mock``,
  ``-conformance``, ``-engine``, ``-sidecar``), ``pytest`` or ``python -m mockserver`` may name
  only options its ``--help`` lists; ``make`` only targets and variables the Makefile has. A
  command after ``--`` (``dapr-workflow-engine --port 0 -- dapr-workflow-conformance ...``) is
  checked the same way. Any other program must be one this file knows it does not check.
- An options table under ``<!-- options of: COMMAND[; group: GROUP] -->`` lists exactly the
  options that ``COMMAND --help`` (or that group of it) lists: none invented, none missing. A
  table under ``<!-- targets of: make -->`` lists exactly the Makefile's ``.PHONY`` targets.
- Every relative link resolves to a file, and every ``#anchor`` to a heading of that file.
"""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.M | re.S)
SEPARATORS = {"&&", "||", ";", "|"}
# Programs the shell blocks run whose options this file does not check, each with why.
NOT_CHECKED = {
    "pip": "pip's own options",
    "curl": "curl's own options",
    "st": "Schemathesis: tests/contract/test_schemathesis_cli.py runs st run and st --config-file",
    "dapr": "the Dapr CLI, which this project neither installs nor needs",
    "my-client-tests": "a placeholder for the reader's own command",
    "python -m conformance.app": "the Dapr SDK app (imports the Dapr SDK)",
}
HELP_ONLY = {"-h", "--help", "--version"}
CHECKED = {"dapr-workflow-mock", "dapr-workflow-conformance", "dapr-workflow-engine", "pytest"}


def run_help(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    return done.stdout


@functools.cache
def help_text(command: str) -> str:
    """The help of a command as the docs name it (``dapr-workflow-sidecar run``, ``pytest``)."""
    words = command.split()
    if words[0] == "pytest":
        return run_help(sys.executable, "-m", "pytest", "--help")
    script = str(BIN / words[0])
    if words[1:] == ["--help-pytest"]:
        return run_help(script, "--help-pytest")
    text = run_help(script, *words[1:], "--help")
    if words[0] == "dapr-workflow-conformance":
        # Everything it does not know goes to pytest: the suite's options are its options too.
        text += "\n" + run_help(script, "--help-pytest")
    return text


def options(text: str, group: str | None = None) -> set[str]:
    """The option strings of a help text's option lines (``-n``, ``--target``, ...).

    With ``group``, only those under that group's heading (a line ``GROUP:`` at column 0).
    """
    found: set[str] = set()
    current = None
    for line in text.splitlines():
        if re.match(r"^\S.*:\s*$", line):
            current = line.rstrip().rstrip(":")
            continue
        if group is not None and current != group:
            continue
        stripped = line.strip()
        if not stripped.startswith("-") or not line.startswith(" "):
            continue
        column = re.split(r"\s{2,}", stripped)[0]
        found.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", column))
    return found


@functools.cache
def makefile() -> tuple[set[str], set[str], set[str]]:
    """The Makefile's rule targets, its ``.PHONY`` targets and its variables."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    targets = set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", joined, re.M))
    (phony_line,) = re.findall(r"^\.PHONY:(.*)$", joined, re.M)
    variables = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*[?:]?=", text, re.M))
    variables |= set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", text))
    variables |= set(re.findall(r"\$\$\{([A-Z][A-Z0-9_]*)", text))
    return targets, set(phony_line.split()), variables


def shell_commands(page: Path) -> list[list[str]]:
    """Every command of the page's shell blocks, as words, continuation lines joined."""
    commands = []
    for block in SHELL_BLOCK.findall(page.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, ";"]:
                if word in SEPARATORS:
                    if command:
                        commands.append(command)
                    command = []
                else:
                    command.append(word)
    return commands


def problems_of(words: list[str]) -> list[str]:
    """What is wrong with one command: unknown options, targets, variables or programs."""
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        if "$(" in words[0]:
            return []  # a shell variable set from a command substitution
        words = words[1:]  # VAR=value before the program
    if not words:
        return []
    program = Path(words[0]).name
    args = words[1:]
    if program in ("python", "python3") and args[:1] == ["-m"] and len(args) > 1:
        module, args = args[1], args[2:]
        program = {"mockserver": "dapr-workflow-mock", "pytest": "pytest"}.get(
            module, f"python -m {module}"
        )
    if program in NOT_CHECKED or (program == "python" and args[:1] == ["-c"]):
        return []
    if program == "make":
        targets, _, variables = makefile()
        wrong = []
        for arg in args:
            name = arg.split("=", 1)[0]
            if "=" in arg and name not in variables:
                wrong.append(f"make variable {name}")
            elif "=" not in arg and arg not in targets:
                wrong.append(f"make target {arg}")
        return wrong
    if program == "dapr-workflow-sidecar":
        if not args or args[0] not in ("build", "run"):
            return [f"dapr-workflow-sidecar subcommand {args[:1]}"]
        program, args = f"dapr-workflow-sidecar {args[0]}", args[1:]
    elif program not in CHECKED:
        return [f"a program this test does not know: {program}"]
    known = options(help_text(program))
    wrong = []
    for i, arg in enumerate(args):
        if arg == "--":
            return wrong + problems_of(args[i + 1 :])
        if arg.startswith("-") and arg.split("=", 1)[0] not in known:
            wrong.append(f"{program} has no option {arg}")
    return wrong


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_command_in_a_shell_block_exists(page: Path) -> None:
    wrong = [
        f"{' '.join(words)}: {problem}"
        for words in shell_commands(page)
        for problem in problems_of(words)
    ]
    assert not wrong, "\n".join(wrong)


def tables_under(marker: str, text: str) -> list[tuple[str, list[str]]]:
    """Each ``<!-- MARKER: ARG -->`` with the first cells of the table right below it."""
    found = []
    for m in re.finditer(rf"^<!-- {marker}: (.*?) -->\n((?:\|.*\n)+)", text, re.M):
        rows = m.group(2).splitlines()[2:]  # past the header and its rule
        found.append((m.group(1), [row.split(" | ")[0].lstrip("| ") for row in rows]))
    return found


def documented_options(cells: list[str]) -> set[str]:
    return {
        word
        for cell in cells
        for code in re.findall(r"`([^`]*)`", cell)
        for word in re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", code)
    }


def option_tables() -> list[tuple[Path, str, list[str]]]:
    return [
        (page, arg, cells)
        for page in PAGES
        for arg, cells in tables_under("options of", page.read_text(encoding="utf-8"))
    ]


def test_the_option_tables_are_found() -> None:
    assert {arg.split(";")[0] for _, arg, _ in option_tables()} >= {
        "dapr-workflow-mock",
        "dapr-workflow-engine",
        "dapr-workflow-conformance",
        "dapr-workflow-conformance --help-pytest",
        "dapr-workflow-sidecar run",
        "pytest",
    }


@pytest.mark.parametrize(
    ("page", "arg", "cells"),
    option_tables(),
    ids=[f"{page.name}:{arg}" for page, arg, _ in option_tables()],
)
def test_an_options_table_lists_exactly_the_commands_options(
    page: Path, arg: str, cells: list[str]
) -> None:
    command, _, group = arg.partition("; group: ")
    if command == "dapr-workflow-conformance":
        text = run_help(str(BIN / command), "--help")  # its own, not pytest's
    else:
        text = help_text(command)
    real = options(text, group or None) - HELP_ONLY
    documented = documented_options(cells)
    assert real, f"{command} shows no options under {group!r}"
    assert documented - real == set(), f"{page.name} documents options {command} does not have"
    assert real - documented == set(), f"{page.name} leaves out options of {command}"


def test_the_make_table_lists_exactly_the_phony_targets() -> None:
    (tables,) = [
        cells
        for page in PAGES
        for _, cells in tables_under("targets of", page.read_text(encoding="utf-8"))
    ]
    documented = {
        name
        for cell in tables
        for code in re.findall(r"`([^`]*)`", cell)
        for name in [code.removeprefix("make ")]
    }
    assert documented == makefile()[1]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


@functools.cache
def anchors(page: Path) -> frozenset[str]:
    text = SHELL_BLOCK.sub("", page.read_text(encoding="utf-8"))
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return frozenset(slug(h) for h in re.findall(r"^#{1,6} (.*)$", text, re.M))


def links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # code blocks are not links
    inline = re.findall(r"\]\(([^)\s]+)\)", text)
    references = re.findall(r"^\[[^\]]+\]: (\S+)", text, re.M)
    return [*inline, *references]


def broken_links(page: Path) -> list[str]:
    wrong = []
    for link in links(page):
        if re.match(r"^[a-z]+:", link):
            continue  # https:, mailto:
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            wrong.append(f"{link}: no such file")
        elif anchor and (target.suffix != ".md" or anchor not in anchors(target)):
            wrong.append(f"{link}: no heading #{anchor} in {target.name}")
    return wrong


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert not broken_links(page), "\n".join(broken_links(page))


def test_the_readme_states_the_test_command_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ["make", "test"] in shell_commands(ROOT / "README.md")
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "docs/" in readme


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Top\n\n```sh\nmake no-such-target\ndapr-workflow-mock --no-such-flag\n"
        "dapr-workflow-engine --port 0 -- dapr-workflow-conformance --no-such-option\n"
        "make conformance NO_SUCH_VARIABLE=1\nfrobnicate --x\n```\n\n"
        "[a](missing.md) [b](#top) [c](#nowhere)\n",
        encoding="utf-8",
    )
    found = [p for words in shell_commands(page) for p in problems_of(words)]
    assert found == [
        "make target no-such-target",
        "dapr-workflow-mock has no option --no-such-flag",
        "dapr-workflow-conformance has no option --no-such-option",
        "make variable NO_SUCH_VARIABLE",
        "a program this test does not know: frobnicate",
    ]
    assert broken_links(page) == [
        "missing.md: no such file",
        "#nowhere: no heading #nowhere in page.md",
    ]
    assert slug("7. Instance IDs") == "7-instance-ids"
    assert slug("The spec: `openapi.yaml`") == "the-spec-openapiyaml"
