#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka): acks=all producer and assign()-based consumer; automatic
topic creation on produce."""

import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

import harness


class ConfluentClientsTest(harness.ClusterTestCase):

    def produce(self, topic, values, partition=None, acks="all", keys=True):
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": acks, "linger.ms": 5,
                      "message.timeout.ms": 30000, "log_level": 3})
        reports = []

        def on_delivery(err, msg):
            reports.append((err, msg.partition(), msg.offset(), msg.value()))

        for i, v in enumerate(values):
            kwargs = {"key": b"k%d" % i} if keys else {}
            if partition is not None:
                kwargs["partition"] = partition
            p.produce(topic, v, on_delivery=on_delivery, **kwargs)
            p.poll(0)
        remaining = p.flush(60)
        self.assertEqual(0, remaining, "messages still in the producer queue after flush")
        return reports

    def test_producer_acks_all_then_assign_consumer(self):
        topic = self.unique_topic("ck")
        self.create_topic(topic, partitions=1)
        values = [b"message-%05d" % i for i in range(500)]
        reports = self.produce(topic, values, partition=0, acks="all")
        errors = [r for r in reports if r[0] is not None]
        self.assertEqual([], errors)
        self.assertEqual(len(values), len(reports))
        # One producer, one partition, in-order delivery: offsets 0..n-1 in produce order.
        self.assertEqual(list(range(len(values))), [r[2] for r in reports])
        self.assertEqual(values, [r[3] for r in reports])

        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "unused-no-commits",
                      "enable.auto.commit": False, "enable.auto.offset.store": False,
                      "log_level": 3})
        try:
            c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
            got = []
            deadline = time.time() + 60
            while len(got) < len(values) and time.time() < deadline:
                m = c.poll(1.0)
                if m is None:
                    continue
                self.assertIsNone(m.error(), str(m.error()))
                got.append(m)
            self.assertEqual(values, [m.value() for m in got])
            self.assertEqual(list(range(len(values))), [m.offset() for m in got])
            self.assertEqual([b"k%d" % i for i in range(len(values))], [m.key() for m in got])
            # Nothing more arrives.
            m = c.poll(1.5)
            self.assertTrue(m is None or m.error() is not None, "unexpected extra record")
        finally:
            c.close()

    def test_multi_partition_round_trip(self):
        topic = self.unique_topic("ck-multi")
        self.create_topic(topic, partitions=3)
        values = [b"v%04d" % i for i in range(300)]
        reports = self.produce(topic, values, acks="all")
        self.assertEqual([], [r for r in reports if r[0] is not None])
        acked = {(r[1], r[2]): r[3] for r in reports}
        got = self.consume_all(topic, [0, 1, 2], expected_count=len(values))
        self.assertEqual(acked, {(m.partition(), m.offset()): m.value() for m in got})
        # Offsets are dense per partition.
        for part in range(3):
            offs = sorted(o for (p, o) in acked if p == part)
            self.assertEqual(list(range(len(offs))), offs)

    def test_auto_create_on_produce(self):
        topic = self.unique_topic("auto")
        md = self.admin().list_topics(timeout=10)
        self.assertNotIn(topic, md.topics)
        reports = self.produce(topic, [b"first", b"second", b"third"], acks="all")
        self.assertEqual([], [r for r in reports if r[0] is not None])
        md = self.wait_for_topic(topic)
        # num.partitions=1 in the harness config.
        self.assertEqual(1, len(md.topics[topic].partitions))
        got = self.consume_all(topic, [0], expected_count=3)
        self.assertEqual([b"first", b"second", b"third"], [m.value() for m in got])


if __name__ == "__main__":
    harness.main()
