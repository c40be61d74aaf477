"""Deliberately broken targets: the mock with exactly one thing wrong each.

A variant is the mock built by ``create_app(...)`` and changed in one way, without patching:
- a middleware put in front of the mock's own rewrites one kind of answer (or refuses one kind
  of request);
- a :class:`~mockserver.transitions.Transitions` subclass (how instances move) or an
  :class:`Engine` subclass (how an operation is answered), run by the app (``use_engine``),
  changes one rule;
- ``create_app(workflows=...)`` replaces one conformance workflow with a wrong one.

Each variant's one-line docstring names the bug and a behaviour that must catch it; its
``@variant(...)`` lists every behaviour whose tests must fail against it (``catches``) and
``says``, a text their failure messages must contain.
"""

from __future__ import annotations

from tests.broken.variants import (
    events_and_timers,
    get_bodies,
    instance_ids,
    lifecycle,
    wrong_answers,
)
from tests.broken.variants.catalogue import VARIANTS, AppFactory, Variant, variant

__all__ = [
    "VARIANTS",
    "AppFactory",
    "Variant",
    "events_and_timers",
    "get_bodies",
    "instance_ids",
    "lifecycle",
    "variant",
    "wrong_answers",
]
