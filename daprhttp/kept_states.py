"""GET answers kept between requests: a GET of an unchanged instance reuses its bytes.

A backend names a *revision* of each instance (:meth:`WorkflowBackend.revision
<daprhttp.dispatch.WorkflowBackend.revision>`), a value that changes whenever what GET shows
changes; a kept body is answered while its revision is the instance's current one. Revisions
only move forward, so a body rendered after a change but kept under the revision before it is
never answered (the next GET renders again).

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

KEPT_LIMIT = 65_536
"""Bodies kept before the stale ones are dropped (a purged instance's body is never asked for
again, and would otherwise stay); the limit grows with the bodies still current, so a GET of
each of more live instances than this never renders afresh."""

Revision = Callable[[str], Hashable | None]
"""An instance's current revision (``WorkflowBackend.revision``)."""


class KeptStates:
    """GET bodies by instance ID, each with the revision it was rendered at."""

    __slots__ = ("_bodies", "_limit")

    def __init__(self, limit: int = KEPT_LIMIT) -> None:
        self._bodies: dict[str, tuple[Hashable, bytes]] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._bodies)

    def kept(self, instance_id: str, revision: Hashable | None) -> bytes | None:
        """The body kept for ``instance_id`` at ``revision`` (None: render it)."""
        if revision is None:
            return None
        entry = self._bodies.get(instance_id)
        return entry[1] if entry is not None and entry[0] == revision else None

    def keep(
        self, instance_id: str, revision: Hashable | None, body: bytes, current: Revision
    ) -> bytes:
        """Keep ``body`` as the answer at ``revision`` (None keeps nothing); returns it.

        When the limit is reached, the bodies whose revision is no longer ``current`` go."""
        if revision is not None:
            if len(self._bodies) >= self._limit and instance_id not in self._bodies:
                self._drop_stale(current)
            self._bodies[instance_id] = (revision, body)
        return body

    def _drop_stale(self, current: Revision) -> None:
        self._bodies = {
            instance_id: entry
            for instance_id, entry in self._bodies.items()
            if current(instance_id) == entry[0]
        }
        # Twice the current bodies: dropping stays amortised O(1) per kept body.
        self._limit = max(self._limit, 2 * len(self._bodies))
