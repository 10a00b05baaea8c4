#!/usr/bin/env python3
"""Malformed and oversized frames close only the offending connection; a client connected at the
same time keeps producing and consuming."""

import socket
import struct
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

import harness
from flexible_wire import recv_exact

REQUEST_MAX_BYTES = 1048576  # socket.request.max.bytes for this cluster


class BadFramesTest(harness.ClusterTestCase):
    OVERRIDES = {"socket.request.max.bytes": str(REQUEST_MAX_BYTES)}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.topic = "bad-frames-bystander"
        from confluent_kafka.admin import AdminClient, NewTopic
        admin = AdminClient({"bootstrap.servers": cls.cluster.bootstrap, "log_level": 3})
        admin.create_topics([NewTopic(cls.topic, 1, 1)])[cls.topic].result(timeout=30)

    def setUp(self):
        # The bystander: a producer and a consumer with live connections before the bad client.
        self.sent = []
        self.producer = Producer({"bootstrap.servers": self.bootstrap, "acks": "all",
                                  "log_level": 3})
        self.consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "bystander",
                                  "enable.auto.commit": False, "log_level": 3})
        self.consumer.assign([TopicPartition(self.topic, 0, OFFSET_BEGINNING)])
        self.received = []
        self.produce_and_check(10)
        self.addCleanup(self.consumer.close)

    def produce_and_check(self, n):
        reports = []
        base = len(self.sent)
        for i in range(n):
            v = b"%s-%d" % (self._testMethodName.encode(), base + i)
            self.sent.append(v)
            self.producer.produce(self.topic, v, partition=0,
                                  on_delivery=lambda err, msg: reports.append(err))
        self.assertEqual(0, self.producer.flush(30))
        self.assertEqual([None] * n, reports)
        deadline = time.time() + 30
        mine = lambda: [v for v in self.received if v.startswith(self._testMethodName.encode())]
        while len(mine()) < len(self.sent) and time.time() < deadline:
            m = self.consumer.poll(0.5)
            if m is not None and m.error() is None:
                self.received.append(m.value())
        self.assertEqual(self.sent, mine())

    def bad_connection(self, payload, expect_closed=True):
        s = socket.create_connection(("127.0.0.1", self.cluster.brokers[0].port), timeout=10)
        try:
            # A good request first proves the connection was working.
            s.sendall(harness.encode_request(18, 0, 1))  # ApiVersions v0
            size = struct.unpack(">i", recv_exact(s, 4))[0]
            body = recv_exact(s, size)
            self.assertEqual(1, struct.unpack(">i", body[:4])[0], "correlation id")
            try:
                s.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
            closed = harness.connection_closed_by_peer(s, timeout=10)
            self.assertEqual(expect_closed, closed,
                             "connection was %s after the bad frame" %
                             ("kept open" if not closed else "closed"))
        finally:
            s.close()
        # The bystander is unaffected, and the broker is still alive.
        self.produce_and_check(10)
        self.assertTrue(self.cluster.brokers[0].is_running())

    def test_garbage_bytes(self):
        # Size 16, then a header with api key -1 and nonsense.
        self.bad_connection(struct.pack(">i", 16) + b"\xff" * 16)

    def test_bogus_api_key(self):
        self.bad_connection(harness.encode_request(12345, 0, 2, body=b"\x00" * 8))

    def test_unsupported_api_version(self):
        # Metadata v99: Kafka fails to parse the header and closes the connection.
        self.bad_connection(harness.encode_request(3, 99, 2, body=b"\x00" * 8))

    def test_truncated_request_body(self):
        # A Produce v7 header with a body far too short for the schema.
        self.bad_connection(harness.encode_request(0, 7, 2, body=b"\x00\x01"))

    def test_negative_size(self):
        self.bad_connection(struct.pack(">i", -5) + b"abcd")

    def test_oversized_frame(self):
        # Declared size above socket.request.max.bytes: closed without reading the body.
        self.bad_connection(struct.pack(">i", REQUEST_MAX_BYTES + 1) + b"\x00" * 100)

    def test_huge_declared_size(self):
        self.bad_connection(struct.pack(">i", 0x7FFFFFF0) + b"\x00" * 100)

    def test_frame_at_limit_is_accepted(self):
        # A frame of exactly socket.request.max.bytes is not "oversized": the broker reads it.
        # The content is an unknown api key, so the connection closes after reading it - but the
        # broker must have read the whole frame without treating it as oversized; we only check
        # that the broker survives and the bystander continues.
        frame = harness.encode_request(12345, 0, 3)
        pad = REQUEST_MAX_BYTES - (len(frame) - 4)
        payload = struct.pack(">i", REQUEST_MAX_BYTES) + frame[4:] + b"\x00" * pad
        self.bad_connection(payload)


if __name__ == "__main__":
    harness.main()
