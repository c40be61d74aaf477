"""Real daprd, built from its Go module and run on loopback: the ground truth the mock copies.

- :mod:`daprsidecar.versions`: which daprd releases the project knows, and the default.
- :mod:`daprsidecar.build`: builds daprd, placement and scheduler for one version through the
  Go module proxy, cached per version outside git.
- :mod:`daprsidecar.resources`: the component and Configuration files a run needs (an
  in-memory actor state store; name resolution without mDNS).
- :mod:`daprsidecar.stack`: placement, scheduler, daprd and the conformance app as one
  context manager, on free loopback ports, stopped on every exit path.
- :mod:`daprsidecar.cli`: ``dapr-workflow-sidecar build|run|env``.
- :mod:`daprsidecar.pytest_plugin`: the ``dapr_sidecar`` fixture.
"""
