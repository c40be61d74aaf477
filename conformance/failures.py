"""Failure messages that explain: the broken behaviour, the exchange, and daprd's answer.

Every check of the suite fails with a :class:`Nonconformance` whose message says which
behaviour was broken (ID and source), what was sent, what came back, what daprd answers
instead, and a curl line to replay it (:func:`fail`, :func:`explain`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance import contract
from conformance.client import Reply


class Nonconformance(AssertionError):
    """The target answered differently from what a conforming target answers."""


def behaviour_line(behaviour_id: str) -> str:
    """``[id] sentence (source)`` for a catalogue behaviour; unknown IDs are shown as they are."""
    found = contract.behaviours().get(behaviour_id)
    if found is None:
        return f"[{behaviour_id}]"
    return f"[{behaviour_id}] {found.sentence.rstrip('.')} ({found.source})"


def explain(
    behaviour: str,
    claim: str,
    reply: Reply | None = None,
    *,
    daprd: str | None = None,
    details: Iterable[str] = (),
) -> str:
    """A failure message: the behaviour, the broken claim, the exchange and daprd's answer."""
    lines = [f"{claim}", f"  behaviour: {behaviour_line(behaviour)}"]
    if reply is not None:
        sent = f"{reply.method} {reply.url}"
        if reply.request_body:
            sent += f"  body: {reply.request_body.decode('utf-8', 'replace')[:200]!r}"
        lines += [f"  sent:      {sent}", f"  got:       {_answer(reply)}"]
    if daprd:
        lines.append(f"  daprd:     {daprd}")
    lines += [f"  {line}" for line in details]
    if reply is not None:
        lines.append(f"  replay:    {reply.curl()}")
    return "\n".join(lines)


def _answer(reply: Reply) -> str:
    body = reply.text if len(reply.text) <= 400 else reply.text[:400] + "..."
    kind = reply.headers.get("content-type", "no content-type")
    return f"{reply.status} ({kind}) {body!r}" if body else f"{reply.status} ({kind}) <empty body>"


def fail(behaviour: str, claim: str, reply: Reply | None = None, **kwargs: Any) -> Nonconformance:
    """The exception to raise for a broken behaviour (see :func:`explain`)."""
    return Nonconformance(explain(behaviour, claim, reply, **kwargs))
