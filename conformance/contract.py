"""The published contract, loaded once: the spec, its lifecycle table and its error codes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.behaviours import Behaviour, catalogue
from conformance.lifecycle import Lifecycle

SPEC_PATH = Path(__file__).with_name("openapi.yaml")
"""``openapi.yaml``, shipped inside the package (a link to the repository's root copy)."""

API_VERSIONS: tuple[str, ...] = ("v1.0", "v1.0-beta1", "v1.0-alpha1")
"""The path prefixes daprd serves the workflow routes under, newest first."""

MAX_INSTANCE_ID_BYTES = 64


@dataclass(frozen=True)
class ErrorCode:
    """A Dapr error code with its HTTP status and message template (Go verbs)."""

    code: str
    status: int
    template: str

    def message(self, *args: object) -> str:
        """The message daprd writes, with the template's verbs filled in order."""
        return self.template.replace("%v", "%s") % args if args else self.template

    def body(self, *args: object) -> dict[str, str]:
        return {"errorCode": self.code, "message": self.message(*args)}


@functools.cache
def spec() -> dict[str, Any]:
    """The parsed ``openapi.yaml``. Callers must not mutate it."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


@functools.cache
def lifecycle() -> Lifecycle:
    """The instance lifecycle table from the spec's ``x-dapr-lifecycle``."""
    return Lifecycle.from_spec(spec())


@functools.cache
def error_codes() -> dict[str, ErrorCode]:
    """Every error code the workflow routes can answer with, from ``x-dapr-error-codes``."""
    return {
        code: ErrorCode(code=code, status=int(raw["status"]), template=str(raw["template"]))
        for code, raw in spec()["x-dapr-error-codes"].items()
    }


def error(code: str) -> ErrorCode:
    """The error code named ``code``; a KeyError names the known codes."""
    codes = error_codes()
    try:
        return codes[code]
    except KeyError:
        raise KeyError(f"unknown Dapr error code {code!r}; known: {sorted(codes)}") from None


BEHAVIOURS_PATH = Path(__file__).with_name("behaviours.yaml")


@functools.cache
def behaviours() -> dict[str, Behaviour]:
    """The behaviour catalogue: ``behaviours.yaml`` plus the reachable lifecycle cells."""
    with BEHAVIOURS_PATH.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return catalogue(data, lifecycle())
