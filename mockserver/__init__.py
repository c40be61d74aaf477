"""A stateful mock of the Dapr Workflow HTTP API (daprd), built on aiohttp."""

__version__ = "0.1.0"
