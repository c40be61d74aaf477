"""daprsidecar.build and versions without Go: failure messages, the cache, version names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daprsidecar.build import (
    COMMANDS,
    STAMP,
    Binaries,
    BuildError,
    _explain_failure,
    cache_root,
    cached,
    ensure_built,
)
from daprsidecar.pytest_plugin import unavailable_reason
from daprsidecar.versions import VersionError, normalise

REFUSED_OUTPUT = """\
go: downloading github.com/dapr/durabletask-go v0.12.4
go: downloading github.com/dapr/components-contrib v1.18.4
go: github.com/dapr/dapr/cmd/daprd imports
\tgithub.com/dapr/dapr/pkg/runtime/wfengine imports
\tgithub.com/dapr/durabletask-go/backend: github.com/dapr/durabletask-go@v0.12.4: reading \
https://proxy.golang.org/github.com/dapr/durabletask-go/@v/v0.12.4.zip: 403 Forbidden
go: github.com/dapr/dapr/cmd/placement imports
\tgithub.com/dapr/durabletask-go/api: github.com/dapr/durabletask-go@v0.12.4: reading \
https://proxy.golang.org/github.com/dapr/durabletask-go/@v/v0.12.4.zip: 403 Forbidden
"""


@pytest.fixture
def daprd_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty $DAPRD_CACHE."""
    monkeypatch.setenv("DAPRD_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def no_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH on which there is no ``go``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def fill(binaries: Binaries, names: tuple[str, ...]) -> None:
    binaries.directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (binaries.directory / name).write_text("fake\n")


def test_a_refused_module_is_named_with_its_version_and_the_proxy_s_answer() -> None:
    message = _explain_failure("1.18.3", REFUSED_OUTPUT)
    assert message == (
        "daprd 1.18.3 cannot be built here: the Go module proxy refuses 1 module(s) it needs: "
        "github.com/dapr/durabletask-go@v0.12.4 (403 Forbidden)"
    )


def test_any_other_failure_ends_with_go_s_last_lines() -> None:
    output = "\n".join(f"line {n}" for n in range(30)) + "\n./main.go:3:1: syntax error\n"
    message = _explain_failure("1.18.2", output)
    assert message.startswith("daprd 1.18.2 did not build:\n")
    assert message.endswith("./main.go:3:1: syntax error")
    assert "line 15" not in message
    assert _explain_failure("1.18.2", "") == "daprd 1.18.2 did not build:\nno output"


def test_the_cache_is_per_version_under_daprd_cache(daprd_cache: Path) -> None:
    assert cache_root() == daprd_cache
    assert cached("v1.18.2") == Binaries("1.18.2", daprd_cache / "1.18.2")
    assert cached("1.18.2").daprd == daprd_cache / "1.18.2" / "daprd"


def test_a_cache_entry_is_complete_only_with_every_program_and_the_build_record(
    daprd_cache: Path,
) -> None:
    binaries = cached("1.18.2")
    assert not binaries.complete()
    fill(binaries, COMMANDS)
    assert not binaries.complete()  # no build.json: an interrupted build
    fill(binaries, (STAMP,))
    assert binaries.complete()
    os.remove(binaries.scheduler)
    assert not binaries.complete()
    binaries.scheduler.mkdir()
    assert not binaries.complete()


def test_a_complete_cache_entry_is_used_without_go(daprd_cache: Path, no_go: None) -> None:
    binaries = cached("1.18.2")
    fill(binaries, (*COMMANDS, STAMP))
    assert ensure_built("v1.18.2") == binaries
    assert unavailable_reason("1.18.2") is None


def test_without_a_cache_entry_or_go_the_build_fails_and_the_skip_reason_says_so(
    daprd_cache: Path, no_go: None
) -> None:
    with pytest.raises(BuildError, match="no 'go' command is on PATH"):
        ensure_built("1.18.2", log=lambda line: None)
    assert unavailable_reason("v1.18.2") == (
        "daprd 1.18.2 is not built and no Go toolchain is on PATH to build it (make daprd)"
    )


def test_with_go_on_path_daprd_counts_as_available(
    daprd_cache: Path, no_go: None, tmp_path: Path
) -> None:
    go = tmp_path / "empty-bin" / "go"
    go.write_text("#!/bin/sh\nexit 1\n")
    go.chmod(0o755)
    assert unavailable_reason("1.18.2") is None


def test_a_version_may_have_a_v_and_must_be_a_release_number() -> None:
    assert normalise("v1.18.2") == "1.18.2"
    assert normalise(" 1.16.1 ") == "1.16.1"
    assert normalise("1.19.0-rc.1") == "1.19.0-rc.1"
    for wrong in ("latest", "1.18", "", "v1.18.2.1", "master"):
        with pytest.raises(VersionError):
            normalise(wrong)
