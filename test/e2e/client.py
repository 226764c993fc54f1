# SPDX-License-Identifier: Apache-2.0
"""The end-to-end test's client: one process for many requests.

    client.py tcp HOST PORT COUNT      COUNT HTTP requests, each on a new connection
    client.py udp HOST PORT COUNT      COUNT datagrams, each from a new socket (source port)
    client.py loop HOST PORT STOPFILE  HTTP requests every 50 ms until STOPFILE exists
    client.py ping HOST COUNT          ICMP echo requests (a raw socket: needs root)

Prints one line per request: the server's answer "NAME PORT CLIENT", or
"FAIL <reason>" when the request failed (refused, timed out, ...).
"""
import os
import socket
import struct
import sys
import time

TIMEOUT = 3.0


def reason(error):
    text = str(error).replace(" ", "_")
    return f"FAIL {type(error).__name__}:{text}"


def tcp(host, port):
    with socket.create_connection((host, port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        sock.sendall(b"GET / HTTP/1.0\r\nHost: e2e\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise ValueError(f"unexpected answer {data[:60]!r}")
    return body.decode().strip()


def udp(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect((host, port))
        sock.send(b"query")
        return sock.recv(512).decode().strip()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(host, sequence):
    ident = os.getpid() & 0xFFFF
    header = struct.pack("!BBHHH", 8, 0, 0, ident, sequence)
    payload = b"kipvs-e2e"
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, sequence) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(TIMEOUT)
        sock.sendto(packet, (host, 0))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            data, source = sock.recvfrom(1024)
            offset = (data[0] & 0x0F) * 4
            kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[offset:offset + 8])
            if kind == 0 and rid == ident and rseq == sequence:
                return f"echo-reply from {source[0]}"
        raise TimeoutError("no echo reply")


def once(request, *args):
    try:
        return request(*args)
    except Exception as error:  # every failure is an answer of its own
        return reason(error)


def main(argv):
    mode = argv[1]
    if mode in ("tcp", "udp"):
        request = tcp if mode == "tcp" else udp
        for _ in range(int(argv[4])):
            print(once(request, argv[2], int(argv[3])), flush=True)
    elif mode == "loop":
        while not os.path.exists(argv[4]):
            print(once(tcp, argv[2], int(argv[3])), flush=True)
            time.sleep(0.05)
    elif mode == "ping":
        for sequence in range(1, int(argv[3]) + 1):
            print(once(ping, argv[2], sequence), flush=True)
    else:
        sys.exit(f"client.py: unknown mode {mode!r}")


main(sys.argv)
