"""daprd's routing of a raw request target, byte for byte as Go, chi and daprd do it.

docs/daprd-http.md §2.4 describes it.

Rules:
- Go parses the path (``%XX`` decoded; ``+`` kept). chi routes on the raw path when its escaping
  is not Go's canonical one (e.g. ``%2F``), else on the decoded path; either way ``path.Clean``
  runs first, so ``//`` collapses, ``.``/``..`` resolve and a trailing ``/`` goes.
- Every path parameter then goes through ``url.QueryUnescape``: ``%2F`` becomes ``/`` inside an
  ID and ``+`` becomes a space (on a decoded path, a second round of decoding).
- The query string is parsed as Go's ``url.ParseQuery``: a pair with a bad escape or a ``;`` is
  dropped, the first value of a key wins.
- No route for the method and path: daprd's fallback (404 ``ERR_DIRECT_INVOKE``, the caller's
  job). Bytes that are not UTF-8 are kept (surrogate-escaped) so lengths count bytes as Go does.

Pure: no I/O, no aiohttp.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from conformance.contract import API_VERSIONS
from conformance.lifecycle import Operation

METADATA = "metadata"
HEALTHZ = "healthz"

_HEX = b"0123456789ABCDEF"
_UNESCAPED_IN_PATH = frozenset(
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~$&+,/:;=@"
)
_ESCAPE = re.compile(rb"%(?:[0-9A-Fa-f]{2})?|\+")


class BadEscape(ValueError):
    """A ``%`` that is not followed by two hex digits."""


@dataclass(frozen=True)
class Route:
    """One daprd route: method, path segments (``{name}`` marks a parameter), and target."""

    method: str
    segments: tuple[str, ...]
    target: Operation | str

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(s[1:-1] for s in self.segments if s.startswith("{"))


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A request that reached a route, with its decoded path parameters."""

    route: Route
    params: dict[str, str]

    @property
    def target(self) -> Operation | str:
        return self.route.target


def _workflow_routes() -> list[Route]:
    base = ("workflows", "{workflowComponent}")
    shapes: list[tuple[str, tuple[str, ...], Operation]] = [
        ("POST", (*base, "{workflowName}", "start"), Operation.START),
        ("GET", (*base, "{instanceID}"), Operation.GET),
        ("POST", (*base, "{instanceID}", "terminate"), Operation.TERMINATE),
        ("POST", (*base, "{instanceID}", "raiseEvent", "{eventName}"), Operation.RAISE_EVENT),
        ("POST", (*base, "{instanceID}", "pause"), Operation.PAUSE),
        ("POST", (*base, "{instanceID}", "resume"), Operation.RESUME),
        ("POST", (*base, "{instanceID}", "purge"), Operation.PURGE),
    ]
    return [
        Route(method, (version, *segments), target)
        for version in API_VERSIONS
        for method, segments, target in shapes
    ]


ROUTES: tuple[Route, ...] = (
    *_workflow_routes(),
    Route("GET", ("v1.0", "metadata"), METADATA),
    Route("GET", ("v1.0", "healthz"), HEALTHZ),
    # daprd's outbound readiness (the sidecar itself, not the app): the mock is always ready.
    Route("GET", ("v1.0", "healthz", "outbound"), HEALTHZ),
)


def _to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _to_text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _unescape(raw: bytes, *, plus_is_space: bool) -> bytes:
    """Go's ``unescape``: ``%XX`` decoded (BadEscape otherwise), ``+`` per mode, in one pass."""

    def replace(match: re.Match[bytes]) -> bytes:
        token = match.group()
        if token == b"+":
            return b" " if plus_is_space else token
        if len(token) != 3:
            tail = raw[match.start() : match.start() + 3]
            raise BadEscape(f'invalid URL escape "{_to_text(tail)}"')
        return bytes((int(token[1:], 16),))

    return _ESCAPE.sub(replace, raw)


def query_unescape(raw: bytes) -> bytes:
    """Go's ``url.QueryUnescape``."""
    return _unescape(raw, plus_is_space=True)


def _escape_path(path: bytes) -> bytes:
    """Go's canonical escaping of a decoded path."""
    out = bytearray()
    for byte in path:
        if byte in _UNESCAPED_IN_PATH:
            out.append(byte)
        else:
            out += b"%" + bytes((_HEX[byte >> 4], _HEX[byte & 15]))
    return bytes(out)


def clean_path(path: bytes) -> bytes:
    """Go's ``path.Clean`` for a rooted path."""
    parts: list[bytes] = []
    for part in path.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return b"/" + b"/".join(parts)


def routing_path(raw_path: str) -> bytes:
    """The path chi matches, from the raw request path (no query): cleaned, maybe escaped."""
    raw = _to_bytes(raw_path)
    decoded = _unescape(raw, plus_is_space=False)
    chosen = decoded if _escape_path(decoded) == raw else raw
    return clean_path(chosen)


_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9\-_~$&,:;=@][A-Za-z0-9\-_.~$&,:;=@]*)+")
"""A raw path that routes as itself: Go's canonical escaping needs nothing (no ``%``, no ``+``)
and ``path.Clean`` changes nothing (no empty segment, no segment starting with ``.``)."""


_Group = tuple[Callable[[list[str]], Any], dict[Any, tuple["Route", tuple[tuple[str, int], ...]]]]


def _route_index() -> dict[tuple[str, int], _Group]:
    """Routes by (method, segment count): a getter of the literal segments of a split raw path,
    then each route (with its parameters' names and positions) by those literals.

    A group whose routes put literals at different positions is left out (the scan handles it).
    """
    groups: dict[tuple[str, int], list[Route]] = {}
    for route in ROUTES:
        groups.setdefault((route.method, len(route.segments)), []).append(route)
    index: dict[tuple[str, int], _Group] = {}
    for key, routes in groups.items():
        shapes = {
            tuple(i + 1 for i, s in enumerate(route.segments) if not s.startswith("{"))
            for route in routes
        }
        if len(shapes) != 1:
            continue
        (literals,) = shapes
        if not literals:
            continue
        literal_segments = itemgetter(*literals)
        by_literals: dict[Any, tuple[Route, tuple[tuple[str, int], ...]]] = {}
        for route in routes:
            params = tuple(
                (s[1:-1], i + 1) for i, s in enumerate(route.segments) if s.startswith("{")
            )
            by_literals.setdefault(literal_segments(["", *route.segments]), (route, params))
        index[key] = (literal_segments, by_literals)
    return index


_ROUTE_INDEX = _route_index()


def match(method: str, raw_path: str) -> RouteMatch | None:
    """The route daprd would run for this method and raw path, or None for the fallback.

    Raises BadEscape when the path or a parameter is not valid percent-encoding.
    """
    if _PLAIN_PATH.fullmatch(raw_path) is not None:
        # The common shape: the raw path is the routing path and no parameter needs decoding.
        parts = raw_path.split("/")
        group = _ROUTE_INDEX.get((method, len(parts) - 1))
        if group is not None:
            literal_segments, by_literals = group
            found = by_literals.get(literal_segments(parts))
            if found is None:
                return None
            route, params = found
            return RouteMatch(route, {name: parts[i] for name, i in params})
    return scan_routes(method, raw_path)


def scan_routes(method: str, raw_path: str) -> RouteMatch | None:
    """:func:`match` by the general rules alone (every path shape; the reference for the fast
    path)."""
    segments = routing_path(raw_path).split(b"/")[1:]
    for route in ROUTES:
        if route.method != method or len(route.segments) != len(segments):
            continue
        params: dict[str, bytes] = {}
        for pattern, segment in zip(route.segments, segments, strict=True):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = segment
            elif _to_bytes(pattern) != segment:
                break
        else:
            return RouteMatch(
                route, {name: _to_text(query_unescape(value)) for name, value in params.items()}
            )
    return None


def parse_query(raw_query: str) -> dict[str, str]:
    """Go's ``url.Values.Get`` for every key: bad pairs dropped, first value wins."""
    if "%" in raw_query or "+" in raw_query or ";" in raw_query or not raw_query.isascii():
        return scan_query(raw_query)
    # Nothing to decode and no pair to drop but empty ones.
    values: dict[str, str] = {}
    for pair in raw_query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            values.setdefault(key, value)
    return values


def scan_query(raw_query: str) -> dict[str, str]:
    """:func:`parse_query` by the general rules alone (the reference for its fast path)."""
    values: dict[str, str] = {}
    for pair in _to_bytes(raw_query).split(b"&"):
        if b";" in pair or not pair:
            continue
        key, _, value = pair.partition(b"=")
        try:
            name, decoded = query_unescape(key), query_unescape(value)
        except BadEscape:
            continue
        values.setdefault(_to_text(name), _to_text(decoded))
    return values


_LONE_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def go_text(text: str) -> str:
    """Text as Go writes it into JSON: bytes that are not UTF-8 become U+FFFD."""
    return _to_bytes(_LONE_SURROGATE.sub("\ufffd", text)).decode("utf-8", "replace")
