"""The control API's own errors (``/_mock/...``), outside Dapr's codes.

Pure: the HTTP layer turns these into ``{"errorCode", "message"}`` bodies.
"""

from __future__ import annotations

from daprhttp.errors import ApiError


class ControlError(ApiError):
    """A refused request to the mock's control API (``/_mock/...``), outside Dapr's codes."""
