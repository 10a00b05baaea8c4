#!/usr/bin/env python3
"""Topic administration on a three-broker cluster, each change checked on every broker: a topic
created by writing /brokers/topics/T directly (as kafka-topics --zookeeper does) is picked up and
served; adding partitions; a topic config change applied live by every leader; deleting a topic
removes it from every broker's metadata and disk."""

import json
import os

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import ConfigResource, NewPartitions

import harness


class ClusterAdminTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "auto.leader.rebalance.enable": "false"}

    def on_every_broker(self, topic, check, what, timeout=30):
        for b in self.cluster.brokers:
            harness.wait_until(lambda: check(self.metadata_partitions(topic, b)), timeout,
                               "%s on broker %d" % (what, b.broker_id))

    def partition_dirs(self, topic):
        out = []
        for b in self.cluster.brokers:
            for name in os.listdir(b.log_dir):
                if name.startswith(topic + "-"):
                    out.append((b.broker_id, name))
        return out

    def test_topic_written_to_zookeeper_is_served(self):
        topic = self.unique_topic("zkdirect")
        zk = self.cluster.zk_client()
        zk.create("/brokers/topics/" + topic, json.dumps({
            "version": 2, "partitions": {"0": [1, 2, 3], "1": [2, 3, 1]},
            "adding_replicas": {}, "removing_replicas": {}}).encode())
        self.on_every_broker(topic, lambda parts: len(parts) == 2 and all(
            v[0] >= 0 for v in parts.values()), "two led partitions")
        self.assertEqual(1, self.cluster.partition_state(topic, 0)["leader"])
        self.assertEqual(2, self.cluster.partition_state(topic, 1)["leader"])
        acked, failed = self.produce_acked(topic, [b"direct-%d" % i for i in range(40)])
        self.assertEqual([], failed)
        got = self.consume_all(topic, [0, 1], timeout=60)
        self.assertEqual(sorted(acked.values()), sorted(m.value() for m in got))

    def test_add_partitions_reaches_every_broker(self):
        topic = self.unique_topic("grow")
        self.create_topic(topic, partitions=2, replication=3)
        admin = self.admin()
        admin.create_partitions([NewPartitions(topic, 6)],
                                request_timeout=30)[topic].result(timeout=30)
        self.on_every_broker(topic, lambda parts: len(parts) == 6 and all(
            v[0] >= 0 for v in parts.values()), "six led partitions")
        # Every replica of every partition has its log directory.
        harness.wait_until(lambda: len(self.partition_dirs(topic)) == 6 * 3, 30,
                           "18 replica directories")

    def test_config_change_applies_on_every_leader(self):
        topic = self.unique_topic("config")
        self.create_topic(topic, partitions=3, replication=3)
        leaders = {v[0] for v in self.metadata_partitions(topic).values()}
        self.assertEqual({1, 2, 3}, leaders, "one partition led by each broker")
        admin = self.admin()
        big = b"x" * 4000

        def produce_big():
            errors = {}

            def cb(err, msg):
                errors[msg.partition()] = None if err is None else err.code()
            p = Producer({"bootstrap.servers": self.bootstrap, "message.timeout.ms": 20000,
                          "retries": 0, "log_level": 0})
            for part in range(3):
                p.produce(topic, big, partition=part, on_delivery=cb)
            p.flush(30)
            return errors

        self.assertEqual({0: None, 1: None, 2: None}, produce_big())
        res = ConfigResource(ConfigResource.Type.TOPIC, topic,
                             set_config={"max.message.bytes": "1000"})
        admin.alter_configs([res], request_timeout=30)[res].result(timeout=30)
        harness.wait_until(
            lambda: set(produce_big().values()) == {KafkaError.MSG_SIZE_TOO_LARGE}, 30,
            "every leader refusing records over the new max.message.bytes")
        res = ConfigResource(ConfigResource.Type.TOPIC, topic,
                             set_config={"max.message.bytes": "100000"})
        admin.alter_configs([res], request_timeout=30)[res].result(timeout=30)
        harness.wait_until(lambda: set(produce_big().values()) == {None}, 30,
                           "every leader accepting them again")

    def test_delete_topic_on_every_broker(self):
        topic = self.unique_topic("delete")
        self.create_topic(topic, partitions=3, replication=3)
        acked, failed = self.produce_acked(topic, [b"d-%d" % i for i in range(30)])
        self.assertEqual([], failed)
        harness.wait_until(lambda: len(self.partition_dirs(topic)) == 9, 30, "9 replica dirs")
        admin = self.admin()
        admin.delete_topics([topic], operation_timeout=30,
                            request_timeout=30)[topic].result(timeout=30)
        self.on_every_broker(topic, lambda parts: parts == {}, "topic gone from metadata")
        harness.wait_until(lambda: not self.cluster.zk_client().exists(
            "/brokers/topics/" + topic), 30, "topic znode deleted")
        harness.wait_until(lambda: [d for d in self.partition_dirs(topic)
                                    if not d[1].endswith("-delete")] == [], 30,
                           "replica directories deleted")


if __name__ == "__main__":
    harness.main()
