#!/usr/bin/env python3
"""Partition reassignment through /admin/reassign_partitions (as kafka-reassign-partitions
--zookeeper writes it) with three real brokers: a partition on [1,2] moves to [2,3]. The new
replica catches up and joins the ISR, the controller moves the partition to the target, deletes
the removed replica from broker 1's disk and consumes the admin znode; every record acknowledged
before the move is still readable. A target naming a broker that does not exist is dropped."""

import json
import os

import harness


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class ReassignmentTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"auto.leader.rebalance.enable": "false"}

    def create_topic_on(self, topic, replicas):
        # What kafka-topics --zookeeper writes: the assignment znode, nothing else.
        zk = self.cluster.zk_client()
        zk.create("/brokers/topics/%s" % topic, json.dumps({
            "version": 2, "partitions": {"0": replicas},
            "adding_replicas": {}, "removing_replicas": {}}).encode())
        self.wait_for_topic(topic, 1)
        harness.wait_until(
            lambda: sorted(self.cluster.partition_state(topic, 0)["isr"]) == sorted(replicas),
            30, "full ISR %s" % replicas)

    def request(self, entries):
        self.cluster.zk_client().create("/admin/reassign_partitions", json.dumps({
            "version": 1, "partitions": entries}).encode())

    def test_move_partition_to_new_broker(self):
        first, second, third = sorted(b.broker_id for b in self.cluster.brokers)
        topic = self.unique_topic("reassign")
        self.create_topic_on(topic, [first, second])
        acked, failed = self.produce_acked(topic, [b"r-%d" % i for i in range(200)], partition=0)
        self.assertEqual([], failed)
        self.assertEqual(200, len(acked))
        epoch_before = self.cluster.partition_state(topic, 0)["leader_epoch"]
        removed_dir = os.path.join(self.cluster.broker(first).log_dir, "%s-0" % topic)
        self.assertTrue(os.path.isdir(removed_dir))

        self.request([{"topic": topic, "partition": 0, "replicas": [second, third]}])
        zk = self.cluster.zk_client()
        harness.wait_until(lambda: not zk.exists("/admin/reassign_partitions"), 120,
                           "the reassignment to complete (admin znode consumed)")

        assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)
        self.assertEqual([second, third], assignment["partitions"]["0"])
        self.assertEqual({}, assignment.get("adding_replicas", {}))
        self.assertEqual({}, assignment.get("removing_replicas", {}))
        state = self.cluster.partition_state(topic, 0)
        self.assertIn(state["leader"], (second, third))
        self.assertTrue(set(state["isr"]) <= {second, third}, "ISR %s" % state["isr"])
        self.assertGreater(state["leader_epoch"], epoch_before)
        harness.wait_until(lambda: not os.path.exists(removed_dir), 30,
                           "broker %d to delete %s" % (first, removed_dir))
        harness.wait_until(
            lambda: sorted(self.metadata_partitions(topic).get(0, (None, []))[1]) ==
            [second, third], 30, "metadata showing replicas [%d, %d]" % (second, third))

        self.wait_for_high_watermark(topic, 0, len(acked))
        got = self.consume_all(topic, [0], timeout=60)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        lost = {k: v for k, v in acked.items() if consumed.get(k) != v}
        self.assertEqual({}, lost, "acknowledged records missing after the reassignment")
        # The moved partition takes writes at acks=all from its new replicas.
        more, failed = self.produce_acked(topic, [b"after-%d" % i for i in range(20)], partition=0)
        self.assertEqual([], failed)
        self.assertEqual(20, len(more))

    def test_resume_after_controller_failover(self):
        # The controller is one of the original replicas and is stopped right after phase U, so
        # (the leaders announce ISR growth only after a 5 s quiet period) the next controller
        # finds the reassignment half done in ZooKeeper and must finish it.
        ids = sorted(b.broker_id for b in self.cluster.brokers)
        controller = self.cluster.controller_id()
        kept, added = [b for b in ids if b != controller]
        topic = self.unique_topic("failover")
        self.create_topic_on(topic, [controller, kept])
        acked, failed = self.produce_acked(topic, [b"f-%d" % i for i in range(200)], partition=0)
        self.assertEqual([], failed)

        self.request([{"topic": topic, "partition": 0, "replicas": [kept, added]}])
        harness.wait_until(
            lambda: self.cluster.zk_json("/brokers/topics/%s" % topic)["adding_replicas"], 30,
            "phase U (adding_replicas written)")
        old = self.cluster.broker(controller)
        try:
            old.stop()
            zk = self.cluster.zk_client()
            successor = harness.wait_until(
                lambda: self.cluster.controller_id() not in (None, controller) and
                self.cluster.controller_id(), 30, "a new controller")
            resumed = zk.exists("/admin/reassign_partitions") is not None
            harness.wait_until(lambda: not zk.exists("/admin/reassign_partitions"), 120,
                               "the new controller to complete the reassignment")
            if resumed:
                line = "Starting reassignment of partition %s-0" % topic
                log_file = self.cluster.broker(successor).log_file
                harness.wait_until(lambda: line in read_text(log_file), 10,
                                   "the new controller's failover to resume the reassignment")
            assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)
            self.assertEqual([kept, added], assignment["partitions"]["0"])
            self.assertEqual({}, assignment["removing_replicas"])
            state = self.cluster.partition_state(topic, 0)
            self.assertIn(state["leader"], (kept, added))
            self.assertTrue(set(state["isr"]) <= {kept, added}, "ISR %s" % state["isr"])
            self.wait_for_high_watermark(topic, 0, len(acked))
            got = self.consume_all(topic, [0], timeout=60)
            consumed = {(m.partition(), m.offset()): m.value() for m in got}
            self.assertEqual({}, {k: v for k, v in acked.items() if consumed.get(k) != v})
        finally:
            if not old.is_running():
                old.start()
                self.cluster.wait_ready([old], timeout=60)

    def test_two_partitions_in_one_request(self):
        # The znode is rewritten without the first partition to finish, then deleted.
        first, second, third = sorted(b.broker_id for b in self.cluster.brokers)
        topic = self.unique_topic("two")
        zk = self.cluster.zk_client()
        zk.create("/brokers/topics/%s" % topic, json.dumps({
            "version": 2, "partitions": {"0": [first, second], "1": [second, first]},
            "adding_replicas": {}, "removing_replicas": {}}).encode())
        self.wait_for_topic(topic, 2)
        self.request([{"topic": topic, "partition": 0, "replicas": [second, third]},
                      {"topic": topic, "partition": 1, "replicas": [third, second]}])
        harness.wait_until(lambda: not zk.exists("/admin/reassign_partitions"), 120,
                           "both reassignments to complete")
        assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)
        self.assertEqual({"0": [second, third], "1": [third, second]}, assignment["partitions"])
        for p in (0, 1):
            state = self.cluster.partition_state(topic, p)
            self.assertTrue(set(state["isr"]) <= {second, third}, "ISR %s" % state["isr"])
            self.assertIn(state["leader"], (second, third))

    def test_target_on_unknown_broker_is_dropped(self):
        first, second, _ = sorted(b.broker_id for b in self.cluster.brokers)
        topic = self.unique_topic("bad-target")
        self.create_topic_on(topic, [first, second])
        self.request([{"topic": topic, "partition": 0, "replicas": [second, 99]}])
        zk = self.cluster.zk_client()
        harness.wait_until(lambda: not zk.exists("/admin/reassign_partitions"), 60,
                           "the invalid reassignment to be dropped")
        assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)
        self.assertEqual([first, second], assignment["partitions"]["0"])
        self.assertEqual({}, assignment.get("adding_replicas", {}))


if __name__ == "__main__":
    harness.main()
