"""The catalogue of broken targets: each registers itself with :func:`variant`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

AppFactory = Callable[[float], web.Application]
"""Builds a broken app from the mock's ``start_delay``."""


@dataclass(frozen=True)
class Variant:
    """A broken target and how the suite must notice it."""

    name: str
    bug: str
    make_app: AppFactory
    catches: tuple[str, ...]
    """Behaviour IDs: the suite runs their tests, and each has a failing one."""
    says: str
    """Text that a failing test of each behaviour must have in its message."""
    quick: bool = True
    start_delay: float = 0.0

    def app(self) -> web.Application:
        return self.make_app(self.start_delay)


VARIANTS: list[Variant] = []


def variant(
    *catches: str,
    says: str,
    quick: bool = True,
    start_delay: float = 0.0,
) -> Callable[[AppFactory], AppFactory]:
    """Register a variant; its docstring is the bug."""

    def register(make_app: AppFactory) -> AppFactory:
        bug = (make_app.__doc__ or "").strip()
        assert bug, f"variant {make_app.__name__} needs a one-line docstring naming its bug"
        VARIANTS.append(
            Variant(make_app.__name__, bug, make_app, catches, says, quick, start_delay)
        )
        return make_app

    return register
