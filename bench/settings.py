"""What one benchmark run does: durations, load shape, store sizes, optional parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

POOL_PREFIX = "bench-"
"""Preloaded waiting EventWorkflow instances are ``bench-0`` .. ``bench-(N-1)``."""
POOL_INPUT = b'{"payload":1234}'
"""The input of every preloaded instance (16 bytes; subtracted as "payload" in the memory cost)."""
OPERATIONS = ("get", "pause_resume", "raise_event", "start")
"""The measured operations, in order (start last: it grows the store), also the names of
their Lua scripts in ``bench/lua``."""


@dataclass(frozen=True)
class Settings:
    seconds: int = 5
    warmup: int = 1
    connections: int = 32
    threads: int = 1
    rounds: int = 1
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    timer_instances: int = 100_000
    preload_concurrency: int = 64
    uvloop: bool = False
    suite: bool = True
    profile: bool = True
    out: Path = field(default_factory=lambda: Path("bench/results"))
