#!/usr/bin/env python3
"""kafka-python 2.0.2: KafkaProducer with acks=1 and acks='all'; KafkaConsumer with assign() and
seek_to_beginning() (no group)."""

from kafka import KafkaConsumer, KafkaProducer

import harness


class KafkaPythonTest(harness.ClusterTestCase):

    def round_trip(self, acks):
        topic = self.unique_topic("kp")
        self.create_topic(topic, partitions=1)
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks=acks, retries=3,
                                 request_timeout_ms=30000)
        values = [b"kafka-python %s %04d" % (str(acks).encode(), i) for i in range(200)]
        try:
            futures = [producer.send(topic, value=v, key=b"key-%d" % i, partition=0,
                                     headers=[("h", b"%d" % i)])
                       for i, v in enumerate(values)]
            producer.flush(60)
            metas = [f.get(timeout=30) for f in futures]
        finally:
            producer.close(10)
        self.assertEqual(list(range(len(values))), [m.offset for m in metas])
        self.assertTrue(all(m.partition == 0 and m.topic == topic for m in metas))

        got = self.kafka_python_read(topic, len(values))
        self.assertEqual(values, [r.value for r in got])
        self.assertEqual(list(range(len(values))), [r.offset for r in got])
        self.assertEqual([b"key-%d" % i for i in range(len(values))], [r.key for r in got])
        self.assertEqual([[("h", b"%d" % i)] for i in range(len(values))],
                         [list(r.headers) for r in got])

    def test_acks_1(self):
        self.round_trip(1)

    def test_acks_all(self):
        self.round_trip("all")

    def test_min_insync_replicas_refuses_acks_all_but_not_acks_1(self):
        # One broker means an ISR of one: a topic asking for two in-sync replicas refuses acks=all
        # writes with NOT_ENOUGH_REPLICAS before appending, while acks=1 writes go through.
        from kafka.errors import NotEnoughReplicasError
        topic = self.unique_topic("kp-minisr")
        self.create_topic(topic, partitions=1, config={"min.insync.replicas": "2"})
        strict = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", retries=0)
        try:
            with self.assertRaises(NotEnoughReplicasError):
                strict.send(topic, value=b"refused", partition=0).get(timeout=30)
        finally:
            strict.close(10)
        relaxed = KafkaProducer(bootstrap_servers=self.bootstrap, acks=1, retries=0)
        try:
            self.assertEqual(0, relaxed.send(topic, value=b"kept", partition=0).get(timeout=30).offset)
        finally:
            relaxed.close(10)

    def test_api_version_inference(self):
        # With the recommended ApiVersions map kafka-python infers a 2.4 broker.
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        try:
            self.assertGreaterEqual(consumer.config["api_version"], (2, 1, 0))
        finally:
            consumer.close()


if __name__ == "__main__":
    harness.main()
