"""The files a standalone daprd run reads: its components and its Configuration.

- One state store, ``state.in-memory``, marked ``actorStateStore``: workflows keep their
  history in actor state, and an in-memory store starts empty every run (as Dapr's own
  workflow tests do).
- A Configuration whose name resolution is the ``kubernetes`` resolver with a fixed
  ``127.0.0.1:{{.Port}}`` template. Standalone daprd otherwise uses mDNS, which sends multicast
  off loopback; this resolver only formats the template, so nothing leaves the machine.

Pure: :func:`state_store` and :func:`configuration` build the documents; :func:`write` puts
them in a directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_STORE = "conformance-actor-store"
CONFIGURATION = "conformance-sidecar"


@dataclass(frozen=True)
class Resources:
    """Where one run's files are: ``--resources-path`` and ``--config``."""

    resources_path: Path
    config_file: Path


def state_store() -> dict[str, Any]:
    """The in-memory actor state store component."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": STATE_STORE},
        "spec": {
            "type": "state.in-memory",
            "version": "v1",
            "metadata": [{"name": "actorStateStore", "value": "true"}],
        },
    }


def configuration() -> dict[str, Any]:
    """The Configuration: name resolution on loopback, without mDNS."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Configuration",
        "metadata": {"name": CONFIGURATION},
        "spec": {
            "nameResolution": {
                "component": "kubernetes",
                "configuration": {"template": "127.0.0.1:{{.Port}}"},
            },
        },
    }


def write(directory: Path) -> Resources:
    """Write the components and the Configuration under ``directory``."""
    import yaml  # here: the sidecar's pytest plugin imports this module in every pytest run

    components = directory / "resources"
    components.mkdir(parents=True, exist_ok=True)
    (components / "statestore.yaml").write_text(yaml.safe_dump(state_store()), "utf-8")
    config_file = directory / "config.yaml"
    config_file.write_text(yaml.safe_dump(configuration()), "utf-8")
    return Resources(components, config_file)
