#!/usr/bin/env python3
"""ISR behaviour with three real brokers, replication factor 3, min.insync.replicas 2:
a follower paused (SIGSTOP) past replica.lag.time.max.ms leaves the ISR while acks=all writes go
on, and rejoins after SIGCONT; with two followers stopped (ISR below min.insync.replicas) acks=all
writes fail with NOT_ENOUGH_REPLICAS while acks=1 writes succeed; nothing acknowledged at acks=all
is lost."""

from confluent_kafka import KafkaError, Producer

import harness

LAG_MS = 4000


class IsrChangesTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": str(LAG_MS), "auto.leader.rebalance.enable": "false",
                 "zookeeper.session.timeout.ms": "30000"}

    def isr(self, topic):
        return self.cluster.partition_state(topic, 0)["isr"]

    def test_1_paused_follower_leaves_and_rejoins_the_isr(self):
        topic = self.unique_topic("pause")
        self.create_topic(topic, partitions=1, replication=3)
        harness.wait_until(lambda: len(self.isr(topic)) == 3, 30, "ISR of three")
        acked, failed = self.produce_acked(topic, [b"a-%d" % i for i in range(100)], partition=0)
        self.assertEqual([], failed)
        leader = self.cluster.partition_state(topic, 0)["leader"]
        follower = next(b for b in self.cluster.brokers if b.broker_id != leader)
        follower.pause()
        try:
            harness.wait_until(lambda: follower.broker_id not in self.isr(topic),
                               LAG_MS / 1000.0 + 20, "the paused follower out of the ISR")
            self.assertEqual(2, len(self.isr(topic)))
            leader_broker = self.cluster.broker(leader)
            shrunk = leader_broker.metrics()
            self.assertGreaterEqual(shrunk["kafka_server_replicamanager_isrshrinks_total"], 1)
            self.assertEqual(1, shrunk["kafka_server_replicamanager_underreplicatedpartitions"])
            more, failed = self.produce_acked(topic, [b"b-%d" % i for i in range(100)],
                                              partition=0, timeout=30)
            self.assertEqual([], failed, "acks=all with an ISR of two")
            acked.update(more)
        finally:
            follower.resume()
        harness.wait_until(lambda: follower.broker_id in self.isr(topic), 60,
                           "the resumed follower back in the ISR")
        # The leader counts the expansion once its ZooKeeper write is answered, which the test
        # may see in ZooKeeper a moment before the metric moves.
        expanded = harness.wait_until(
            lambda: (lambda m: m if m["kafka_server_replicamanager_isrexpands_total"] >= 1 and
                     m["kafka_server_replicamanager_underreplicatedpartitions"] == 0 else None)(
                self.cluster.broker(leader).metrics()), 30, "the ISR expansion in the metrics")
        self.assertGreaterEqual(expanded["kafka_server_replicamanager_isrexpands_total"], 1)
        self.assertEqual(0, expanded["kafka_server_replicamanager_underreplicatedpartitions"])
        self.wait_for_high_watermark(topic, 0, len(acked))
        got = self.consume_all(topic, [0], timeout=60)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        self.assertEqual({}, {k: v for k, v in acked.items() if consumed.get(k) != v})

    def test_2_isr_below_min_insync_refuses_acks_all_only(self):
        topic = self.unique_topic("mininsync")
        self.create_topic(topic, partitions=1, replication=3)
        harness.wait_until(lambda: len(self.isr(topic)) == 3, 30, "ISR of three")
        acked, failed = self.produce_acked(topic, [b"c-%d" % i for i in range(50)], partition=0)
        self.assertEqual([], failed)
        leader = self.cluster.partition_state(topic, 0)["leader"]
        followers = [b for b in self.cluster.brokers if b.broker_id != leader]
        for b in followers:
            b.stop()
        try:
            harness.wait_until(lambda: self.isr(topic) == [leader], 30, "ISR of the leader only")
            errors = []
            p = Producer({"bootstrap.servers": self.cluster.broker(leader).address,
                          "acks": "all", "retries": 0, "message.timeout.ms": 10000,
                          "log_level": 0})
            p.produce(topic, b"refused", partition=0,
                      on_delivery=lambda err, msg: errors.append(err))
            p.flush(20)
            self.assertEqual(1, len(errors))
            self.assertIsNotNone(errors[0])
            self.assertEqual(KafkaError.NOT_ENOUGH_REPLICAS, errors[0].code())
            ones, failed = self.produce_acked(topic, [b"d-%d" % i for i in range(20)],
                                              partition=0, acks="1")
            self.assertEqual([], failed, "acks=1 with an ISR of one")
            self.assertEqual(20, len(ones))
        finally:
            for b in followers:
                b.start()
            self.cluster.wait_ready(followers, timeout=60)
        harness.wait_until(lambda: len(self.isr(topic)) == 3, 60, "ISR of three again")
        self.wait_for_high_watermark(topic, 0, len(acked) + 20)
        got = self.consume_all(topic, [0], timeout=60)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        self.assertEqual({}, {k: v for k, v in acked.items() if consumed.get(k) != v})
        self.assertNotIn(b"refused", consumed.values())


if __name__ == "__main__":
    harness.main()
