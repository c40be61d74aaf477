"""daprsidecar.sockets: parsing /proc/net lines, the loopback check, and the /proc reader."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from daprsidecar.sockets import (
    Endpoint,
    Socket,
    SocketTableError,
    off_loopback,
    parse_address,
    parse_inodes,
    parse_line,
    parse_table,
    read_sockets,
    socket_inode,
)

TCP_HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode"
)
TCP6_HEADER = (
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
)
UDP_HEADER = TCP_HEADER + " ref pointer drops"
TAIL = "00000000:00000000 00:00000000 00000000  1000        0"

TCP = "\n".join(
    [
        TCP_HEADER,
        # daprd's HTTP API listening on 127.0.0.1:8080
        f"   0: 0100007F:1F90 00000000:0000 0A {TAIL} 1001 1 0000000000000000 100 0 0 10 0",
        # a client on 127.0.0.1:40000 connected to it
        f"   1: 0100007F:9C40 0100007F:1F90 01 {TAIL} 1002 2 0000000000000000 20 4 30 10 -1",
        # a listener on 0.0.0.0:2024: reachable from other machines
        f"   2: 00000000:07E8 00000000:0000 0A {TAIL} 1003 1 0000000000000000 100 0 0 10 0",
        # a connection from 10.0.0.2:51000 to 10.0.0.5:443
        f"   3: 0200000A:C738 0500000A:01BB 01 {TAIL} 1004 2 0000000000000000 20 4 30 10 -1",
        # a TIME_WAIT entry: no inode, held by no process
        f"   4: 0100007F:1F90 0100007F:B020 06 {TAIL} 0 3 0000000000000000",
    ]
)
TCP6 = "\n".join(
    [
        TCP6_HEADER,
        # a listener on [::]:33087 (placement's /healthz in 1.18.2)
        "   0: 00000000000000000000000000000000:813F 00000000000000000000000000000000:0000 0A "
        f"{TAIL} 2001 1 0000000000000000 100 0 0 10 0",
        # the Python app connected over IPv4-mapped ::ffff:127.0.0.1
        "   1: 0000000000000000FFFF00000100007F:9C1C 0000000000000000FFFF00000100007F:BBF1 01 "
        f"{TAIL} 2002 2 0000000000000000 20 4 16 18 -1",
        # a listener on [::1]:8080
        "   2: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A "
        f"{TAIL} 2003 1 0000000000000000 100 0 0 10 0",
    ]
)
UDP = "\n".join(
    [
        UDP_HEADER,
        # mDNS: 0.0.0.0:5353, unconnected
        f"  123: 00000000:14E9 00000000:0000 07 {TAIL} 3001 2 0000000000000000 0",
        # an unconnected UDP socket on 127.0.0.1:5353
        f"  124: 0100007F:14E9 00000000:0000 07 {TAIL} 3002 2 0000000000000000 0",
    ]
)


def v4(text: str) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(text)


def v6(text: str) -> ipaddress.IPv6Address:
    return ipaddress.IPv6Address(text)


def test_ipv4_addresses_are_read_as_little_endian_hex() -> None:
    assert parse_address("0100007F", "little") == v4("127.0.0.1")
    assert parse_address("0200000A", "little") == v4("10.0.0.2")
    assert parse_address("00000000", "little") == v4("0.0.0.0")


def test_on_a_big_endian_host_the_hex_is_in_network_order() -> None:
    assert parse_address("7F000001", "big") == v4("127.0.0.1")


def test_ipv6_addresses_are_read_as_four_host_order_words() -> None:
    assert parse_address("00000000000000000000000001000000", "little") == v6("::1")
    assert parse_address("0000000000000000FFFF00000100007F", "little") == v6("::ffff:127.0.0.1")
    assert parse_address("B80D0120000000000000000001000000", "little") == v6("2001:db8::1")


def test_an_address_of_another_length_or_not_hex_is_refused() -> None:
    with pytest.raises(SocketTableError):
        parse_address("0100", "little")
    with pytest.raises(SocketTableError):
        parse_address("0100007G", "little")


def test_a_tcp_line_gives_protocol_addresses_ports_state_and_inode() -> None:
    line = TCP.splitlines()[2]
    assert parse_line(line, "tcp", "little") == Socket(
        "tcp",
        Endpoint(v4("127.0.0.1"), 40000),
        Endpoint(v4("127.0.0.1"), 8080),
        "ESTABLISHED",
        1002,
    )


def test_a_table_is_read_without_its_header() -> None:
    sockets = parse_table(TCP, "tcp", "little")
    assert [s.state for s in sockets] == [
        "LISTEN",
        "ESTABLISHED",
        "LISTEN",
        "ESTABLISHED",
        "TIME_WAIT",
    ]
    assert [s.inode for s in sockets] == [1001, 1002, 1003, 1004, 0]
    assert parse_table(TCP_HEADER + "\n", "tcp") == []


def test_a_line_that_is_not_a_socket_entry_is_refused() -> None:
    with pytest.raises(SocketTableError):
        parse_line("   0: 0100007F:1F90 00000000:0000", "tcp", "little")
    with pytest.raises(SocketTableError):
        parse_line(f"   0: 0100007F 00000000:0000 0A {TAIL} 1 1", "tcp", "little")


def test_endpoints_print_as_address_and_port_with_ipv6_in_brackets() -> None:
    sockets = parse_table(TCP6, "tcp6", "little")
    assert [str(s.local) for s in sockets] == [
        "[::]:33087",
        "[::ffff:127.0.0.1]:39964",
        "[::1]:8080",
    ]
    assert str(parse_table(TCP, "tcp", "little")[1].remote) == "127.0.0.1:8080"


def test_only_sockets_with_a_non_loopback_side_are_off_loopback() -> None:
    sockets = [
        *parse_table(TCP, "tcp", "little"),
        *parse_table(TCP6, "tcp6", "little"),
        *parse_table(UDP, "udp", "little"),
    ]
    off = {s.inode: str(s.local) for s in off_loopback(sockets)}
    # 0.0.0.0:2024 and [::]:33087 listen on every interface; 10.0.0.2 talks to 10.0.0.5;
    # mDNS is bound to 0.0.0.0:5353
    assert off == {
        1003: "0.0.0.0:2024",
        1004: "10.0.0.2:51000",
        2001: "[::]:33087",
        3001: "0.0.0.0:5353",
    }


def test_an_unspecified_remote_is_allowed_only_on_a_socket_without_a_peer() -> None:
    local = Endpoint(v4("127.0.0.1"), 8080)
    nobody = Endpoint(v4("0.0.0.0"), 0)
    assert off_loopback([Socket("tcp", local, nobody, "LISTEN")]) == []
    assert off_loopback([Socket("udp", local, nobody, "CLOSE")]) == []
    connected = Socket("tcp", local, nobody, "ESTABLISHED")
    assert off_loopback([connected]) == [connected]
    to_a_port = Socket("udp", local, Endpoint(v4("0.0.0.0"), 53), "CLOSE")
    assert off_loopback([to_a_port]) == [to_a_port]


def test_a_loopback_socket_connected_off_the_machine_is_off_loopback() -> None:
    out = Socket("tcp", Endpoint(v4("127.0.0.1"), 5000), Endpoint(v4("8.8.8.8"), 53), "SYN_SENT")
    mapped = Socket(
        "tcp6",
        Endpoint(v6("::ffff:127.0.0.1"), 5000),
        Endpoint(v6("::ffff:10.0.0.1"), 80),
        "ESTABLISHED",
    )
    assert off_loopback([out, mapped]) == [out, mapped]


def test_socket_inodes_come_from_fd_links_and_nothing_else_does() -> None:
    assert socket_inode("socket:[208124]") == 208124
    assert socket_inode("pipe:[208124]") is None
    assert socket_inode("anon_inode:[eventpoll]") is None
    assert socket_inode("/dev/null") is None


def test_unix_and_netlink_inodes_are_read_from_their_columns() -> None:
    unix = (
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 20563 /run/systemd/notify\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03   648\n"
    )
    netlink = (
        "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
        "0000000000000000 0   1          00000000 0        0        0     2        0        10234\n"
    )
    assert parse_inodes(unix, "unix") == {20563, 648}
    assert parse_inodes(netlink, "netlink") == {10234}


def fake_proc(root: Path, pid: int, links: list[str], tables: dict[str, str]) -> Path:
    """A /proc with one process holding ``links`` and its namespace's ``tables``."""
    (root / str(pid) / "fd").mkdir(parents=True)
    (root / str(pid) / "net").mkdir()
    for number, target in enumerate(links):
        os.symlink(target, root / str(pid) / "fd" / str(number))
    for name, text in tables.items():
        (root / str(pid) / "net" / name).write_text(text)
    return root


def test_the_reader_maps_fd_inodes_to_table_entries(tmp_path: Path) -> None:
    links = ["/dev/null", "socket:[1001]", "socket:[2002]", "socket:[3001]", "socket:[777]"]
    unix = "Num       RefCount Protocol Flags    Type St Inode Path\n0: 2 0 0 1 1 777\n"
    proc = fake_proc(tmp_path, 42, links, {"tcp": TCP, "tcp6": TCP6, "udp": UDP, "unix": unix})
    inventory = read_sockets([42], proc)
    assert [(s.protocol, s.inode) for s in inventory.all()] == [
        ("tcp", 1001),
        ("tcp6", 2002),
        ("udp", 3001),
    ]
    assert inventory.local == {42: [777]}
    assert inventory.unidentified == {}
    assert [s.inode for s in off_loopback(inventory.all())] == [3001]


def test_a_socket_found_in_no_table_is_reported_as_unidentified(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, 42, ["socket:[1001]", "socket:[9999]"], {"tcp": TCP})
    inventory = read_sockets([42], proc)
    assert inventory.unidentified == {42: [9999]}
    assert "unidentified socket inode 9999" in inventory.describe({42: "daprd"})


def test_the_reader_sees_this_process_s_own_sockets() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as loopback,
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as everywhere,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagram,
    ):
        loopback.bind(("127.0.0.1", 0))
        loopback.listen()
        everywhere.bind(("0.0.0.0", 0))
        everywhere.listen()
        datagram.bind(("127.0.0.1", 0))
        mine = {(s.protocol, s.local.port): s for s in read_sockets([os.getpid()]).all()}
        keys = [
            ("tcp", loopback.getsockname()[1]),
            ("tcp", everywhere.getsockname()[1]),
            ("udp", datagram.getsockname()[1]),
        ]
        found = [mine[key] for key in keys]
        assert [(s.state, str(s.local.address)) for s in found] == [
            ("LISTEN", "127.0.0.1"),
            ("LISTEN", "0.0.0.0"),
            ("CLOSE", "127.0.0.1"),
        ]
        assert off_loopback(found) == [found[1]]
