"""Which sockets a set of processes holds, read from Linux's /proc: the stack's loopback proof.

Parsing is pure (:func:`parse_table`, :func:`parse_address`, :func:`socket_inode`, ...): a
/proc/net table's text in, :class:`Socket` values out. :func:`read_sockets` is the only reader:
it maps the ``socket:[inode]`` links under ``/proc/<pid>/fd`` to the tables of the processes'
network namespace (``/proc/<pid>/net/...``). :func:`off_loopback` is the check.

/proc/net writes an address as the hex of its bytes in host order, 32 bits at a time (so
``0100007F`` is 127.0.0.1 on little-endian machines) and the port as big-endian hex.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ByteOrder = Literal["little", "big"]

INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6")
"""The /proc/net tables of internet sockets, each named by its protocol."""
LOCAL_TABLES = ("unix", "netlink")
"""Tables of sockets that carry nothing over a network (their inodes only)."""

TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "NEW_SYN_RECV",
}
"""The kernel's socket states (include/net/tcp_states.h); UDP and raw use ESTABLISHED
(connected) and CLOSE (not connected)."""
UNCONNECTED_STATES = frozenset({"LISTEN", "CLOSE"})
"""States in which a socket has no peer, so its remote side reads 0.0.0.0:0 (or [::]:0)."""

_SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")


class SocketTableError(ValueError):
    """A /proc/net line that is not what the kernel writes."""


@dataclass(frozen=True)
class Endpoint:
    """One side of a socket: an address and a port."""

    address: IPAddress
    port: int

    def __str__(self) -> str:
        if isinstance(self.address, ipaddress.IPv4Address):
            return f"{self.address}:{self.port}"
        mapped = self.address.ipv4_mapped
        return f"[{f'::ffff:{mapped}' if mapped else self.address}]:{self.port}"


@dataclass(frozen=True)
class Socket:
    """An internet socket from a /proc/net table."""

    protocol: str
    local: Endpoint
    remote: Endpoint
    state: str
    inode: int = 0

    def __str__(self) -> str:
        return f"{self.protocol} {self.local} -> {self.remote} {self.state} (inode {self.inode})"


@dataclass(frozen=True)
class Inventory:
    """What the read processes hold: internet sockets, local-only ones and unidentified ones."""

    sockets: Mapping[int, list[Socket]] = field(default_factory=dict)
    """Internet sockets (TCP, UDP, raw) by PID."""
    local: Mapping[int, list[int]] = field(default_factory=dict)
    """Inodes of Unix-domain and netlink sockets by PID."""
    unidentified: Mapping[int, list[int]] = field(default_factory=dict)
    """Inodes of sockets held but found in no table read (e.g. packet sockets), by PID."""

    def all(self) -> list[Socket]:
        """Every internet socket of every process."""
        return [s for pid in sorted(self.sockets) for s in self.sockets[pid]]

    def describe(self, names: Mapping[int, str] | None = None) -> str:
        """One line per socket, named by its process."""
        names = names or {}
        lines = [
            f"{names.get(pid, 'pid')} ({pid}): {s}"
            for pid in sorted(self.sockets)
            for s in self.sockets[pid]
        ]
        lines += [
            f"{names.get(pid, 'pid')} ({pid}): unidentified socket inode {inode}"
            for pid in sorted(self.unidentified)
            for inode in self.unidentified[pid]
        ]
        return "\n".join(lines) or "(no internet sockets)"


def parse_address(text: str, byteorder: ByteOrder = sys.byteorder) -> IPAddress:
    """/proc/net's hex of an IPv4 (8 digits) or IPv6 (32) address, in words of ``byteorder``."""
    try:
        raw = bytes.fromhex(text)
    except ValueError as error:
        raise SocketTableError(f"{text!r} is not a hex address") from error
    if len(raw) not in (4, 16):
        raise SocketTableError(f"{text!r} is neither an IPv4 nor an IPv6 address")
    words = b"".join(
        int.from_bytes(raw[i : i + 4], byteorder).to_bytes(4, "big") for i in range(0, len(raw), 4)
    )
    return ipaddress.IPv4Address(words) if len(words) == 4 else ipaddress.IPv6Address(words)


def parse_endpoint(text: str, byteorder: ByteOrder = sys.byteorder) -> Endpoint:
    """``ADDRESS:PORT`` in /proc/net's hex."""
    address, colon, port = text.partition(":")
    if not colon:
        raise SocketTableError(f"{text!r} is not ADDRESS:PORT")
    try:
        number = int(port, 16)
    except ValueError as error:
        raise SocketTableError(f"{text!r} has no hex port") from error
    return Endpoint(parse_address(address, byteorder), number)


def parse_line(line: str, protocol: str, byteorder: ByteOrder = sys.byteorder) -> Socket:
    """One entry of /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} (fields: sl, local, remote, st, ...)."""
    fields = line.split()
    if len(fields) < 10 or not fields[0].endswith(":"):
        raise SocketTableError(f"not a /proc/net/{protocol} entry: {line!r}")
    try:
        state = int(fields[3], 16)
        inode = int(fields[9])
    except ValueError as error:
        raise SocketTableError(f"not a /proc/net/{protocol} entry: {line!r}") from error
    return Socket(
        protocol,
        parse_endpoint(fields[1], byteorder),
        parse_endpoint(fields[2], byteorder),
        TCP_STATES.get(state, f"STATE_{state:02X}"),
        inode,
    )


def parse_table(text: str, protocol: str, byteorder: ByteOrder = sys.byteorder) -> list[Socket]:
    """Every entry of one /proc/net table (its header line skipped)."""
    lines = text.splitlines()[1:]
    return [parse_line(line, protocol, byteorder) for line in lines if line.strip()]


def parse_inodes(text: str, table: str) -> set[int]:
    """The inodes of /proc/net/unix (7th field) or /proc/net/netlink (10th field)."""
    column = {"unix": 6, "netlink": 9}[table]
    inodes = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > column and fields[column].isdigit():
            inodes.add(int(fields[column]))
    return inodes


def socket_inode(link: str) -> int | None:
    """The inode of an fd link ``socket:[12345]``; None for any other file."""
    found = _SOCKET_LINK.fullmatch(link)
    return int(found.group(1)) if found else None


def is_loopback(address: IPAddress) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped loopback address (::ffff:127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def is_unspecified(address: IPAddress) -> bool:
    """0.0.0.0, ::, or ::ffff:0.0.0.0."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_unspecified
    return address.is_unspecified


def on_loopback(sock: Socket) -> bool:
    """Whether a socket can only carry loopback traffic.

    Its local address must be a loopback address (a listener on 0.0.0.0 or :: accepts traffic
    from anywhere), and its remote one too, except that a listening or unconnected socket's
    remote side reads unspecified, port 0.
    """
    if not is_loopback(sock.local.address):
        return False
    if is_loopback(sock.remote.address):
        return True
    return (
        sock.state in UNCONNECTED_STATES
        and is_unspecified(sock.remote.address)
        and sock.remote.port == 0
    )


def off_loopback(sockets: Iterable[Socket]) -> list[Socket]:
    """The sockets whose local or remote side is not on loopback."""
    return [sock for sock in sockets if not on_loopback(sock)]


def read_sockets(pids: Iterable[int], proc: Path = Path("/proc")) -> Inventory:
    """Every socket the processes hold (they are taken to share one network namespace)."""
    held = {pid: _held_inodes(proc, pid) for pid in pids}
    if not held:
        return Inventory()
    net = _net_directory(proc, list(held))
    inet: dict[int, Socket] = {}
    for protocol in INET_TABLES:
        for sock in parse_table(_read(net / protocol), protocol):
            if sock.inode:  # TIME_WAIT entries belong to no process (inode 0)
                inet[sock.inode] = sock
    local = set().union(*(parse_inodes(_read(net / table), table) for table in LOCAL_TABLES))
    unidentified: dict[int, list[int]] = {}
    for pid, inodes in held.items():
        unknown = inodes - inet.keys() - local
        if unknown:  # a socket closed since its fd was listed is in no table: look again
            unknown &= _held_inodes(proc, pid)
        if unknown:
            unidentified[pid] = sorted(unknown)
    return Inventory(
        sockets={pid: _ordered(inet[i] for i in ids if i in inet) for pid, ids in held.items()},
        local={pid: sorted(ids & local) for pid, ids in held.items()},
        unidentified=unidentified,
    )


def _ordered(sockets: Iterable[Socket]) -> list[Socket]:
    return sorted(sockets, key=lambda s: (s.protocol, s.local.port, s.inode))


def _held_inodes(proc: Path, pid: int) -> set[int]:
    fd_dir = proc / str(pid) / "fd"
    inodes = set()
    for entry in os.listdir(fd_dir):
        with contextlib.suppress(FileNotFoundError):  # closed while listed
            inode = socket_inode(os.readlink(fd_dir / entry))
            if inode is not None:
                inodes.add(inode)
    return inodes


def _net_directory(proc: Path, pids: list[int]) -> Path:
    for pid in pids:
        net = proc / str(pid) / "net"
        if (net / "tcp").is_file():
            return net
    raise FileNotFoundError(f"no /proc/<pid>/net/tcp for any of {pids}")


def _read(path: Path) -> str:
    try:
        return path.read_text("ascii")
    except FileNotFoundError:  # e.g. no IPv6 in this kernel
        return ""
