#!/usr/bin/env python3
"""Old message formats with a real client: kafka-python pinned to old broker versions produces
MessageSet v0/v1 (Produce v1/v2, plain and gzip) which the broker up-converts to RecordBatch v2,
and fetches with Fetch v1/v2, which the broker answers down-converted to magic 0/1."""

from kafka import KafkaProducer

import harness

# api_version -> what kafka-python 2.0.2 then sends: (0, 9): Produce v1 magic 0, Fetch v1;
# (0, 10, 0): Produce v2 magic 1, Fetch v2; (0, 10, 1): Produce v2 magic 1, Fetch v3.

class LegacyClientTest(harness.ClusterTestCase):

    def round_trip(self, api_version, compression):
        topic = self.unique_topic("legacy")
        self.create_topic(topic, partitions=1)
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, api_version=api_version,
                                 acks=1, compression_type=compression, linger_ms=5)
        values = [b"legacy %r %d" % (api_version, i) for i in range(50)]
        try:
            futures = [producer.send(topic, key=b"k%d" % i, value=v, partition=0)
                       for i, v in enumerate(values)]
            producer.flush(30)
            offsets = [f.get(timeout=30).offset for f in futures]
        finally:
            producer.close(10)
        self.assertEqual(list(range(len(values))), offsets)

        got = self.kafka_python_read(topic, len(values), timeout=30, api_version=api_version)
        self.assertEqual([(i, b"k%d" % i, v) for i, v in enumerate(values)],
                         [(m.offset, m.key, m.value) for m in got])

    def test_magic0_plain(self):
        self.round_trip((0, 9), None)

    def test_magic1_plain(self):
        self.round_trip((0, 10, 0), None)

    def test_magic1_gzip(self):
        self.round_trip((0, 10, 1), "gzip")

    def test_magic0_gzip(self):
        self.round_trip((0, 9), "gzip")

    def test_offset_commit_v0_is_kept_in_zookeeper(self):
        """kafka-python pinned to 0.8.1 commits with OffsetCommit v0 and fetches with OffsetFetch
        v0, which Kafka 2.4 serves from ZooKeeper (/consumers/<group>/offsets/<topic>/<p>)."""
        from kafka import KafkaConsumer, TopicPartition
        from kafka.structs import OffsetAndMetadata
        topic = self.unique_topic("legacy-offsets")
        self.create_topic(topic, partitions=1)
        group = "legacy-group-%s" % topic[-8:]
        tp = TopicPartition(topic, 0)
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=group,
                                 api_version=(0, 8, 1), enable_auto_commit=False)
        try:
            consumer.assign([tp])
            consumer.commit({tp: OffsetAndMetadata(17, "")})
            self.assertEqual(17, consumer.committed(tp))
        finally:
            consumer.close(autocommit=False)
        data, _ = self.cluster.zk_client().get("/consumers/%s/offsets/%s/0" % (group, topic))
        self.assertEqual(b"17", data)
        # A group coordinator (OffsetFetch v1+) knows nothing of it, as in Kafka.
        reader = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=group,
                               enable_auto_commit=False)
        try:
            self.assertIsNone(reader.committed(tp))
        finally:
            reader.close()


if __name__ == "__main__":
    harness.main()
