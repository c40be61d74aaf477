"""Replaying recorded daprd exchanges against another target, and saying where it differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.vectors import scenarios

HERE = Path(__file__).parent
REFERENCE_VERSION = "1.18.2"
"""The daprd release the mock and the engine target answer like (the newest one built here)."""
SETTLE_SCALE = 0.1
"""Settles shrink on replay: the mock shows a command's effect at once (daprd: ~0.1 s)."""


def recorded(version: str = REFERENCE_VERSION) -> dict[str, dict[str, Any]]:
    """Every recorded scenario of ``version``, by name."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((HERE / f"daprd-{version}").glob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        found[document["scenario"]] = document
    return found


def differences(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """Each exchange whose answer differs, said in a line or two (empty: the same answers)."""
    lines: list[str] = []
    if len(expected) != len(got):
        lines.append(f"{len(got)} exchanges instead of the recorded {len(expected)}")
    for want, have in zip(expected, got, strict=False):
        request = want["request"]
        said = f"step {want['step']}: {request['method']} {request['path']}"
        if have["request"] != request:
            lines.append(f"{said}: a different request was sent ({have['request']})")
        elif have["response"] != want["response"]:
            daprd, other = _short(want["response"]), _short(have["response"])
            lines.append(f"{said}\n    daprd: {daprd}\n    got:   {other}")
    return lines


def replay(document: dict[str, Any], base_url: str) -> list[str]:
    """Play the recorded scenario against ``base_url``; its differences from the recording."""
    scenario = scenarios.SCENARIOS[document["scenario"]]
    got = scenarios.run(scenario, base_url, settle_scale=SETTLE_SCALE)
    return differences(document["exchanges"], got)


def _short(response: dict[str, Any]) -> str:
    body = response.get("json", response.get("text"))
    return f"{response['status']} {response['contentType']} {json.dumps(body, ensure_ascii=False)}"
