"""The line a server prints once it accepts connections: ``PROGRAM listening on URL``.

The mock prints ``dapr-workflow-mock listening on http://HOST:PORT`` (one line, on stdout) and
the engine target and the bench's baseline print the same shape; :mod:`conformance.launcher`
waits for it. The format lives here, in the suite's package, so that the suite's CLI can wait
for the bundled mock without importing it (the mock imports this module instead).
"""

from __future__ import annotations

import re

MOCK_PROGRAM = "dapr-workflow-mock"
"""The mock's program name: the first word of its ready line."""
_READY = re.compile(r"(\S+) listening on (http://\S+)")


def ready_line(program: str, url: str) -> str:
    """The ready line of ``program`` serving at ``url`` (without the newline)."""
    return f"{program} listening on {url}"


def ready_line_template(program: str) -> str:
    """``program``'s ready line with ``{host}`` and ``{port}`` left to :meth:`str.format`."""
    return ready_line(program, "http://{host}:{port}")


def ready_url(line: str, program: str | None = None) -> str | None:
    """The URL of a ready line (of ``program``, when given); None for any other line."""
    found = _READY.search(line)
    if found is None or (program is not None and found.group(1) != program):
        return None
    return found.group(2)
