"""Every ERROR the mock's process logs while a test runs: the mock, aiohttp and asyncio loggers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SERVER_LOGGERS = ("mockserver", "aiohttp", "asyncio")
"""Where an unhandled failure in the mock shows up: its middleware, aiohttp's request handling,
and asyncio's "exception was never retrieved"."""


class ServerErrors(logging.Handler):
    """Collects ERROR records (from any thread) until they are taken."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self._records: list[logging.LogRecord] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self._records.append(record)

    def take(self) -> list[str]:
        """The records logged since the last take, formatted with their tracebacks."""
        with self._guard:
            records, self._records = self._records, []
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return [formatter.format(record) for record in records]

    def assert_none(self, after: str = "") -> None:
        """Fail with every record logged since the last take, if there is any."""
        logged = self.take()
        if logged:
            where = f" after {after}" if after else ""
            raise AssertionError(
                f"the server logged {len(logged)} error(s){where}:\n" + "\n".join(logged)
            )


@contextmanager
def capturing_server_errors() -> Iterator[ServerErrors]:
    """Install a :class:`ServerErrors` on the server's loggers for the duration."""
    errors = ServerErrors()
    loggers = [logging.getLogger(name) for name in SERVER_LOGGERS]
    for logger in loggers:
        logger.addHandler(errors)
    try:
        yield errors
    finally:
        for logger in loggers:
            logger.removeHandler(errors)
