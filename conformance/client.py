"""A small blocking HTTP client for the seven workflow operations of one target.

It records nothing about the expected behaviour; it only sends requests and hands back what
came back (:class:`Reply`), so that assertions can quote the exchange in their messages. A
request that gets no answer raises :class:`conformance.transport.TransportError` (one line: the
request and what happened); GETs are re-sent first, ``retries`` times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from conformance import transport

DEFAULT_COMPONENT = "dapr"


@dataclass(frozen=True)
class Reply:
    """One HTTP exchange: the request line and what the target answered."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    text: str
    request_body: bytes | None = None
    _json: Any = field(default=None, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The parsed body; raises ValueError naming the exchange when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            raise ValueError(f"{self.describe()} answered a body that is not JSON") from None

    def describe(self) -> str:
        """``METHOD URL -> STATUS body`` for failure messages (body cut at 300 chars)."""
        body = self.text if len(self.text) <= 300 else self.text[:300] + "..."
        return f"{self.method} {self.url} -> {self.status} {body}"

    def curl(self) -> str:
        """The request as a replayable curl command line."""
        parts = ["curl", "-si", "-X", self.method, _shell_quote(self.url)]
        if self.request_body:
            parts += ["--data-binary", _shell_quote(self.request_body.decode("utf-8", "replace"))]
        return " ".join(parts)


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def path_segment(value: str) -> str:
    """Percent-encode one path segment (every reserved character, '/' included)."""
    return quote(value, safe="")


class WorkflowClient:
    """Sends the workflow operations to ``base_url`` under one API version prefix."""

    def __init__(
        self,
        base_url: str,
        *,
        api_version: str = "v1.0",
        component: str = DEFAULT_COMPONENT,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
        retries: int = 0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.component = component
        self.timeout = timeout
        self.retries = retries
        """Re-sends of a request that is safe to repeat when no answer arrived (``--retries``)."""
        self.session = transport.session(retries, headers)

    def clone(
        self, *, component: str | None = None, api_version: str | None = None
    ) -> WorkflowClient:
        """A new client (own connection pool) for the same target, maybe another component or
        prefix."""
        return WorkflowClient(
            self.base_url,
            api_version=api_version or self.api_version,
            component=component or self.component,
            timeout=self.timeout,
            headers={k: str(v) for k, v in self.session.headers.items()},
            retries=self.retries,
        )

    def with_version(self, api_version: str) -> WorkflowClient:
        """A client for the same target under another API version prefix."""
        return self.clone(api_version=api_version)

    def close(self) -> None:
        self.session.close()

    # --- raw -------------------------------------------------------------------------------

    def url(self, *segments: str) -> str:
        encoded = "/".join(path_segment(s) for s in segments)
        return (
            f"{self.base_url}/{self.api_version}/workflows/{path_segment(self.component)}/{encoded}"
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | str | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = self.session.request(
            method, url, data=data, params=params, headers=headers, timeout=self.timeout
        )
        return Reply(
            method=method,
            url=response.url,
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            text=response.text,
            request_body=data,
        )

    # --- the seven operations --------------------------------------------------------------

    def start(
        self,
        workflow_name: str,
        instance_id: str | None = None,
        body: bytes | str | None = None,
        *,
        content_type: str | None = None,
    ) -> Reply:
        params = {"instanceID": instance_id} if instance_id is not None else None
        headers = {"content-type": content_type} if content_type else None
        return self.request(
            "POST", self.url(workflow_name, "start"), body=body, params=params, headers=headers
        )

    def get(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        return self.request("GET", self.url(instance_id), body=body)

    def terminate(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        return self.request("POST", self.url(instance_id, "terminate"), body=body)

    def raise_event(
        self, instance_id: str, event_name: str, body: bytes | str | None = None
    ) -> Reply:
        return self.request("POST", self.url(instance_id, "raiseEvent", event_name), body=body)

    def pause(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        return self.request("POST", self.url(instance_id, "pause"), body=body)

    def resume(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        return self.request("POST", self.url(instance_id, "resume"), body=body)

    def purge(self, instance_id: str, *, body: bytes | str | None = None) -> Reply:
        return self.request("POST", self.url(instance_id, "purge"), body=body)
