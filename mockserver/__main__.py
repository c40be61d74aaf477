"""``python -m mockserver``: the same as ``dapr-workflow-mock``."""

from __future__ import annotations

from mockserver.cli import main

raise SystemExit(main())
