"""Start a target server as a child process on a free port and stop it again."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from conformance.client import Reply, WorkflowClient

BANNER = re.compile(r"listening on (http://\S+)")

ENGINE_COMMAND = (sys.executable, "-m", "engineserver", "--port", "0", "--validate-responses")


@dataclass
class Server:
    """A running child server: its process, base URL and captured stderr."""

    process: subprocess.Popen[str]
    url: str
    stderr: IO[str]

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, wait, and return the exit code (SIGKILL only if it hangs)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()
        return self.process.returncode

    def log(self) -> str:
        """The end of what the server wrote to stderr (before :meth:`stop`)."""
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]


def launch(command: Sequence[str], timeout: float = 30.0) -> Server:
    """Start ``command`` and wait for its ``listening on http://...`` line."""
    stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 - the Server owns and closes it
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        found = BANNER.search(line)
        if found:
            return Server(process=process, url=found.group(1), stderr=stderr)
    server = Server(process=process, url="", stderr=stderr)
    log = server.log()
    server.stop()
    raise RuntimeError(f"{' '.join(command)} did not start; stderr:\n{log}")


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def eventually_status(
    client: WorkflowClient, instance_id: str, wanted: set[str], deadline: float = 10.0
) -> Reply:
    """Poll GET until ``runtimeStatus`` is one of ``wanted``; fail naming the last answer."""
    end = time.monotonic() + deadline
    while True:
        reply = client.get(instance_id)
        if reply.status == 200 and reply.json().get("runtimeStatus") in wanted:
            return reply
        if time.monotonic() > end:
            raise AssertionError(
                f"{instance_id} never reached {sorted(wanted)} in {deadline}s; "
                f"last: {reply.describe()}"
            )
        time.sleep(0.02)
