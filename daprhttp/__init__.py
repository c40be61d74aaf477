"""daprd's workflow HTTP surface, shared by every server that answers as daprd does.

Routing (:mod:`~daprhttp.routing`), the protojson body checks (:mod:`~daprhttp.protojson`),
response bodies (:mod:`~daprhttp.bodies`, :mod:`~daprhttp.responses`), daprd's errors
(:mod:`~daprhttp.errors`, :mod:`~daprhttp.refusals`), the instance ID rules
(:mod:`~daprhttp.ids`), the instance view (:mod:`~daprhttp.view`), size limits
(:mod:`~daprhttp.limits`), the middlewares (:mod:`~daprhttp.middlewares`), response validation
(:mod:`~daprhttp.validation`) and ONE dispatcher over a backend of the seven operations
(:mod:`~daprhttp.dispatch`). ``mockserver`` and ``engineserver`` each provide a backend.

Layering: this package imports neither ``mockserver`` nor ``engineserver`` (and ``conformance``
never imports it); ``routing``, ``protojson``, ``bodies``, ``errors``, ``refusals``, ``ids``,
``view``, ``limits``, ``timestamps`` and ``kept_states`` are pure (no aiohttp, no I/O).
"""
