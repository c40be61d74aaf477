"""``python -m engineserver``: the same as ``dapr-workflow-engine``."""

import sys

from engineserver.cli import main

sys.exit(main())
