"""When the answer never arrives: transport failures, told apart from wrong answers.

A gate must not call a target wrong for what the network did. Every request the suite sends
(its own clients and Schemathesis's calls) goes through a :func:`session` whose adapter:

- re-sends a request that is safe to repeat, up to ``retries`` times, when no answer arrived
  (urllib3's :class:`~urllib3.util.Retry`): a GET at any point, and any request whose
  connection could not be opened (it never reached the target). A command whose connection
  broke after it was sent is never re-sent: the target may have applied it, and a second copy
  can change the outcome (a second start of the ID, a terminate of a now terminal instance);
- notes each request that got no answer in the end (:data:`log`), and each one answered only
  after a retry, and raises :class:`TransportError`, whose message is one line: the request and
  what happened.

The plugin reads :data:`log` for each test: a test that fails after one of its requests got no
answer is a transport error, counted apart from failures in the terminal, the report and JUnit
(``conformance.transport_report``); the run still fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util import Retry

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods re-sent after an answer was lost: reading twice changes nothing."""
RETRY_BACKOFF = 0.05
"""Seconds before the second retry, doubling after (urllib3's backoff; the first is at once)."""


class TransportError(requests.RequestException):
    """No answer arrived: ``METHOD URL: what happened`` (after N retries, if any were allowed)."""


@dataclass(frozen=True)
class Unanswered:
    """One request that got no answer (``retried`` times re-sent first)."""

    method: str
    url: str
    what: str
    retried: int = 0

    def line(self) -> str:
        after = f" (after {self.retried} retries)" if self.retried else ""
        return f"{self.method} {self.url}: no answer arrived, {self.what}{after}"


class TransportLog:
    """What the suite's requests met since :meth:`clear`: lost answers and retried requests.

    Thread-safe: the concurrency tests send from several threads at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.unanswered: list[Unanswered] = []
        self.retried = 0
        """Requests answered only after at least one re-send."""

    def clear(self) -> None:
        self.take()

    def take(self) -> tuple[list[Unanswered], int]:
        """What was noted since the last take, which starts afresh."""
        with self._lock:
            taken = self.unanswered, self.retried
            self.unanswered, self.retried = [], 0
            return taken

    def note_unanswered(self, entry: Unanswered) -> None:
        with self._lock:
            self.unanswered.append(entry)

    def note_retried(self) -> None:
        with self._lock:
            self.retried += 1


log = TransportLog()
"""The process's log; the plugin takes what it holds as it reports each phase of a test."""


def what_happened(error: BaseException) -> str:
    """The innermost reason a request failed, as ``Type: message`` (one line)."""
    reason: BaseException = error
    seen: set[int] = set()
    while id(reason) not in seen:
        seen.add(id(reason))
        inner = getattr(reason, "reason", None)  # urllib3's MaxRetryError
        if not isinstance(inner, BaseException):
            inner = next((a for a in reversed(reason.args) if isinstance(a, BaseException)), None)
        if inner is None:
            inner = reason.__cause__ or reason.__context__
        if inner is None:
            break
        reason = inner
    text = " ".join(str(reason).split())
    return f"{type(reason).__name__}: {text}" if text else type(reason).__name__


def retry_policy(retries: int) -> Retry:
    """urllib3's retry rules for ``retries`` re-sends of what is safe to repeat."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        other=retries,
        status=0,
        redirect=0,
        allowed_methods=SAFE_METHODS,
        backoff_factor=RETRY_BACKOFF,
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=False,
    )


class NotingAdapter(HTTPAdapter):
    """requests' adapter with :func:`retry_policy`, noting into :data:`log` what it met."""

    def __init__(self, retries: int) -> None:
        if retries < 0:
            raise ValueError(f"retries must be 0 or more: {retries}")
        self.retries = retries
        super().__init__(max_retries=retry_policy(retries))

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException as error:
            entry = Unanswered(
                str(request.method), str(request.url), what_happened(error), self._spent(error)
            )
            log.note_unanswered(entry)
            raise TransportError(entry.line(), request=request) from error
        history = getattr(getattr(response.raw, "retries", None), "history", ())
        if history:
            log.note_retried()
        return response

    def _spent(self, error: BaseException) -> int:
        """How many re-sends were made before giving up (0 when none was allowed)."""
        if not self.retries:
            return 0
        cause = error.args[0] if error.args else None
        return self.retries if isinstance(cause, MaxRetryError) else 0


def session(retries: int = 0, headers: dict[str, str] | None = None) -> requests.Session:
    """A requests session whose HTTP(S) requests go through :class:`NotingAdapter`."""
    result = requests.Session()
    adapter = NotingAdapter(retries)
    result.mount("http://", adapter)
    result.mount("https://", adapter)
    if headers:
        result.headers.update(headers)
    return result
