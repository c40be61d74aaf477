"""The mock's own CLI on uvloop's event loop (``--uvloop``), without changing the mock.

``python -m bench.uvloop_mock [dapr-workflow-mock arguments]``.
"""

from __future__ import annotations

import sys

import uvloop

from mockserver.cli import main

if __name__ == "__main__":
    uvloop.install()
    raise SystemExit(main(sys.argv[1:]))
