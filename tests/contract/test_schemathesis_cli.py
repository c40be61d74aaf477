"""The spec as a third-party tool uses it: Schemathesis's own CLI, default checks, with the
``schemathesis.toml`` shipped beside the spec, passes against the mock and fails against a
broken one (the engine target's run is in tests/engine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.testing import running_mock, serving
from tests.broken.variants import VARIANTS

REPO = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")
RUN_TIMEOUT = 300


def st_run(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``st run openapi.yaml --url BASE/v1.0 ARGS`` from the repository root (docs/spec.md)."""
    return subprocess.run(
        [str(ST), "run", "openapi.yaml", "--url", f"{base_url}/v1.0", "--no-color", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_the_configuration_ships_beside_the_spec_in_the_package() -> None:
    packaged = REPO / "conformance" / "schemathesis.toml"
    assert packaged.read_text() == (REPO / "schemathesis.toml").read_text()
    assert (REPO / "conformance" / "openapi.yaml").exists()


def test_the_plain_cli_run_passes_against_the_mock() -> None:
    with running_mock() as url:
        done = st_run(url)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout, done.stdout[-6000:]


def test_without_the_configuration_daprds_documented_500s_fail_the_run() -> None:
    # The one thing the configuration changes: pause/resume/raiseEvent of an unknown ID are 500.
    with running_mock() as url:
        spec = str(REPO / "openapi.yaml")
        done = subprocess.run(
            [
                str(ST),
                "--config-file",
                "/dev/null",
                "run",
                spec,
                "--url",
                f"{url}/v1.0",
                "--no-color",
                "--max-failures",
                "1",
            ],
            cwd=REPO / "tools",
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    assert done.returncode == 1, done.stdout[-6000:]
    assert "Server error" in done.stdout, done.stdout[-6000:]


@pytest.mark.parametrize(
    ("variant", "says"),
    [
        ("errors_carry_details", "Response violates schema"),
        ("start_spells_instance_id_key_instanceId", "Response violates schema"),
        ("a_malformed_body_is_500", "Server error"),
    ],
)
def test_the_plain_cli_run_fails_against_a_broken_mock(variant: str, says: str) -> None:
    (broken,) = [v for v in VARIANTS if v.name == variant]
    with serving(broken.app()) as url:
        done = st_run(url, "--max-failures", "1")
    assert done.returncode == 1, done.stdout[-6000:]
    assert says in done.stdout, done.stdout[-6000:]
