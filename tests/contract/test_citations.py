"""Every citation of daprd's behaviour points at something a reader can open.

Code, tests and the spec cite ``docs/daprd-http.md §N`` (the project's account of daprd's HTTP
API, shipped in the repository and the wheel): each cited section must be a heading of that
document, and each Dapr test it names (``T1`` ... ``T18``) must be listed in its §11. The old
form, a bare ``facts §N`` pointing at a document the repository never had, must be gone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "daprd-http.md"
CITATION = "docs/daprd-http.md §"
# The old citation form, spelled in two pieces so that this file does not cite it itself.
OLD_CITATION = re.compile("(?:^|[^/.\\w])facts" + r" §|dapr-http-facts\.md")
SKIPPED_DIRS = {".git", ".venv", "build", "dist", "node_modules", ".sdk", "__pycache__"}
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".md", ".toml", ".txt", ".json", ".go", ".cfg"}
TREE = ["openapi.yaml", "README.md", "conformance", "daprhttp", "mockserver", "engineserver"]
TREE += ["daprsidecar", "tests", "bench", "tools", "docs", "examples"]
"""Everything the repository writes (``conformance/openapi.yaml`` is a link to ``openapi.yaml``)."""


def text_files(top: Path) -> list[Path]:
    if top.is_file():
        return [top]
    return sorted(
        p
        for p in top.rglob("*")
        if p.is_file()
        and p.suffix in TEXT_SUFFIXES
        and not p.is_symlink()
        and not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in p.relative_to(ROOT).parts)
    )


def sections() -> set[str]:
    """The numbers of the document's headings: ``## 2. Routes`` is 2, ``### 2.4 ...`` is 2.4."""
    found = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#{2,4} (\d+(?:\.\d+)*)\.? ", line)
        if m:
            found.add(m.group(1))
    return found


def dapr_tests() -> set[str]:
    """The Dapr tests §11 lists, each as a bullet starting ``- **Tn**``."""
    return set(re.findall(r"^- \*\*(T\d+)\*\*", DOC.read_text(encoding="utf-8"), re.M))


def citations(text: str) -> list[tuple[str, list[str], list[str]]]:
    """Each citation: the text cited, its sections, its Dapr tests.

    A citation runs from ``docs/daprd-http.md §`` to the next closing bracket, quote, line end,
    "observed" (the recorded vectors a source goes on to name) or next citation, so
    ``§8, §5.3; T18`` is one.
    """
    found = []
    for m in re.finditer(re.escape(CITATION), text):
        rest = text[m.end() - 1 :]
        cut = re.search(r"[)\]\"'\n`]|observed|docs/daprd-http", rest)
        cited = rest[: cut.start()] if cut else rest
        found.append(
            (
                cited,
                re.findall(r"§(\d+(?:\.\d+)*)", cited),
                re.findall(r"\bT(\d+)\b", cited),
            )
        )
    return found


def every_citation() -> list[tuple[str, str, list[str], list[str]]]:
    out = []
    for path in text_files(ROOT):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for cited, secs, tests in citations(text):
            if cited.startswith("§N") or path == Path(__file__):
                continue  # the notation itself, or this file's own examples
            out.append((str(path.relative_to(ROOT)), cited, secs, tests))
    return out


def test_the_cited_document_has_the_stable_sections() -> None:
    expected = {str(n) for n in range(13)} | {"2.1", "2.2", "2.3", "2.4", "5.1", "5.2", "5.3"}
    assert expected <= sections()
    assert {f"T{n}" for n in range(1, 19)} == dapr_tests()


def test_the_tree_cites_the_document() -> None:
    assert len(every_citation()) > 100


def test_every_citation_names_a_section_and_dapr_test_the_document_has() -> None:
    have, tests = sections(), dapr_tests()
    wrong = [
        f"{path}: {cited!r}"
        for path, cited, secs, named in every_citation()
        if not secs or not set(secs) <= have or not {f"T{n}" for n in named} <= tests
    ]
    assert not wrong, (
        "citations of sections or tests docs/daprd-http.md does not have:\n" + "\n".join(wrong)
    )


@pytest.mark.parametrize("top", TREE)
def test_no_old_citation_is_left(top: str) -> None:
    left = []
    for path in text_files(ROOT / top):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OLD_CITATION.search(line) and path != Path(__file__):
                left.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not left, "citations of a document the repository does not have:\n" + "\n".join(left)


def test_the_citation_parser_reads_each_form() -> None:
    text = (
        'source: "docs/daprd-http.md §8, §5.3; T18; observed on daprd 1.18.2 (x.json)"\n'
        "(docs/daprd-http.md §2-§5) and docs/daprd-http.md §5.2. and (docs/daprd-http.md §99)"
    )
    assert [(s, t) for _, s, t in citations(text)] == [
        (["8", "5.3"], ["18"]),
        (["2", "5"], []),
        (["5.2"], []),
        (["99"], []),
    ]
    assert OLD_CITATION.search("see facts" + " §8")
    assert not OLD_CITATION.search("docs/daprd-http.md §8")
