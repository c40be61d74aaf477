"""The daprd releases the project builds and checks, and how a version is named.

Pure data and parsing; no I/O.
"""

from __future__ import annotations

import re

NEWEST_RELEASE = "1.18.3"
"""The newest daprd release when these lines were written."""

DEFAULT_VERSION = "1.18.2"
"""What ``make daprd`` builds without ``DAPRD_VERSION``: the newest release whose whole module
graph the Go module proxy serves to this project's CI. 1.18.3 needs
``github.com/dapr/durabletask-go@v0.12.4``, which that proxy refuses (403); elsewhere
``DAPRD_VERSION=1.18.3`` builds it."""

MATRIX = ("1.16.0", "1.18.2")
"""The versions ``make conformance-daprd-matrix`` checks: per minor line the newest release
buildable through the proxy (no 1.17 release is: see docs/daprd.md, "Which releases")."""

VERSION_ENV = "DAPRD_VERSION"

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?")


class VersionError(ValueError):
    """A string that is not a daprd release version."""


def normalise(version: str) -> str:
    """``"v1.18.2"`` or ``"1.18.2"`` as ``"1.18.2"``; anything else is a :class:`VersionError`."""
    found = _VERSION.fullmatch(version.strip())
    if not found:
        raise VersionError(f"{version!r} is not a daprd version (expected e.g. {DEFAULT_VERSION})")
    return version.strip().removeprefix("v")


def minor(version: str) -> tuple[int, int]:
    """The (major, minor) line of a version: ``(1, 18)`` for ``1.18.2``."""
    found = _VERSION.fullmatch(normalise(version))
    assert found is not None
    return int(found.group(1)), int(found.group(2))
