"""Real daprd, built from its Go module and run on loopback: the ground truth the mock copies.

- :mod:`daprsidecar.versions`: which daprd releases the project knows, and the default.
- :mod:`daprsidecar.build`: builds daprd, placement and scheduler for one version through the
  Go module proxy, cached per version outside git.
- :mod:`daprsidecar.resources`: the component and Configuration files a run needs (an
  in-memory actor state store; name resolution without mDNS).
- :mod:`daprsidecar.stack`: placement, scheduler, daprd and the conformance app as one
  context manager, on free loopback ports, stopped on every exit path.
- :mod:`daprsidecar.sockets`: every socket a set of processes holds (the loopback proof).
- :mod:`daprsidecar.cli`: ``dapr-workflow-sidecar build|run``.
- :mod:`daprsidecar.matrix`: the suite against several releases, compared.
- :mod:`daprsidecar.pytest_plugin`: the ``dapr_sidecar`` and ``dapr_workflow_endpoint`` fixtures.
"""
