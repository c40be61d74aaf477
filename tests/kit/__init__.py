"""The test kit: what the project's tests build targets with (a rewriting proxy in front of a
target, :mod:`tests.kit.proxy`)."""
