#!/usr/bin/env python3
"""confluent-kafka AdminClient: create_topics, list_topics, create_partitions, describe_configs,
delete_topics."""

import time

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import ConfigResource, ConfigSource, NewPartitions, NewTopic

import harness


def _source(entry):
    return getattr(entry.source, "value", entry.source)


class AdminTest(harness.ClusterTestCase):

    def test_create_list_grow_describe_delete(self):
        admin = self.admin()
        topic = self.unique_topic("admin")

        fs = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)],
                                 request_timeout=30)
        self.assertIsNone(fs[topic].result(timeout=30))
        md = self.wait_for_topic(topic, 3)
        t = md.topics[topic]
        self.assertEqual([0, 1, 2], sorted(t.partitions))
        for p in t.partitions.values():
            self.assertEqual(1, p.leader)
            self.assertEqual([1], list(p.replicas))
            self.assertEqual([1], list(p.isrs))

        # Creating it again fails with TOPIC_ALREADY_EXISTS.
        fs = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)],
                                 request_timeout=30)
        with self.assertRaises(KafkaException) as cm:
            fs[topic].result(timeout=30)
        self.assertEqual(KafkaError.TOPIC_ALREADY_EXISTS, cm.exception.args[0].code())

        fs = admin.create_partitions([NewPartitions(topic, 5)], request_timeout=30)
        self.assertIsNone(fs[topic].result(timeout=30))
        md = self.wait_for_topic(topic, 5)
        self.assertEqual([0, 1, 2, 3, 4], sorted(md.topics[topic].partitions))

        fs = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)],
                                    request_timeout=30)
        configs = list(fs.values())[0].result(timeout=30)
        for key in ("retention.ms", "cleanup.policy", "segment.bytes", "retention.bytes",
                    "max.message.bytes", "min.insync.replicas"):
            self.assertIn(key, configs)
        self.assertEqual("604800000", configs["retention.ms"].value)
        self.assertEqual("delete", configs["cleanup.policy"].value)
        # Not a topic override (conf/server.properties may set log.retention.hours, which makes
        # the source STATIC_BROKER_CONFIG and is_default false, as in Kafka).
        self.assertNotEqual(ConfigSource.DYNAMIC_TOPIC_CONFIG.value,
                            _source(configs["retention.ms"]))

        fs = admin.delete_topics([topic], operation_timeout=30, request_timeout=30)
        self.assertIsNone(fs[topic].result(timeout=30))
        deadline = time.time() + 30
        while time.time() < deadline:
            if topic not in admin.list_topics(timeout=10).topics:
                break
            time.sleep(0.3)
        else:
            self.fail("topic %s still listed 30 s after delete_topics" % topic)

    def test_topic_config_override_is_described(self):
        admin = self.admin()
        topic = self.unique_topic("admin-cfg")
        fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                           config={"retention.ms": "3600000",
                                                   "cleanup.policy": "delete"})],
                                 request_timeout=30)
        fs[topic].result(timeout=30)
        self.wait_for_topic(topic, 1)
        fs = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)],
                                    request_timeout=30)
        configs = list(fs.values())[0].result(timeout=30)
        self.assertEqual("3600000", configs["retention.ms"].value)
        self.assertFalse(configs["retention.ms"].is_default)
        self.assertEqual(ConfigSource.DYNAMIC_TOPIC_CONFIG.value, _source(configs["retention.ms"]))

    def test_invalid_requests_are_rejected(self):
        admin = self.admin()
        topic = self.unique_topic("admin-bad")
        # Replication factor above the number of brokers.
        fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=3)],
                                 request_timeout=30)
        with self.assertRaises(KafkaException) as cm:
            fs[topic].result(timeout=30)
        self.assertEqual(KafkaError.INVALID_REPLICATION_FACTOR, cm.exception.args[0].code())
        # Unknown topic config.
        fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                           config={"no.such.config": "1"})],
                                 request_timeout=30)
        with self.assertRaises(KafkaException) as cm:
            fs[topic].result(timeout=30)
        self.assertEqual(KafkaError.INVALID_CONFIG, cm.exception.args[0].code())
        # An absurd partition count is refused, not turned into a giant assignment (librdkafka
        # checks the range itself, so kafka-python, which does not, sends this one).
        from kafka.admin import KafkaAdminClient, NewTopic as KpNewTopic
        from kafka.errors import InvalidPartitionsError
        kp_admin = KafkaAdminClient(bootstrap_servers=self.bootstrap)
        try:
            with self.assertRaises(InvalidPartitionsError):
                kp_admin.create_topics([KpNewTopic(topic, 2000000000, 1)])
        finally:
            kp_admin.close()
        # An illegal name.
        fs = admin.create_topics([NewTopic("bad name!", num_partitions=1, replication_factor=1)],
                                 request_timeout=30)
        with self.assertRaises(KafkaException) as cm:
            fs["bad name!"].result(timeout=30)
        self.assertEqual(KafkaError.TOPIC_EXCEPTION, cm.exception.args[0].code())
        # Deleting a topic that does not exist.
        fs = admin.delete_topics([topic], operation_timeout=30, request_timeout=30)
        with self.assertRaises(KafkaException) as cm:
            fs[topic].result(timeout=30)
        self.assertEqual(KafkaError.UNKNOWN_TOPIC_OR_PART, cm.exception.args[0].code())


if __name__ == "__main__":
    harness.main()
