"""The conformance profiles (``profiles.yaml``): how strictly the suite holds a target.

``dapr`` holds a target to daprd's exact answers; ``docs`` only to what the Workflow API
reference document promises. A profile is plain data: strictness knobs that the suite's checks
read, and the behaviours it does not check at all, each with its reason.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROFILES_PATH = Path(__file__).with_name("profiles.yaml")
DEFAULT_PROFILE = "dapr"

KNOBS: dict[str, tuple[str, ...]] = {
    "errors": ("exact", "any-error"),
    "error_body": ("exact-keys", "any"),
    "command_body": ("empty-object", "empty-or-empty-object"),
    "content_type": ("json", "any"),
    "get_keys": ("exact", "at-least"),
    "workflow_name": ("required", "optional"),
    "properties": ("checked", "ignored"),
    "generated_id": ("uuid4", "non-empty"),
    "timestamps": ("protojson", "rfc3339"),
}
"""Every knob a profile sets, with its allowed values, strictest first."""


class ProfileError(ValueError):
    """``profiles.yaml`` is malformed, or a profile name is unknown."""


@dataclass(frozen=True)
class Exemption:
    """Behaviours (fnmatch patterns over IDs) a profile does not check, and why."""

    patterns: tuple[str, ...]
    why: str

    def covers(self, behaviour_id: str) -> bool:
        return any(fnmatch.fnmatchcase(behaviour_id, p) for p in self.patterns)


@dataclass(frozen=True)
class Profile:
    """One profile: its name, description, knob settings and exemptions."""

    name: str
    description: str
    knobs: dict[str, str]
    not_checked: tuple[Exemption, ...] = ()

    def knob(self, name: str) -> str:
        try:
            return self.knobs[name]
        except KeyError:
            raise ProfileError(f"profile {self.name!r} has no knob {name!r}") from None

    def is_strict(self, name: str) -> bool:
        """Whether the knob is at its strictest (daprd's) setting."""
        return self.knob(name) == KNOBS[name][0]

    def why_not_checked(self, behaviour_id: str) -> str | None:
        """The reason this profile does not check the behaviour, or None when it does."""
        for exemption in self.not_checked:
            if exemption.covers(behaviour_id):
                return exemption.why
        return None

    @property
    def exact_errors(self) -> bool:
        return self.is_strict("errors")

    @property
    def reads_properties(self) -> bool:
        return self.is_strict("properties")


def parse_profile(name: str, raw: dict[str, Any]) -> Profile:
    """One profile from its YAML mapping; every knob must be set to an allowed value."""
    knobs: dict[str, str] = {}
    for knob, allowed in KNOBS.items():
        value = raw.get(knob)
        if value not in allowed:
            raise ProfileError(
                f"profile {name!r}: knob {knob!r} is {value!r}; allowed: {list(allowed)}"
            )
        knobs[knob] = str(value)
    unknown = set(raw) - set(KNOBS) - {"description", "not_checked"}
    if unknown:
        raise ProfileError(f"profile {name!r} has unknown keys {sorted(unknown)}")
    exemptions = tuple(
        Exemption(patterns=tuple(entry["patterns"]), why=str(entry["why"]))
        for entry in raw.get("not_checked") or ()
    )
    return Profile(
        name=name,
        description=" ".join(str(raw.get("description", "")).split()),
        knobs=knobs,
        not_checked=exemptions,
    )


@functools.cache
def profiles() -> dict[str, Profile]:
    """Every profile in ``profiles.yaml``, by name."""
    with PROFILES_PATH.open(encoding="utf-8") as handle:
        import yaml  # here, not at import: the plugin imports this module in every pytest run

        data = yaml.safe_load(handle)
    return {name: parse_profile(name, raw) for name, raw in data["profiles"].items()}


def profile(name: str) -> Profile:
    """The profile called ``name``; a ProfileError names the known ones."""
    known = profiles()
    try:
        return known[name]
    except KeyError:
        raise ProfileError(f"unknown profile {name!r}; choose one of {sorted(known)}") from None
