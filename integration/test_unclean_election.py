#!/usr/bin/env python3
"""Unclean leader election gating (replication factor 2). The follower is stopped, records are
written to the leader alone, the leader is killed, and only the stale follower is started again.
With unclean.leader.election.enable=false the partition stays without a leader and nothing is
lost when the old leader returns; with the topic override set to true the stale follower becomes
leader."""

import time

import harness


class UncleanElectionTest(harness.ClusterTestCase):
    NUM_BROKERS = 2
    OVERRIDES = {"default.replication.factor": "2", "unclean.leader.election.enable": "false",
                 "min.insync.replicas": "1", "auto.leader.rebalance.enable": "false"}

    def leader(self, topic):
        return self.cluster.partition_state(topic, 0)["leader"]

    def run_scenario(self, topic):
        """Returns (leader broker, follower broker, records written while the follower was down)
        with the leader killed and only the stale follower running."""
        self.wait_for_topic(topic, 1)
        harness.wait_until(lambda: len(self.cluster.partition_state(topic, 0)["isr"]) == 2, 30,
                           "ISR of two")
        base, failed = self.produce_acked(topic, [b"both-%d" % i for i in range(50)], partition=0)
        self.assertEqual([], failed)
        leader = self.cluster.broker(self.leader(topic))
        follower = next(b for b in self.cluster.brokers if b is not leader)
        follower.stop()
        harness.wait_until(lambda: self.cluster.partition_state(topic, 0)["isr"] ==
                           [leader.broker_id], 30, "ISR without the stopped follower")
        alone, failed = self.produce_acked(topic, [b"alone-%d" % i for i in range(50)],
                                           partition=0)
        self.assertEqual([], failed)
        leader.kill()
        follower.start()
        harness.wait_until(lambda: harness.wait_for_port(follower.port, 1), 60, "follower up")
        return leader, follower, {**base, **alone}

    def test_1_clean_only_waits_for_the_last_isr_member(self):
        topic = self.unique_topic("clean")
        self.create_topic(topic, partitions=1, replication=2)
        leader, follower, acked = self.run_scenario(topic)
        # The stale follower is registered but must not lead: once the controller has seen the
        # old leader's registration go (its session expires), the partition has no leader.
        zk = self.cluster.zk_client()
        harness.wait_until(lambda: zk.exists("/brokers/ids/%d" % follower.broker_id), 60,
                           "follower registered")
        harness.wait_until(lambda: not zk.exists("/brokers/ids/%d" % leader.broker_id), 60,
                           "the killed leader's registration gone")
        harness.wait_until(lambda: self.cluster.partition_state(topic, 0)["leader"] == -1, 30,
                           "the partition without a leader")
        time.sleep(3)
        state = self.cluster.partition_state(topic, 0)
        self.assertEqual(-1, state["leader"])
        self.assertEqual([leader.broker_id], state["isr"])
        controller = self.cluster.broker(self.cluster.controller_id())
        metrics = controller.metrics()
        self.assertEqual(1, metrics["kafka_controller_kafkacontroller_activecontrollercount"])
        self.assertGreaterEqual(metrics["kafka_controller_kafkacontroller_offlinepartitionscount"], 1)
        # The old leader returns: it leads again and every acknowledged record is there.
        leader.start()
        self.cluster.wait_ready(self.cluster.brokers, timeout=60)
        harness.wait_until(lambda: self.leader(topic) == leader.broker_id, 30, "old leader back")
        self.assert_acked_consumed(topic, [0], acked)

    def test_2_topic_override_allows_unclean_election(self):
        topic = self.unique_topic("unclean")
        self.create_topic(topic, partitions=1, replication=2,
                          config={"unclean.leader.election.enable": "true"})
        leader, follower, acked = self.run_scenario(topic)
        harness.wait_until(lambda: self.leader(topic) == follower.broker_id, 30,
                           "the stale follower elected uncleanly")
        controller = self.cluster.broker(self.cluster.controller_id())
        self.assertGreaterEqual(controller.metrics()[
            "kafka_controller_controllerstats_uncleanleaderelections_total"], 1)
        leader.start()
        self.cluster.wait_ready(self.cluster.brokers, timeout=60)


if __name__ == "__main__":
    harness.main()
