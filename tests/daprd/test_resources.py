"""daprsidecar.resources and the command lines: what keeps the stack on loopback (no daprd run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from daprsidecar import resources
from daprsidecar.build import Binaries
from daprsidecar.stack import (
    LOOPBACK,
    Ports,
    daprd_command,
    placement_command,
    scheduler_command,
)


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return document


def test_the_configuration_resolves_names_without_mdns(tmp_path: Path) -> None:
    config = load(resources.write(tmp_path).config_file)
    assert config["kind"] == "Configuration"
    resolution = config["spec"]["nameResolution"]
    assert resolution["component"] == "kubernetes"
    assert resolution["configuration"]["template"].startswith("127.0.0.1:")


def test_the_state_store_is_in_memory_and_holds_actor_state(tmp_path: Path) -> None:
    files = resources.write(tmp_path)
    [store_file] = sorted(files.resources_path.glob("*.yaml"))
    store = load(store_file)
    assert store["kind"] == "Component"
    assert store["spec"]["type"] == "state.in-memory"
    assert {"name": "actorStateStore", "value": "true"} in store["spec"]["metadata"]


def test_daprd_reads_those_files_and_every_listen_address_flag_is_loopback(tmp_path: Path) -> None:
    files = resources.write(tmp_path)
    binaries = Binaries("1.18.2", tmp_path / "bin")
    ports = Ports(*range(40001, 40011))
    daprd = daprd_command(binaries, ports, files)
    assert f"--config={files.config_file}" in daprd
    assert f"--resources-path={files.resources_path}" in daprd
    commands = [
        placement_command(binaries, ports),
        scheduler_command(binaries, ports, tmp_path / "etcd"),
        daprd,
    ]
    addresses = [
        part.partition("=")[2]
        for command in commands
        for part in command
        if part.partition("=")[0].endswith(("listen-address", "listen-addresses"))
    ]
    assert len(addresses) >= 9
    assert set(addresses) == {LOOPBACK}
    assert all("--enable-metrics=false" in command for command in commands)
