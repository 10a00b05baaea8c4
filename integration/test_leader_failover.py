#!/usr/bin/env python3
"""Leader election with three real brokers: a topic of 12 partitions with replication factor 3
is placed by the (i + j) mod n table; SIGKILL of a broker moves every partition it led to another
member of its ISR; after a restart it rejoins every ISR as a follower, and a preferred replica
election (/admin/preferred_replica_election, as kafka-preferred-replica-election writes it) gives
the leaders back. Nothing acknowledged at acks=all is lost on the way."""

import json

import harness

PARTITIONS = 12


class LeaderFailoverTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 # The test triggers the preferred election itself.
                 "auto.leader.rebalance.enable": "false",
                 "replica.lag.time.max.ms": "10000"}

    def states(self, topic):
        return {p: self.cluster.partition_state(topic, p) for p in range(PARTITIONS)}

    def test_failover_rejoin_and_preferred_election(self):
        topic = self.unique_topic("failover")
        self.create_topic(topic, partitions=PARTITIONS, replication=3)
        brokers = sorted(b.broker_id for b in self.cluster.brokers)
        n = len(brokers)

        # Placement: partition i's replica j on broker (i + j) mod n over the sorted ids.
        assignment = self.cluster.zk_json("/brokers/topics/%s" % topic)["partitions"]
        for i in range(PARTITIONS):
            expected = [brokers[(i + j) % n] for j in range(3)]
            self.assertEqual(expected, assignment[str(i)], "partition %d" % i)
        harness.wait_until(lambda: all(len(s["isr"]) == 3 for s in self.states(topic).values()),
                           30, "full ISRs")
        before = self.states(topic)
        for i in range(PARTITIONS):
            self.assertEqual(assignment[str(i)][0], before[i]["leader"], "preferred leader")

        acked, failed = self.produce_acked(topic, [b"v1-%d" % i for i in range(600)])
        self.assertEqual([], failed)

        victim = self.cluster.broker(2)
        led = [p for p, s in before.items() if s["leader"] == victim.broker_id]
        self.assertTrue(led)
        victim.kill()

        def moved():
            now = self.states(topic)
            for p in led:
                s = now[p]
                if s["leader"] in (-1, victim.broker_id):
                    return False
                if s["leader"] not in before[p]["isr"]:
                    raise AssertionError("partition %d: leader %d was not in the ISR %s" % (
                        p, s["leader"], before[p]["isr"]))
            return now
        after_kill = harness.wait_until(moved, 20, "new leaders for %s" % led)
        for p, s in after_kill.items():
            self.assertNotIn(victim.broker_id, s["isr"], "partition %d ISR" % p)
            if p in led:
                self.assertGreater(s["leader_epoch"], before[p]["leader_epoch"])
        # Metadata from a surviving broker agrees with ZooKeeper.
        survivor = self.cluster.broker(1)
        harness.wait_until(
            lambda: all(self.metadata_partitions(topic, survivor)[p][0] == after_kill[p]["leader"]
                        for p in led), 20, "metadata showing the new leaders")

        more, failed = self.produce_acked(topic, [b"v2-%d" % i for i in range(600)])
        self.assertEqual([], failed)
        acked.update(more)

        victim.start()
        self.cluster.wait_ready([victim], timeout=60)
        harness.wait_until(
            lambda: all(victim.broker_id in s["isr"] for s in self.states(topic).values()),
            60, "broker %d back in every ISR" % victim.broker_id)
        # It came back as a follower: nothing moved to it by itself.
        for p in led:
            self.assertNotEqual(victim.broker_id, self.states(topic)[p]["leader"])

        zk = self.cluster.zk_client()
        zk.create("/admin/preferred_replica_election", json.dumps({
            "version": 1,
            "partitions": [{"topic": topic, "partition": p} for p in range(PARTITIONS)]}).encode())
        harness.wait_until(
            lambda: all(s["leader"] == assignment[str(p)][0]
                        for p, s in self.states(topic).items()), 30, "preferred leaders back")
        harness.wait_until(lambda: not zk.exists("/admin/preferred_replica_election"), 30,
                           "the admin znode consumed")

        self.assert_acked_consumed(topic, list(range(PARTITIONS)), acked)


if __name__ == "__main__":
    harness.main()
