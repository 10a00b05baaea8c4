#!/usr/bin/env python3
"""A clean restart (SIGTERM) keeps topics (they live in ZooKeeper) and their data; the broker
exits 0 on SIGTERM."""

from confluent_kafka import Producer
from confluent_kafka.admin import ConfigResource

import harness


class RestartTest(harness.ClusterTestCase):

    def produce(self, topic, values):
        reports = []
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "log_level": 3})
        for v in values:
            p.produce(topic, v, key=v[-1:],
                      on_delivery=lambda err, msg: reports.append((err, msg.partition(),
                                                                   msg.offset())))
        self.assertEqual(0, p.flush(30))
        self.assertEqual([], [r for r in reports if r[0] is not None])
        return reports

    def test_sigterm_restart_keeps_topics_and_data(self):
        t1 = self.unique_topic("keep-a")
        t2 = self.unique_topic("keep-b")
        self.create_topic(t1, partitions=2)
        self.create_topic(t2, partitions=1, config={"retention.ms": "7200000"})
        v1 = [b"a-%d" % i for i in range(100)]
        v2 = [b"b-%d" % i for i in range(50)]
        self.produce(t1, v1)
        self.produce(t2, v2)
        before = {(m.partition(), m.offset()): m.value() for m in self.consume_all(t1, [0, 1])}

        broker = self.cluster.brokers[0]
        code = broker.stop(timeout=30)
        self.assertEqual(0, code, "kafka-server should exit 0 on SIGTERM")
        broker.start()
        self.cluster.wait_ready([broker], timeout=60)

        md = self.wait_for_topic(t1, 2)
        self.assertIn(t2, md.topics)
        self.wait_for_topic(t2, 1)
        after = {(m.partition(), m.offset()): m.value()
                 for m in self.consume_all(t1, [0, 1], expected_count=len(v1))}
        self.assertEqual(before, after)
        got2 = self.consume_all(t2, [0], expected_count=len(v2))
        self.assertEqual(v2, [m.value() for m in got2])

        # The topic override survives too (it is in /config/topics).
        admin = self.admin()
        fs = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, t2)],
                                    request_timeout=30)
        configs = list(fs.values())[0].result(timeout=30)
        self.assertEqual("7200000", configs["retention.ms"].value)

        # Appends continue from the old end offsets.
        reports = self.produce(t2, [b"new"])
        self.assertEqual([(None, 0, len(v2))], reports)

    def test_two_restarts_in_a_row(self):
        topic = self.unique_topic("twice")
        self.create_topic(topic, partitions=1)
        self.produce(topic, [b"one"])
        broker = self.cluster.brokers[0]
        for expected_offset in (1, 2):
            self.assertEqual(0, broker.stop(timeout=30))
            broker.start()
            self.cluster.wait_ready([broker], timeout=60)
            self.wait_for_topic(topic, 1)
            reports = self.produce(topic, [b"again"])
            self.assertEqual([(None, 0, expected_offset)], reports)
        got = self.consume_all(topic, [0], expected_count=3)
        self.assertEqual([b"one", b"again", b"again"], [m.value() for m in got])


if __name__ == "__main__":
    harness.main()
