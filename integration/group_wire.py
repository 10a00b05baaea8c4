"""Raw group-protocol requests for the consumer-group integration tests: kafka-python's request
classes (kafka.protocol.group / commit / admin) framed over a plain socket, plus the versions
kafka-python 2.0 does not define (JoinGroup v4, v5)."""

import socket
import struct
import time

# kafka-python's request classes the tests use, re-exported (w.HeartbeatRequest_v1, ...).
from kafka.protocol.admin import DeleteGroupsRequest_v0, DescribeGroupsRequest_v0
from kafka.protocol.api import Request, RequestHeader, Response
from kafka.protocol.commit import (GroupCoordinatorRequest_v1, OffsetCommitRequest_v2,
                                   OffsetFetchRequest_v1, OffsetFetchRequest_v3)
from kafka.protocol.group import (HeartbeatRequest_v1, JoinGroupRequest_v1,
                                  LeaveGroupRequest_v1, MemberAssignment, ProtocolMetadata,
                                  SyncGroupRequest_v1)
from kafka.protocol.types import Array, Bytes, Int16, Int32, Int64, Schema, String

# Used by the tests as w.<name>.
REEXPORTED = (DeleteGroupsRequest_v0, DescribeGroupsRequest_v0, OffsetCommitRequest_v2,
              OffsetFetchRequest_v1, OffsetFetchRequest_v3, HeartbeatRequest_v1,
              LeaveGroupRequest_v1, SyncGroupRequest_v1)

# Kafka error codes the tests check.
NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
OFFSET_METADATA_TOO_LARGE = 12
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
FENCED_INSTANCE_ID = 82
GROUP_SUBSCRIBED_TO_TOPIC = 86


class JoinGroupResponse_v4(Response):
    API_KEY = 11
    API_VERSION = 4
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('error_code', Int16),
        ('generation_id', Int32),
        ('group_protocol', String('utf-8')),
        ('leader_id', String('utf-8')),
        ('member_id', String('utf-8')),
        ('members', Array(('member_id', String('utf-8')), ('member_metadata', Bytes))))


class JoinGroupRequest_v4(Request):
    API_KEY = 11
    API_VERSION = 4
    RESPONSE_TYPE = JoinGroupResponse_v4
    SCHEMA = JoinGroupRequest_v1.SCHEMA


class FindCoordinatorResponse_v1(Response):
    # kafka-python's GroupCoordinatorResponse_v1 lacks throttle_time_ms.
    API_KEY = 10
    API_VERSION = 1
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('error_code', Int16),
        ('error_message', String('utf-8')),
        ('coordinator_id', Int32),
        ('host', String('utf-8')),
        ('port', Int32))


class FindCoordinatorRequest_v1(Request):
    API_KEY = 10
    API_VERSION = 1
    RESPONSE_TYPE = FindCoordinatorResponse_v1
    SCHEMA = GroupCoordinatorRequest_v1.SCHEMA


# KIP-345 (static membership) versions: group_instance_id after member_id.
class JoinGroupResponse_v5(Response):
    API_KEY = 11
    API_VERSION = 5
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('error_code', Int16),
        ('generation_id', Int32),
        ('group_protocol', String('utf-8')),
        ('leader_id', String('utf-8')),
        ('member_id', String('utf-8')),
        ('members', Array(('member_id', String('utf-8')),
                          ('group_instance_id', String('utf-8')),
                          ('member_metadata', Bytes))))


class JoinGroupRequest_v5(Request):
    API_KEY = 11
    API_VERSION = 5
    RESPONSE_TYPE = JoinGroupResponse_v5
    SCHEMA = Schema(
        ('group', String('utf-8')),
        ('session_timeout', Int32),
        ('rebalance_timeout', Int32),
        ('member_id', String('utf-8')),
        ('group_instance_id', String('utf-8')),
        ('protocol_type', String('utf-8')),
        ('group_protocols', Array(('protocol_name', String('utf-8')),
                                  ('protocol_metadata', Bytes))))


class SyncGroupResponse_v3(Response):
    API_KEY = 14
    API_VERSION = 3
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16),
                    ('member_assignment', Bytes))


class SyncGroupRequest_v3(Request):
    API_KEY = 14
    API_VERSION = 3
    RESPONSE_TYPE = SyncGroupResponse_v3
    SCHEMA = Schema(
        ('group', String('utf-8')),
        ('generation_id', Int32),
        ('member_id', String('utf-8')),
        ('group_instance_id', String('utf-8')),
        ('group_assignment', Array(('member_id', String('utf-8')),
                                   ('member_metadata', Bytes))))


class HeartbeatResponse_v3(Response):
    API_KEY = 12
    API_VERSION = 3
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16))


class HeartbeatRequest_v3(Request):
    API_KEY = 12
    API_VERSION = 3
    RESPONSE_TYPE = HeartbeatResponse_v3
    SCHEMA = Schema(('group', String('utf-8')), ('generation_id', Int32),
                    ('member_id', String('utf-8')), ('group_instance_id', String('utf-8')))


class LeaveGroupResponse_v3(Response):
    API_KEY = 13
    API_VERSION = 3
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16),
                    ('members', Array(('member_id', String('utf-8')),
                                      ('group_instance_id', String('utf-8')),
                                      ('error_code', Int16))))


class LeaveGroupRequest_v3(Request):
    API_KEY = 13
    API_VERSION = 3
    RESPONSE_TYPE = LeaveGroupResponse_v3
    SCHEMA = Schema(('group', String('utf-8')),
                    ('members', Array(('member_id', String('utf-8')),
                                      ('group_instance_id', String('utf-8')))))


class OffsetCommitResponse_v7(Response):
    API_KEY = 8
    API_VERSION = 7
    SCHEMA = Schema(('throttle_time_ms', Int32),
                    ('topics', Array(('topic', String('utf-8')),
                                     ('partitions', Array(('partition', Int32),
                                                          ('error_code', Int16))))))


class OffsetCommitRequest_v7(Request):
    API_KEY = 8
    API_VERSION = 7
    RESPONSE_TYPE = OffsetCommitResponse_v7
    SCHEMA = Schema(
        ('group', String('utf-8')),
        ('generation_id', Int32),
        ('member_id', String('utf-8')),
        ('group_instance_id', String('utf-8')),
        ('topics', Array(('topic', String('utf-8')),
                         ('partitions', Array(('partition', Int32), ('offset', Int64),
                                              ('leader_epoch', Int32),
                                              ('metadata', String('utf-8')))))))


class OffsetDeleteResponse_v0(Response):
    API_KEY = 47
    API_VERSION = 0
    SCHEMA = Schema(('error_code', Int16), ('throttle_time_ms', Int32),
                    ('topics', Array(('topic', String('utf-8')),
                                     ('partitions', Array(('partition', Int32),
                                                          ('error_code', Int16))))))


class OffsetDeleteRequest_v0(Request):
    API_KEY = 47
    API_VERSION = 0
    RESPONSE_TYPE = OffsetDeleteResponse_v0
    SCHEMA = Schema(('group', String('utf-8')),
                    ('topics', Array(('topic', String('utf-8')),
                                     ('partitions', Array(Int32)))))


def consumer_metadata(topics):
    # Keep the struct referenced: kafka-python's encode() is a weak method on the instance.
    md = ProtocolMetadata(0, list(topics), b"")
    return md.encode()


def consumer_assignment(assignment):
    """assignment: {topic: [partitions]}"""
    a = MemberAssignment(0, sorted(assignment.items()), b"")
    return a.encode()


def java_hash(s):
    """java.lang.String.hashCode of a (BMP) string."""
    h = 0
    for ch in s.encode("utf-16-be").decode("utf-16-be"):
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def offsets_partition(group_id, partitions):
    """Kafka's partitionFor: Utils.abs(groupId.hashCode) % offsets.topic.num.partitions."""
    h = java_hash(group_id)
    return (0 if h == -(1 << 31) else abs(h)) % partitions


class Conn:
    """One connection to one broker; send() and recv() may be split to park a request (a
    JoinGroup waiting for a rebalance) while other connections go on."""

    def __init__(self, host, port, client_id="gtest", timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.client_id = client_id
        self.corr = 0
        self.pending = []  # (correlation id, request) in send order

    @classmethod
    def to(cls, address, **kw):
        host, port = address.rsplit(":", 1)
        return cls(host, int(port), **kw)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, request):
        self.corr += 1
        header = RequestHeader(request, correlation_id=self.corr, client_id=self.client_id)
        payload = header.encode() + request.encode()
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        self.pending.append((self.corr, request))
        return self.corr

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("broker closed the connection")
            buf += chunk
        return buf

    def recv(self, timeout=30):
        """The response to the oldest request sent and not yet received (Kafka answers a
        connection's requests in order)."""
        self.sock.settimeout(timeout)
        size = struct.unpack(">i", self._read(4))[0]
        data = self._read(size)
        corr = struct.unpack(">i", data[:4])[0]
        want, request = self.pending.pop(0)
        assert corr == want, "correlation id %d, expected %d" % (corr, want)
        return request.RESPONSE_TYPE.decode(data[4:])

    def call(self, request, timeout=30):
        self.send(request)
        return self.recv(timeout)

    def has_response(self, wait=0.5):
        """Whether bytes of a response arrived within `wait` seconds (without consuming them)."""
        self.sock.settimeout(wait)
        try:
            return len(self.sock.recv(1, socket.MSG_PEEK)) > 0
        except socket.timeout:
            return False


def find_coordinator(address, group_id, timeout=30):
    """(node id, "host:port") of the group's coordinator, retrying COORDINATOR_NOT_AVAILABLE
    while __consumer_offsets is being created."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        c = Conn.to(address)
        try:
            r = c.call(FindCoordinatorRequest_v1(group_id, 0))
        finally:
            c.close()
        if r.error_code == NONE:
            return r.coordinator_id, "%s:%d" % (r.host, r.port)
        last = r.error_code
        time.sleep(0.3)
    raise AssertionError("no coordinator for %s within %ss (last error %s)" % (
        group_id, timeout, last))
