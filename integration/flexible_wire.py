"""Raw-wire helpers for tests that talk to the broker below any client library: exact reads, and
for flexible versions (KIP-482) of APIs no Python client on this machine has, unsigned varints,
compact strings and one round trip that returns the response body."""
import socket
import struct

import harness


def uvarint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def read_uvarint(data, pos):
    """(value, position after it)."""
    shift = value = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def compact_string(s):
    b = s.encode()
    return uvarint(len(b) + 1) + b


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("connection closed")
        out += chunk
    return out


def roundtrip(address, api_key, version, body, flexible, correlation_id=7,
              client_id=b"harness"):
    """Sends one request (header v2 with its empty tag buffer when `flexible`) and returns the
    response body: after the correlation id (checked) and, when `flexible`, header v1's tags."""
    host, port = address.rsplit(":", 1)
    if flexible:
        body = uvarint(0) + body
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(harness.encode_request(api_key, version, correlation_id, client_id, body))
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        data = recv_exact(s, size)
    assert struct.unpack(">i", data[:4])[0] == correlation_id
    pos = 4
    if flexible:
        _, pos = read_uvarint(data, pos)
    return data[pos:]
