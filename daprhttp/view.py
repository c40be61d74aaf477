"""What GET shows of an instance, whichever backend holds it.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from conformance.lifecycle import Status


@dataclass(slots=True)
class InstanceView:
    """A snapshot of an instance, as GET and the control API show it (read-only by convention:
    not frozen, because a frozen dataclass costs GET a third of its engine time to build)."""

    instance_id: str
    workflow_name: str | None
    created_at_us: int | None
    last_updated_at_us: int | None
    """None before the start is processed (GET shows the Go zero time, as daprd does)."""
    runtime_status: Status
    properties: Mapping[str, str]
    parent_instance_id: str | None
    waiting_for: str | None
    buffered_events: Mapping[str, int]
