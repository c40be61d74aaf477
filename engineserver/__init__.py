"""The Dapr Workflow HTTP API served over a real durable task engine (Microsoft durabletask)."""

__version__ = "0.1.0"
