"""The control API's operations on instances: what only a test may do, and what only the mock
can show.

A test may force an active instance to an end (COMPLETED with an output, FAILED with a failure)
or set its custom status; the mock shows every instance it holds and each one's history. These
are :class:`~mockserver.engine.Engine`'s (it inherits them); they change instances only
through :class:`~mockserver.transitions.Transitions`, like every other operation.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

from typing import Any

from conformance.lifecycle import Status
from daprhttp.view import InstanceView
from mockserver import history
from mockserver.control_errors import ControlError
from mockserver.instance import Failure, Instance, view
from mockserver.transitions import Transitions


class ControlOperations:
    """The control API's part of the engine."""

    _instances: dict[str, Instance]
    transitions: Transitions

    def run_due(self) -> int:
        raise NotImplementedError

    def instances(self) -> list[InstanceView]:
        self.run_due()
        return [view(instance) for instance in self._instances.values()]

    def force_complete(self, instance_id: str, output: str | None) -> InstanceView:
        """End an active instance as COMPLETED with ``output`` (JSON text)."""
        instance = self._forceable(instance_id)
        self.transitions.finish(instance, Status.COMPLETED, output=output)
        self.run_due()
        return view(instance)

    def force_fail(self, instance_id: str, message: str, error_type: str) -> InstanceView:
        """End an active instance as FAILED with this failure."""
        instance = self._forceable(instance_id)
        self.transitions.finish(instance, Status.FAILED, failure=Failure(error_type, message))
        self.run_due()
        return view(instance)

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        """The instance's history events (:mod:`mockserver.history`)."""
        self.run_due()
        instance = self._instances.get(instance_id)
        if instance is None:
            raise ControlError("MOCK_INSTANCE_NOT_FOUND", 404, f"no instance {instance_id!r}")
        return history.render(history.of(instance))

    def force_custom_status(self, instance_id: str, custom_status: str | None) -> InstanceView:
        """Set an active instance's custom status (as the workflow would)."""
        instance = self._forceable(instance_id)
        instance.custom_status = custom_status
        self.transitions.touch(instance)
        self.run_due()
        return view(instance)

    def _forceable(self, instance_id: str) -> Instance:
        self.run_due()
        instance = self._instances.get(instance_id)
        if instance is None:
            raise ControlError("MOCK_INSTANCE_NOT_FOUND", 404, f"no instance {instance_id!r}")
        if not self.transitions.lifecycle.is_active(instance.status):
            raise ControlError(
                "MOCK_INSTANCE_NOT_ACTIVE",
                409,
                f"instance {instance_id!r} is {instance.status.value}; only PENDING, RUNNING "
                "and SUSPENDED instances can be forced to end",
            )
        self.transitions.mark_started(instance)
        return instance
