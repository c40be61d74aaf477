"""Conformance suite and contract for the Dapr Workflow HTTP API.

The pure contract modules (:mod:`conformance.lifecycle`, :mod:`conformance.behaviours`,
:mod:`conformance.contract`) are shared with the mock; the suite itself
(:mod:`conformance.suite`) talks HTTP only.
"""

__version__ = "0.1.0"
